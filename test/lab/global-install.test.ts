/**
 * Lab tier: vrrplab installed as npm installs a CLI globally, with install scripts off (as npm 11
 * asks for global installs): `npm pack`, then `npm i -g --prefix DIR --ignore-scripts TARBALL`.
 * Nothing is compiled at install time, so `run --transport raw` must find the prebuilt add-on the
 * package carries (native/prebuilds/, made by `npm pack`'s prepack) and elect over raw sockets.
 *
 * The pack runs in a scratch copy of the working tree (its node_modules linked), so the shared
 * dist/ and native/build/ are left alone; the prefix and the copy are removed afterwards, the lab's
 * namespaces and processes too (by PID), also on failure. Dependencies come from npm's cache
 * (--offline), or from the registry when the cache lacks them (--prefer-offline).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, addresses, collect, waitFor, type Started } from '../runtime/lab-helpers.js';

const VIP = '172.16.25.100';

/** Working-tree paths the copy leaves out: build output, dependencies, VCS data, scratch. */
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', 'out', 'tmp-scratch', 'native/build', 'native/prebuilds']);

function config(priority: number): string {
  return `vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 51
  advert_int 1
  virtual_ipaddress {
    ${VIP}/16 dev eth0
  }
}
`;
}

/** npm with the environment of a plain shell: none of the npm_* variables of an enclosing `npm test`. */
function npm(args: string[], cwd: string): { status: number | null; output: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const made = removedAfterEach();

describe('vrrplab installed globally with install scripts off', () => {
  it('packs a prebuilt add-on, installs without compiling, and elects a master over raw sockets', { timeout: 300_000 }, async (ctx) => {
    requireLab(ctx, ['ip']);
    const dir = made.scratch('vlinstall');
    const copy = join(dir, 'tree');
    const prefix = join(dir, 'prefix');
    cpSync(ROOT, copy, { recursive: true, filter: (path) => !NOT_COPIED.has(relative(ROOT, path)) });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));

    const packed = npm(['pack', '--pack-destination', dir], copy);
    expect(packed.status, packed.output).toBe(0);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    expect(tarball, packed.output).toBeDefined();
    const listing = spawnSync('tar', ['tzf', join(dir, tarball!)], { encoding: 'utf8' }).stdout;
    expect(listing).toMatch(/^package\/native\/prebuilds\/linux-x64\/vrrp_socket\.napi\.glibc\.node$/m);

    const install = ['i', '-g', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', join(dir, tarball!)];
    let installed = npm([...install, '--offline'], dir);
    if (installed.status !== 0) installed = npm([...install, '--prefer-offline'], dir);
    expect(installed.status, installed.output).toBe(0);
    const pkg = join(prefix, 'lib', 'node_modules', 'vrrplab');
    expect(existsSync(join(pkg, 'native', 'build')), 'install scripts were off: nothing may have been compiled').toBe(false);
    const bin = join(prefix, 'bin', 'vrrplab');
    expect(existsSync(bin)).toBe(true);
    // With scripts on, the install script would find that prebuild and compile nothing either.
    const script = spawnSync(process.execPath, [join(pkg, 'native', 'install.mjs')], { cwd: pkg, encoding: 'utf8', timeout: 60_000 });
    expect(script.status, `${script.stdout}${script.stderr}`).toBe(0);
    expect(existsSync(join(pkg, 'native', 'build'))).toBe(false);

    const lab = made.lab();
    const started: Started[] = [150, 100].map((priority, host) => {
      const conf = join(dir, `h${host}.conf`);
      writeFileSync(conf, config(priority));
      const pid = join(dir, `h${host}.pid`);
      return collect(lab.spawn(host, [bin, 'run', '-n', '-l', '-P', '-f', conf, '-p', pid, '-r', `${pid}.vrrp`, '--transport', 'raw']));
    });
    // The master's log line is waited for too: it is written before the VIP is added, but reaches
    // this process through a pipe, which the synchronous `ip addr` check can overtake.
    const elected = await waitFor(() => addresses(lab, 0).includes(VIP) && /Entering MASTER STATE/.test(started[0].log()) && /Entering BACKUP STATE/.test(started[1].log()), 15_000);
    const logs = started.map((s, i) => `--- host ${i}\n${s.log()}`).join('\n');
    expect(elected, logs).toBeGreaterThanOrEqual(0);
    expect(started[0].log(), logs).toMatch(/Entering MASTER STATE/);
    expect(addresses(lab, 1)).not.toContain(VIP);
    expect(logs).not.toMatch(/not built|could not be loaded/);
    // The backup heard the master over raw IP (protocol 112) and stays backup.
    const after = started[1].log();
    await waitFor(() => false, 2500);
    expect(started[1].log().slice(after.length)).not.toMatch(/Entering MASTER STATE/);
  });
});
