/**
 * Small helpers the runtime lab tests and bench/runtime.ts share on top of test/lab/lab.ts:
 * starting vrrplab or keepalived in a lab host with keepalived's flags, keeping their logs,
 * reading a host's addresses, waiting for conditions. Processes go through `lab.spawn`, so
 * `lab.destroy()` ends them by PID.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Lab, LabHost } from '../lab/lab.js';

/** The repository root (also from dist/, where this file is compiled to dist/test/runtime). */
export const ROOT = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../../..' : '../..');
/** The `vrrplab` command as installed: the bundle (scripts/bundle.mjs). */
export const MAIN = join(ROOT, 'dist/cli/main.js');

export type Daemon = 'vrrplab' | 'keepalived';

export interface Started {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  log(): string;
  /** keepalived's VRRP child PID file (-r); unused by vrrplab, which is one process. */
  vrrpPidFile?: string;
}

/** Keeps a child's output; `log()` returns it so far. */
export function collect(child: ChildProcess): Started {
  let text = '';
  const keep = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => text };
}

/** Runs `keepalived -n -l [-D] -P -f CONF -p PID -r PID` or vrrplab run with the same arguments. */
export function startDaemon(lab: Lab, host: number | LabHost, kind: Daemon, conf: string, dir: string, options: { detail?: boolean; extra?: string[]; /** vrrplab's "vrrplab resources" line on SIGUSR2 (VRRPLAB_RESOURCES=1). */ resources?: boolean } = {}): Started {
  const name = typeof host === 'number' ? lab.hosts[host].ns : host.ns;
  const pid = join(dir, `${name}-${kind}.pid`);
  const common = ['-n', '-l', ...(options.detail === false ? [] : ['-D']), '-P', '-f', conf, '-p', pid, '-r', `${pid}.vrrp`];
  const argv = kind === 'vrrplab' ? ['node', MAIN, 'run', ...common, ...(options.extra ?? [])] : ['keepalived', ...common];
  const env = options.resources ? { env: { ...process.env, VRRPLAB_RESOURCES: '1' } } : {};
  return { ...collect(lab.spawn(host, argv, env)), vrrpPidFile: `${pid}.vrrp` };
}

/** The daemon's processes: vrrplab's one, or keepalived's parent and its VRRP child. */
export function daemonPids(started: Started): number[] {
  const pids = started.child.pid === undefined ? [] : [started.child.pid];
  if (started.vrrpPidFile && existsSync(started.vrrpPidFile)) {
    const child = Number(readFileSync(started.vrrpPidFile, 'utf8').trim());
    if (Number.isInteger(child) && child > 0 && !pids.includes(child)) pids.push(child);
  }
  return pids;
}

/**
 * A crash: every process of the daemon dies by SIGKILL with no chance to resign. keepalived's
 * parent is stopped first, so it can neither respawn the VRRP child nor, by dying, make the
 * child shut down gracefully (priority 0 advert). Kills by PID only.
 */
export async function crash(started: Started): Promise<void> {
  const pids = daemonPids(started);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch { /* already gone */ }
  };
  if (pids.length > 1) signal(pids[0], 'SIGSTOP');
  for (const pid of pids.slice(1)) signal(pid, 'SIGKILL');
  signal(pids[0], 'SIGKILL');
  await exited(started.child);
}

/** IPv4 addresses on `dev` of a lab host. */
export function addresses(lab: Lab, host: number | LabHost, dev = 'eth0'): string[] {
  const ns = typeof host === 'number' ? lab.hosts[host].ns : host.ns;
  const out = execFileSync('ip', ['-n', ns, '-4', '-o', 'addr', 'show', 'dev', dev], { encoding: 'utf8' });
  return [...out.matchAll(/inet (\S+)\//g)].map((m) => m[1]);
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Polls `check` every 50 ms until it holds or `timeoutMs` passes; the elapsed ms, or -1. */
export async function waitFor(check: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (check()) return performance.now() - start;
    await sleep(50);
  }
  return check() ? performance.now() - start : -1;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/** A scratch directory, removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Epoch seconds of each frame in a pcap matching a tshark display filter. */
export function frameTimes(pcap: string, filter?: string): number[] {
  const args = ['-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch', ...(filter ? ['-Y', filter] : [])];
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .trim().split('\n').filter((l) => l.length > 0).map(Number).filter(Number.isFinite);
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * Builds dist/ once per test process (the lab runs the compiled CLI). Test files run in
 * parallel workers, so builds are serialised with a lock directory; type errors elsewhere in the
 * tree do not stop the emit, so only a missing CLI counts as failure.
 */
let built = false;
export async function ensureBuilt(): Promise<void> {
  if (built) return;
  const lock = join(tmpdir(), `vrrplab-build-${ROOT.replace(/[^a-z0-9]/gi, '_')}.lock`);
  const start = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 2 minutes is left over from a killed run.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
      if (Date.now() - start > 180_000) throw new Error(`ensureBuilt: ${lock} held for 3 minutes`);
      await sleep(200);
    }
  }
  try {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
    spawnSync(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT, stdio: 'ignore', timeout: 60_000 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(MAIN)) throw new Error(`ensureBuilt: ${MAIN} missing after the build`);
  built = true;
}

export type LossMethod = 'netem' | 'nft';

/** Whether this machine can emulate packet loss: nftables (same loss for every pair), else tc netem. */
export function lossAvailable(lab: Lab): LossMethod | null {
  try {
    lab.exec(0, ['nft', 'list', 'tables']);
    return 'nft';
  } catch { /* no nftables */ }
  try {
    lab.exec(0, ['tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'loss', '1%']);
    lab.exec(0, ['tc', 'qdisc', 'del', 'dev', 'lo', 'root']);
    return 'netem';
  } catch {
    return null;
  }
}

/**
 * Drops `percent`% of the packets a lab host sends on eth0. With nftables (preferred) the loss is
 * deterministic — every (100/percent)th IP packet — so two pairs under test see the *same* loss
 * and their spurious transitions can be compared count for count; with `tc netem loss` (kernels
 * with sch_netem but no nftables) it is random per packet.
 */
export function startLoss(lab: Lab, host: number, percent: number, method: LossMethod): void {
  if (method === 'netem') {
    lab.exec(host, ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'loss', `${percent}%`]);
    return;
  }
  const every = String(Math.max(1, Math.round(100 / percent)));
  lab.exec(host, ['nft', 'add', 'table', 'inet', 'vrrplab_loss']);
  lab.exec(host, ['nft', 'add', 'chain', 'inet', 'vrrplab_loss', 'out', '{ type filter hook output priority 0; }']);
  lab.exec(host, ['nft', 'add', 'rule', 'inet', 'vrrplab_loss', 'out', 'oifname', 'eth0', 'numgen', 'inc', 'mod', every, '==', '0', 'drop']);
}

export function stopLoss(lab: Lab, host: number, method: LossMethod): void {
  if (method === 'netem') lab.exec(host, ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
  else lab.exec(host, ['nft', 'delete', 'table', 'inet', 'vrrplab_loss']);
}

/** State changes a daemon logged ("(VI_1) Entering MASTER STATE"), in keepalived's words. */
export function transitions(log: string): string[] {
  return [...log.matchAll(/\((\S+)\) Entering (MASTER|BACKUP|FAULT) STATE/g)].map((m) => `${m[1]} ${m[2]}`);
}
