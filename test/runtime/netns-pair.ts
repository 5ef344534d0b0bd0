/**
 * Two lab hosts for runtime lab tests: namespaces A and B joined by one veth pair (`eth0` in
 * each, 10.77.0.1/24 and 10.77.0.2/24), nothing connected to the root namespace, no default
 * route. Processes started through `spawnIn` are remembered and killed by PID on cleanup.
 * (Small on purpose; the shared test/lab/lab.ts helper can replace it when it lands.)
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function labSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 netns not usable';
  }
  return undefined;
}

/** Skips loudly, or fails when VRRPLAB_LAB=required. Returns true when the lab can run. */
export function labOrSkip(what: string): boolean {
  const reason = labSkipReason();
  if (!reason) return true;
  if (process.env.VRRPLAB_LAB === 'required') throw new Error(`lab tier required but unavailable (${reason}): ${what}`);
  process.stderr.write(`\n*** LAB TESTS SKIPPED (${reason}): ${what} ***\n\n`);
  return false;
}

export interface Host {
  ns: string;
  address: string;
}

export class NetnsPair {
  readonly a: Host;
  readonly b: Host;
  readonly dir: string;
  private children: ChildProcess[] = [];

  constructor() {
    const id = `vl${randomBytes(3).toString('hex')}`;
    this.a = { ns: `${id}a`, address: '10.77.0.1' };
    this.b = { ns: `${id}b`, address: '10.77.0.2' };
    this.dir = mkdtempSync(join(tmpdir(), `${id}-`));
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', this.a.ns);
    ip('netns', 'add', this.b.ns);
    ip('link', 'add', `${id}va`, 'type', 'veth', 'peer', 'name', `${id}vb`);
    ip('link', 'set', `${id}va`, 'netns', this.a.ns);
    ip('link', 'set', `${id}vb`, 'netns', this.b.ns);
    ip('-n', this.a.ns, 'link', 'set', `${id}va`, 'name', 'eth0');
    ip('-n', this.b.ns, 'link', 'set', `${id}vb`, 'name', 'eth0');
    ip('-n', this.a.ns, 'addr', 'add', `${this.a.address}/24`, 'dev', 'eth0');
    ip('-n', this.b.ns, 'addr', 'add', `${this.b.address}/24`, 'dev', 'eth0');
    for (const ns of [this.a.ns, this.b.ns]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
  }

  /** Starts `argv` inside `host`'s namespace (ip netns exec execs it: the PID is the program's). */
  spawnIn(host: Host, argv: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (chunk: Buffer) => {
      log += chunk.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    Object.defineProperty(child, 'log', { get: () => log });
    this.children.push(child);
    return child;
  }

  /** IPv4 addresses on eth0 of `host`. */
  addresses(host: Host): string[] {
    const out = execFileSync('ip', ['-n', host.ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
    return [...out.matchAll(/inet (\S+)\//g)].map((m) => m[1]);
  }

  cleanup(): void {
    for (const child of this.children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    for (const ns of [this.a.ns, this.b.ns]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function logOf(child: ChildProcess): string {
  return (child as ChildProcess & { log?: string }).log ?? '';
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 100 ms until it is true or `timeoutMs` passes; returns the elapsed ms or -1. */
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
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
