// `npm pack` (prepack): build native/vrrp_socket.c and keep the add-on as this platform's prebuild,
// native/prebuilds/<platform>-<arch>/vrrp_socket.napi[.glibc|.musl].node, where node-gyp-build
// finds it at run time; postpack (--clean) removes it from the working tree again. Node-API
// (NAPI_VERSION in binding.gyp), so one build serves every Node >= 20.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// postpack: the prebuild is for the package only. Left in a working tree, it would let the next
// `npm ci` skip compiling a changed vrrp_socket.c (the install script takes a prebuild that loads).
if (process.argv[2] === '--clean') {
  rmSync(join(here, 'prebuilds'), { recursive: true, force: true });
  process.exit(0);
}

const gyp = process.env.npm_config_node_gyp;
const args = ['rebuild', '-C', here, '--loglevel=warn'];
const built = gyp ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' }) : spawnSync('node-gyp', args, { stdio: 'inherit' });
if (built.status !== 0) {
  process.stderr.write('vrrplab prepack: node-gyp could not build native/vrrp_socket.c; a package without its prebuild is not packed\n');
  process.exit(1);
}
// node-gyp-build's tags: napi (any Node with this Node-API version), and the C library on Linux.
const libc = process.platform === 'linux' ? (existsSync('/etc/alpine-release') ? '.musl' : '.glibc') : '';
const dir = join(here, 'prebuilds', `${process.platform}-${process.arch}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
copyFileSync(join(here, 'build', 'Release', 'vrrp_socket.node'), join(dir, `vrrp_socket.napi${libc}.node`));
process.stdout.write(`vrrplab prepack: prebuild ${join('native', 'prebuilds', `${process.platform}-${process.arch}`, `vrrp_socket.napi${libc}.node`)}\n`);
