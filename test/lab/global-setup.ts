/**
 * The lab tier's one-time setup, before any test file runs: when root, install the Debian packages
 * the lab tests use if their commands are missing. Never fails the run: lab tests themselves skip
 * (or fail under VRRPLAB_LAB=required) when something is still missing.
 */
import { spawnSync } from 'node:child_process';
import { keepalived24 } from './keepalived-24.js';
import { prometheusTools } from './prometheus.js';

/** Command -> Debian package providing it. */
const PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  ping: 'iputils-ping',
  keepalived: 'keepalived',
  tcpdump: 'tcpdump',
  tshark: 'tshark',
  // Packet loss for the runtime fault tests on kernels without sch_netem (test/runtime/lab-helpers.ts).
  nft: 'nftables',
  chromium: 'chromium',
  // FRRouting's vrrpd, zebra and vtysh for the interop tests (test/lab/frr.test.ts).
  vtysh: 'frr',
};

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export default function setup(): void {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  installMissing(root);
  // keepalived 2.4.3 for the 2.4 tests (test/lab/keepalived-24.test.ts), built from the reference
  // source once and cached; those tests skip (or fail under VRRPLAB_LAB=required) without it.
  if (root) {
    const k = keepalived24();
    if (k.path === null) console.warn(`[lab] keepalived 2.4.3 not built: ${k.reason}`);
    // Debian's prometheus and promtool for test/lab/metrics.test.ts, unpacked, not installed (its
    // service would start a Prometheus in the root namespace): see prometheus.ts.
    const p = prometheusTools(true);
    if (p.prometheus === null) console.warn(`[lab] prometheus not available: ${p.reason}`);
  }
}

function installMissing(root: boolean): void {
  const missing = Object.entries(PACKAGES).filter(([command]) => !has(command)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  if (!root) {
    console.warn(`[lab] not root: cannot install ${missing.join(', ')}; lab tests will be skipped`);
    return;
  }
  if (!has('apt-get')) {
    console.warn(`[lab] no apt-get: cannot install ${missing.join(', ')}`);
    return;
  }
  console.warn(`[lab] installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { env, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    result = install();
  }
  if (result.status !== 0) console.warn(`[lab] apt-get install ${missing.join(' ')} failed (status ${result.status}); lab tests needing them will skip or fail`);
}
