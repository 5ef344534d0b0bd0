/**
 * vrrp_script result tracking with keepalived 2.2.7's rise/fall counter (vrrp_scheduler.c).
 *
 * keepalived keeps one counter per script, `result`, in 0 .. rise+fall-1: values >= rise mean
 * "succeeding". A script starts at rise-1 in the "init" state (so one success is enough), or at 0
 * with `init_fail`. The first result always reports a change while still in init.
 */
import type { VrrpScript } from '../config/model.js';

export type ScriptInitState = 'init' | 'failed' | 'done';

export interface ScriptTracker {
  readonly config: VrrpScript;
  result: number;
  initState: ScriptInitState;
  lastExitCode: number | undefined;
  nextRunAt: number;
  running: boolean;
}

export function newScriptTracker(config: VrrpScript): ScriptTracker {
  return {
    config,
    initState: config.initFail ? 'failed' : 'init',
    result: config.initFail ? 0 : config.rise - 1,
    lastExitCode: undefined,
    nextRunAt: Number.POSITIVE_INFINITY,
    running: false,
  };
}

/** True while the script counts as succeeding (keepalived: result >= rise). */
export function scriptSucceeding(tracker: ScriptTracker): boolean {
  return tracker.result >= tracker.config.rise;
}

export interface ScriptOutcome {
  /** The script's state changed: tracking instances must be updated with `succeeded`. */
  changed: boolean;
  succeeded: boolean;
  /** The init state the change happened in (affects how weights apply). */
  initStateBefore: ScriptInitState;
}

/**
 * Apply one finished run (exit code, or timed out) to the rise/fall counter. keepalived's log
 * lines for it are added to `logs` when given (none are built otherwise).
 */
export function applyScriptResult(tracker: ScriptTracker, exitCode: number, timedOut: boolean, logs?: string[]): ScriptOutcome {
  const { rise, fall, name } = tracker.config;
  const initStateBefore = tracker.initState;
  const success = !timedOut && exitCode === 0;
  // keepalived's last_status starts at 0 (zeroed allocation): a first exit status of 0 is not a
  // change and is not logged (keepalived 2.2.7 in a netns lab).
  if (!timedOut && exitCode !== (tracker.lastExitCode ?? 0)) logs?.push(`Script \`${name}\` now returning ${exitCode}`);
  if (!timedOut) tracker.lastExitCode = exitCode;
  let changed = false;
  if (success) {
    if (tracker.result < rise - 1) {
      tracker.result++;
    } else if (tracker.result !== rise + fall - 1) {
      if (tracker.result < rise) {
        logs?.push(`VRRP_Script(${name}) succeeded`);
        changed = true;
      }
      tracker.result = rise + fall - 1;
    }
  } else if (tracker.result > rise) {
    tracker.result--;
  } else {
    if (tracker.result === rise || tracker.initState === 'init') {
      logs?.push(timedOut ? `VRRP_Script(${name}) timed_out` : `VRRP_Script(${name}) failed (exited with status ${exitCode})`);
      changed = true;
    }
    tracker.result = 0;
  }
  tracker.running = false;
  tracker.initState = 'done';
  return { changed, succeeded: success, initStateBefore };
}
