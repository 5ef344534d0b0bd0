/**
 * The lab tier's helpers: is the lab available (root, network namespaces, tools), skip loudly or
 * fail when it is not, and throw-away test hosts in network namespaces.
 *
 * Network rule: the hosts are joined by a veth pair (2 hosts) or by a bridge living in its own
 * namespace (more hosts); nothing touches the root namespace. Names are unique per run
 * (pid + random), and `destroy()` removes the namespaces and ends the processes this lab started,
 * by PID only. A process exit hook destroys labs a failing test left behind.
 */
import { execFileSync, spawn as spawnChild, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export type LabTool = 'ip' | 'ping' | 'keepalived' | 'tcpdump' | 'tshark';

export interface LabStatus {
  root: boolean;
  /** `ip netns add` works. */
  netns: boolean;
  tools: Record<LabTool, boolean>;
  /** Why the lab is not usable for `needs`, or null. */
  reason: string | null;
}

const TOOLS: LabTool[] = ['ip', 'ping', 'keepalived', 'tcpdump', 'tshark'];

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

let netnsWorks: boolean | null = null;
function probeNetns(): boolean {
  if (netnsWorks === null) {
    const name = `vlprobe${process.pid}${randomBytes(2).toString('hex')}`;
    netnsWorks = spawnSync('ip', ['netns', 'add', name], { stdio: 'ignore' }).status === 0;
    if (netnsWorks) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  }
  return netnsWorks;
}

/** What the machine offers the lab tier. `needs` lists the tools the caller wants (default: ip). */
export function labStatus(needs: readonly LabTool[] = ['ip']): LabStatus {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const tools = Object.fromEntries(TOOLS.map((t) => [t, has(t)])) as Record<LabTool, boolean>;
  const netns = root && tools.ip && probeNetns();
  let reason: string | null = null;
  if (!root) reason = 'not running as root';
  else if (!tools.ip) reason = 'iproute2 (ip) is missing';
  else if (!netns) reason = 'cannot create network namespaces';
  else {
    const missing = needs.filter((t) => !tools[t]);
    if (missing.length > 0) reason = `missing tools: ${missing.join(', ')}`;
  }
  return { root, netns, tools, reason };
}

export function labAvailable(needs: readonly LabTool[] = ['ip']): boolean {
  return labStatus(needs).reason === null;
}

/** The part of vitest's test context this helper uses. */
export interface SkippableContext {
  skip(note?: string): never;
  task?: { name: string };
}

/**
 * Call first in a lab test. When the lab is unavailable: with VRRPLAB_LAB=required the test fails;
 * otherwise a loud banner goes to stderr and the test is skipped.
 */
export function requireLab(ctx: SkippableContext, needs: readonly LabTool[] = ['ip']): void {
  const { reason } = labStatus(needs);
  if (reason === null) return;
  const what = ctx.task?.name ?? 'lab test';
  if (process.env.VRRPLAB_LAB === 'required') {
    throw new Error(`lab tier required (VRRPLAB_LAB=required) but unavailable: ${reason} — "${what}"`);
  }
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! LAB TEST SKIPPED: ${what}\n!! reason: ${reason}\n!! run as root (VRRPLAB_LAB=required makes this a failure)\n${bar}\n`);
  ctx.skip(`lab unavailable: ${reason}`);
}

export interface LabHost {
  /** Namespace name. */
  ns: string;
  /** IPv4 address of eth0 (172.16.25.x/16). */
  address: string;
  /** IPv6 link-local address of eth0, once known (after `waitForIpv6()`). */
  ipv6?: string;
}

export interface Lab {
  hosts: LabHost[];
  /** Runs a command in a host's namespace; returns stdout, throws on a non-zero exit. */
  exec(host: number | LabHost, cmd: readonly string[], options?: { timeoutMs?: number }): string;
  /** Starts a long-running command in a host's namespace; destroy() ends it (by PID). */
  spawn(host: number | LabHost, cmd: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Ends this lab's processes and removes its namespaces. Idempotent. */
  destroy(): Promise<void>;
}

const live = new Set<{ destroySync(): void }>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => { for (const l of live) l.destroySync(); });
}

function ip(args: readonly string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Creates `hosts` test hosts (default 2): namespaces with `lo` up and `eth0` at 172.16.25.(i+1)/16,
 * joined by a veth pair or, for more than two, by a bridge in a dedicated namespace.
 * On a failure half-way, whatever was created is removed before the error is rethrown.
 */
export function createLab(options: { hosts?: number } = {}): Lab {
  const count = options.hosts ?? 2;
  if (count < 2 || count > 200) throw new RangeError(`createLab: 2..200 hosts, not ${count}`);
  const prefix = `vl${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const hosts: LabHost[] = Array.from({ length: count }, (_, i) => ({ ns: `${prefix}h${i + 1}`, address: `172.16.25.${i + 1}` }));
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  let destroyed = false;

  const destroySync = (): void => {
    if (destroyed) return;
    destroyed = true;
    live.delete(handle);
    for (const c of children) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try { process.kill(c.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    }
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  };
  const handle = { destroySync };
  hookExit();
  live.add(handle);

  try {
    for (const h of hosts) {
      ip(['netns', 'add', h.ns]);
      namespaces.push(h.ns);
      ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
    }
    if (count === 2) {
      ip(['-n', hosts[0].ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', hosts[1].ns]);
    } else {
      const br = `${prefix}br`;
      ip(['netns', 'add', br]);
      namespaces.push(br);
      ip(['-n', br, 'link', 'add', 'br0', 'type', 'bridge']);
      ip(['-n', br, 'link', 'set', 'br0', 'up']);
      hosts.forEach((h, i) => {
        ip(['-n', br, 'link', 'add', `p${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
        ip(['-n', br, 'link', 'set', `p${i + 1}`, 'master', 'br0']);
        ip(['-n', br, 'link', 'set', `p${i + 1}`, 'up']);
      });
    }
    for (const h of hosts) {
      ip(['-n', h.ns, 'addr', 'add', `${h.address}/16`, 'dev', 'eth0']);
      ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
    }
  } catch (error) {
    destroySync();
    throw error;
  }

  const hostOf = (h: number | LabHost): LabHost => (typeof h === 'number' ? hosts[h] : h);

  return {
    hosts,
    exec(h, cmd, opts = {}) {
      return execFileSync('ip', ['netns', 'exec', hostOf(h).ns, ...cmd], {
        encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, stdio: ['ignore', 'pipe', 'pipe'],
      });
    },
    spawn(h, cmd, opts = {}) {
      const child = spawnChild('ip', ['netns', 'exec', hostOf(h).ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async destroy() {
      for (const c of children) {
        if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
          const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
          try { process.kill(c.pid, 'SIGTERM'); } catch { /* already gone */ }
          await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 2000))]);
        }
      }
      destroySync();
    },
  };
}

/** Namespaces currently present (for tests that check cleanup). */
export function listNamespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((l) => l.split(' ')[0]).filter((l) => l.length > 0);
}
