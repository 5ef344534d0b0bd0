// The package's install script (npm runs it unless scripts are off): nothing to do when the
// package carries a prebuild that loads here (native/prebuilds/<platform>-<arch>/, made by
// `npm pack`); otherwise build native/vrrp_socket.c from source with node-gyp, as a fresh clone's
// `npm ci` always does. A failed build is not a failed install: only `run --transport raw` needs it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function prebuildLoads() {
  process.env.PREBUILDS_ONLY = '1'; // node-gyp-build: ignore native/build, look at prebuilds only
  try {
    require(require('node-gyp-build').resolve(here));
    return true;
  } catch {
    return false;
  } finally {
    delete process.env.PREBUILDS_ONLY;
  }
}

if (!prebuildLoads()) {
  // npm hands scripts its own node-gyp (npm_config_node_gyp) and puts it on PATH.
  const gyp = process.env.npm_config_node_gyp;
  const args = ['rebuild', '-C', here, '--loglevel=warn'];
  const built = gyp ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' }) : spawnSync('node-gyp', args, { stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write(
      '!! vrrplab: native/vrrp_socket was not built (needs g++, make, python3): vrrplab run --transport raw is unavailable; ' +
        'the UDP shim, simulate, replay, compare and check work without it\n',
    );
  }
}
