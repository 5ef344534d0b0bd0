/**
 * vrrp_track_process in the simulator: a tracked process is the scenario's service of the same
 * name (the last path component of `process`: `/usr/sbin/haproxy` is haproxy), so a service-stop
 * or a notify that stops it is the process exiting, and a start is it being exec'd (no fork_delay).
 * A running service counts as `quorum` processes (at least one), a stopped one as none.
 */
import type { KeepalivedConfig, TrackProcess } from '../config/model.js';
import { neverMatches } from '../analysis/track-process.js';

/** The name the findings give a tracked process among an instance's checks. */
export function processCheckName(trackProcess: string): string {
  return `track_process ${trackProcess}`;
}

export function processService(process: TrackProcess): string {
  const name = process.process.split('/').filter((part) => part !== '').pop();
  return name ?? process.process;
}

/** A name keepalived can never match (analysis/track-process.ts neverMatches) counts none, running or not. */
export function serviceProcessCount(process: TrackProcess, up: boolean): number {
  return up && neverMatches(process) === undefined ? Math.max(1, process.quorum) : 0;
}

/** The vrrp_track_process blocks some instance or sync group of the config tracks. */
export function trackedProcesses(config: KeepalivedConfig): TrackProcess[] {
  const used = new Set([...config.instances.flatMap((v) => v.trackProcesses ?? []), ...config.syncGroups.flatMap((g) => g.trackProcesses ?? [])].map((r) => r.name));
  return (config.trackProcesses ?? []).filter((p) => used.has(p.name));
}

/**
 * What keepalived 2.2.7 logs at start-up when the kernel's process events cannot be had: it runs
 * in a network namespace other than the first (the proc connector answers only there) and was not
 * started outside it with `net_namespace` (lab: errno 111). Every tracked process then counts as absent.
 */
export const PROCESS_EVENTS_REFUSED = 'Failed to set/clear process event listen - errno 111 - Connection refused';
