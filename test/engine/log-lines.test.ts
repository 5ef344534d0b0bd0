/**
 * HostOptions.logs: a driver that keeps no log lines (explore's simulator) has the engine build
 * none, and learns a tracked script's change of state, which only a line told, from a
 * 'script-state' action in the line's place. Everything else the engine does is the same.
 */
import { describe, expect, it } from 'vitest';
import type { EngineAction } from '../../src/engine/types.js';
import { config, instance, ref, script } from './config-builder.js';
import { Bench, type Stamped } from './harness.js';

const cluster = config({
  instances: [instance({ priority: 100, trackScripts: [ref('chk', 10)] })],
  scripts: [script({ name: 'chk', rise: 1, fall: 1 })],
});

/** Start, the check passes, master, the check fails, a higher peer takes over, the check passes and then times out. */
function run(logs: boolean): Bench {
  return new Bench(cluster, '10.0.0.1', { logs })
    .start(0)
    .script(5, 'chk', 0)
    .advance(4_000)
    .script(4_005, 'chk', 1)
    .receive(4_500, { priority: 150 })
    .script(5_005, 'chk', 0)
    .event(6_005, { type: 'script-result', script: 'chk', exitCode: 0, timedOut: true })
    .advance(8_000);
}

/** What the engine with log lines off is expected to do: the same, each script state line a 'script-state' action. */
function withoutLines(actions: Stamped<EngineAction>[]): Stamped<EngineAction>[] {
  return actions.flatMap((action): Stamped<EngineAction>[] => {
    if (action.type !== 'log') return [action];
    const state = /^VRRP_Script\(chk\) (succeeded|failed|timed_out)/.exec(action.message);
    return state === null ? [] : [{ type: 'script-state', script: 'chk', ok: state[1] === 'succeeded', t: action.t }];
  });
}

describe('log lines off (HostOptions.logs false)', () => {
  it('builds no log line, says when a tracked script changed state, and does everything else the same', () => {
    const on = run(true);
    const off = run(false);
    expect(on.logs()).toContain('VRRP_Script(chk) failed (exited with status 1)');
    expect(on.logs()).toContain('VRRP_Script(chk) timed_out');
    expect(on.of('script-state')).toEqual([]);
    expect(off.logs()).toEqual([]);
    expect(off.of('script-state').map((action) => action.ok)).toEqual([true, false, true, false]);
    expect(off.log).toEqual(withoutLines(on.log));
  });
});

describe('the list of actions', () => {
  it('is appended to the list the driver hands in, and is a new list otherwise', () => {
    const bench = new Bench(cluster).start(0);
    const into: EngineAction[] = [];
    const deadline = bench.engine.nextDeadline() ?? Number.POSITIVE_INFINITY;
    expect(bench.engine.handleTimeout(deadline, into)).toBe(into);
    expect(into.map((action) => action.type)).toContain('run-script');
    const fresh = bench.engine.handle(deadline, { type: 'script-result', script: 'chk', exitCode: 0 });
    expect(fresh).not.toBe(into);
  });
});
