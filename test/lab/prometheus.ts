/**
 * Debian's prometheus and promtool for the lab tier (test/lab/metrics.test.ts). From PATH when the
 * package is installed; otherwise the .deb is fetched with `apt-get download` and unpacked with
 * `dpkg -x` into /var/cache/vrrplab-lab/prometheus, never installed: the package's postinst starts
 * its service (a Prometheus on :9090 in the root namespace) wherever the init system lets it, and
 * the lab's network rule allows a Prometheus only inside a test namespace. The global setup calls
 * this once (a few seconds the first time); tests ask here for the binaries.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const CACHE = '/var/cache/vrrplab-lab/prometheus';

export interface PrometheusTools {
  prometheus: string | null;
  promtool: string | null;
  reason: string;
}

function onPath(command: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function cached(): PrometheusTools | null {
  const prometheus = join(CACHE, 'usr/bin/prometheus');
  const promtool = join(CACHE, 'usr/bin/promtool');
  return existsSync(prometheus) && existsSync(promtool) ? { prometheus, promtool, reason: '' } : null;
}

let found: PrometheusTools | undefined;

/** The binaries, unpacking Debian's package into the cache when `fetch` (root) and missing. */
export function prometheusTools(fetch = false): PrometheusTools {
  if (found !== undefined && found.prometheus !== null) return found;
  const prometheus = onPath('prometheus');
  const promtool = onPath('promtool');
  if (prometheus !== null && promtool !== null) return (found = { prometheus, promtool, reason: '' });
  const inCache = cached();
  if (inCache !== null) return (found = inCache);
  if (!fetch) return (found = { prometheus: null, promtool: null, reason: `prometheus not on PATH nor in ${CACHE} (the lab global setup unpacks it as root)` });
  mkdirSync('/var/cache/vrrplab-lab', { recursive: true });
  const work = mkdtempSync('/var/cache/vrrplab-lab/prometheus-deb-');
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['download', 'prometheus'], { cwd: work, env, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 300_000 });
      r = spawnSync('apt-get', ['download', 'prometheus'], { cwd: work, env, encoding: 'utf8', timeout: 300_000 });
    }
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (r.status !== 0 || deb === undefined) return (found = { prometheus: null, promtool: null, reason: `apt-get download prometheus failed (status ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' / ')}` });
    const unpack = join(work, 'root');
    const x = spawnSync('dpkg', ['-x', join(work, deb), unpack], { encoding: 'utf8', timeout: 120_000 });
    if (x.status !== 0) return (found = { prometheus: null, promtool: null, reason: `dpkg -x ${deb} failed: ${x.stderr.trim()}` });
    rmSync(CACHE, { recursive: true, force: true });
    // One rename: a test never sees half a cache.
    spawnSync('mv', [unpack, CACHE]);
    return (found = cached() ?? { prometheus: null, promtool: null, reason: `unpacked ${deb} has no usr/bin/prometheus and promtool` });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
