/**
 * vrrp_track_process as keepalived 2.2.7 follows it (core/track_process.c, vrrp/vrrp_track.c):
 * a count of the running processes that match, a quorum (quorum <= count <= quorum_max) and the
 * fork/terminate delays. The driver counts processes (the kernel's process events, or a model of
 * services) and hands each new count in; the engine (./host.ts) applies the weights.
 */
import type { TrackProcess } from '../config/model.js';
import { newSlot, type TimerSlot } from './timers.js';

export interface ProcessTracker {
  config: TrackProcess;
  /** Matching processes running now (keepalived's num_cur_proc). */
  count: number;
  /** keepalived's have_quorum: what the tracking instances were last told. */
  haveQuorum: boolean;
  /** fork_delay running: a quorum gained by a fork counts when it fires. */
  readonly forkTimer: TimerSlot;
  /** terminate_delay running: a quorum lost by an exit counts when it fires. */
  readonly terminateTimer: TimerSlot;
}

export function quorumOf(config: TrackProcess, count: number): boolean {
  return count >= config.quorum && count <= config.quorumMax;
}

export function newProcessTracker(config: TrackProcess, count: number, onTimer: (tracker: ProcessTracker) => void): ProcessTracker {
  const tracker: ProcessTracker = {
    config,
    count,
    haveQuorum: quorumOf(config, count),
    forkTimer: newSlot(() => onTimer(tracker)),
    terminateTimer: newSlot(() => onTimer(tracker)),
  };
  return tracker;
}

/**
 * What a new count does (check_process, check_process_fork, check_process_termination): the
 * quorum to report now (undefined: nothing yet), and which delay timer to arm or cancel.
 * More processes cancel a running terminate_delay (the loss never counts); a fork that gains the
 * quorum waits fork_delay; fewer processes cancel a running fork_delay and count at once, or wait
 * terminate_delay.
 */
export function countChange(
  tracker: ProcessTracker,
  count: number,
  fork: boolean,
): { report?: boolean; arm?: 'fork' | 'terminate'; cancel?: 'fork' | 'terminate' } {
  const before = tracker.count;
  tracker.count = count;
  const now = quorumOf(tracker.config, count);
  const forkRunning = Number.isFinite(tracker.forkTimer.at);
  const terminateRunning = Number.isFinite(tracker.terminateTimer.at);
  if (count > before) {
    if (terminateRunning) return { cancel: 'terminate', report: now };
    if (now !== tracker.haveQuorum && fork && tracker.config.forkDelayMs > 0) return forkRunning ? {} : { arm: 'fork' };
    return { report: now };
  }
  if (count < before) {
    if (forkRunning) return { cancel: 'fork', report: now };
    if (now !== tracker.haveQuorum && tracker.config.terminateDelayMs > 0) return terminateRunning ? {} : { arm: 'terminate' };
    return { report: now };
  }
  return {};
}
