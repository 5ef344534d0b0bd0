/**
 * A tracked script's runs as keepalived 2.2.7 handles them (startTrackRun): one state shared by
 * the runs, SIGTERM at the timeout, SIGKILL 2 s later when the script ignores it, and what counts
 * as timed out. Lab evidence: test/lab/runtime-issue22.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { startTrackRun, type TrackRunState } from '../../src/runtime/scripts.js';
import { linkLocalWarnings } from '../../src/runtime/runtime.js';
import { parseConfigText } from '../../src/config/load.js';

interface Seen {
  results: { exitCode: number; timedOut: boolean }[];
  logs: string[];
  pids: number[];
  exited: number[];
}

function run(state: TrackRunState, argv: string[], timeoutMs: number): { seen: Seen; done: Promise<void> } {
  const seen: Seen = { results: [], logs: [], pids: [], exited: [] };
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => { finish = resolve; });
  startTrackRun(state, argv, { timeoutMs, startedAt: performance.now() }, {
    log: (m) => seen.logs.push(m),
    now: () => performance.now(),
    onSpawn: (pid) => seen.pids.push(pid),
    onExit: (pid) => { seen.exited.push(pid); finish(); },
    onForget: (pid) => seen.exited.push(-pid),
    result: (r) => { seen.results.push(r); finish(); },
  });
  return { seen, done };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a tracked script run, as keepalived runs it', () => {
  it('a run that exits in time reports its status and leaves the state idle', async () => {
    const state: TrackRunState = { name: 'chk', state: 'idle' };
    const { seen, done } = run(state, ['/bin/sh', '-c', 'exit 3'], 1000);
    expect(state.state).toBe('running');
    await done;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.results).toEqual([{ exitCode: 3, timedOut: false }]);
    expect(state.state).toBe('idle');
  });

  it('a run that SIGTERM ends at its timeout counts as timed out', async () => {
    const state: TrackRunState = { name: 'chk', state: 'idle' };
    const { seen, done } = run(state, ['/bin/sleep', '10'], 150);
    await done;
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.results).toEqual([{ exitCode: 143, timedOut: true }]);
    expect(state.state).toBe('idle');
  });

  it('a run that ignores SIGTERM is killed 2 s after its timeout and counts as timed out', async () => {
    const state: TrackRunState = { name: 'chk', state: 'idle' };
    const start = performance.now();
    const { seen, done } = run(state, ['/bin/sh', '-c', "trap '' TERM; sleep 10 & wait; sleep 10"], 150);
    await new Promise((r) => setTimeout(r, 600));
    expect(state.state).toBe('requesting-termination');
    expect(seen.results).toEqual([]);
    await done;
    await new Promise((r) => setTimeout(r, 20));
    const took = performance.now() - start;
    expect(took).toBeGreaterThan(2100);
    expect(took).toBeLessThan(3500);
    expect(seen.results).toEqual([{ exitCode: 137, timedOut: true }]);
    expect(state.state).toBe('idle');
  });

  it('a run whose timeout falls while the shared state is idle is neither signalled nor read', async () => {
    const state: TrackRunState = { name: 'chk', state: 'idle' };
    const { seen } = run(state, ['/bin/sleep', '10'], 100);
    // Another run of the same script ended meanwhile (keepalived: any reaped run leaves it idle).
    state.state = 'idle';
    await new Promise((r) => setTimeout(r, 400));
    const pid = seen.pids[0];
    expect(alive(pid)).toBe(true);
    expect(seen.exited).toEqual([-pid]);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.results).toEqual([]);
    expect(seen.exited).toEqual([-pid]);
    expect(state.state).toBe('idle');
  });

  it('a program that does not exist is a failed run with status 127 and the state stays idle', async () => {
    const state: TrackRunState = { name: 'chk', state: 'idle' };
    const { seen, done } = run(state, ['/nonexistent/program'], 1000);
    await done;
    expect(seen.results[0]).toMatchObject({ exitCode: 127, timedOut: false });
    expect(state.state).toBe('idle');
  });
});

describe("keepalived's first-VIP warning for IPv6 instances", () => {
  const conf = (vips: string) => parseConfigText(`vrrp_instance VI_6 {\n  interface eth0\n  version 3\n  virtual_router_id 66\n  virtual_ipaddress {\n${vips}  }\n}\n`, 'k.conf').config;
  it('warns when the first IPv6 VIP is not link-local', () => {
    expect(linkLocalWarnings(conf('    2001:db8:25::100/64\n    fe80::100\n'))).toEqual(['(VI_6) the first IPv6 VIP address should be link local']);
  });
  it('is silent when the first IPv6 VIP is link-local, and for IPv4', () => {
    expect(linkLocalWarnings(conf('    fe80::100\n    2001:db8:25::100/64\n'))).toEqual([]);
    expect(linkLocalWarnings(conf('    172.16.25.100\n'))).toEqual([]);
  });
  it('is silent for a unicast IPv6 instance, as keepalived 2.2.7 is (captures/ipv6-unicast/A.log)', () => {
    const unicast = parseConfigText(`vrrp_instance V6 {\n  interface eth0\n  version 3\n  virtual_router_id 60\n  unicast_src_ip fd44::a\n  unicast_peer {\n    fd44::b\n  }\n  virtual_ipaddress {\n    fd44::100/64\n  }\n}\n`, 'k.conf').config;
    expect(linkLocalWarnings(unicast)).toEqual([]);
  });
});
