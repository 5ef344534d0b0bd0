/**
 * vrrp_track_process for `vrrplab run`, as keepalived 2.2.7 follows processes
 * (core/track_process.c): the kernel's process events over netlink (NETLINK_CONNECTOR, group
 * CN_IDX_PROC, subscribed with PROC_CN_MCAST_LISTEN), and one read of /proc once subscribed.
 * A fork of a counted process counts the child (fork_delay applies), an exec or a comm change
 * counts the process again by its new name, an exit uncounts it. Each new count goes to the
 * engine (src/engine/track-process.ts), which applies the quorum, the delays and the weights.
 *
 * The kernel answers the subscription only in the first network namespace: elsewhere the send
 * fails with ECONNREFUSED and keepalived logs "Failed to set/clear process event listen - errno
 * 111 - Connection refused", reads no /proc and counts every tracked process absent (lab). So does
 * vrrplab, and it says why.
 */
import * as fs from 'node:fs';
import { endianness } from 'node:os';
import type { TrackProcess } from '../config/model.js';
import { loadVrrpSocket, VrrpSocket } from './vrrp-socket.js';

// <linux/netlink.h>, <linux/connector.h>, <linux/cn_proc.h>
const NLMSG_HDRLEN = 16;
const NLMSG_DONE = 3;
const NLMSG_ERROR = 2;
const NLMSG_NOOP = 1;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const CN_MSG_LEN = 20;
const PROC_CN_MCAST_LISTEN = 1;
export const PROC_EVENT_FORK = 0x1;
export const PROC_EVENT_EXEC = 0x2;
export const PROC_EVENT_COMM = 0x200;
export const PROC_EVENT_EXIT = 0x80000000;
/** proc_event: what, cpu, timestamp_ns; then event_data. */
const EVENT_DATA = 16;

const LE = endianness() === 'LE';

/** One process event, as much of it as keepalived uses. */
export type ProcessEvent =
  | { what: 'fork'; parent: number; child: number }
  | { what: 'exec'; pid: number }
  | { what: 'comm'; pid: number; comm: string }
  | { what: 'exit'; pid: number };

/**
 * The events in a datagram from the proc connector (host byte order). Threads are skipped as
 * keepalived skips them (pid != tgid); anything short or of another kind is ignored, never thrown.
 */
export function parseProcessEvents(datagram: Uint8Array): ProcessEvent[] {
  const events: ProcessEvent[] = [];
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  for (let offset = 0; offset + NLMSG_HDRLEN <= datagram.byteLength; ) {
    const length = view.getUint32(offset, LE);
    const type = view.getUint16(offset + 4, LE);
    if (length < NLMSG_HDRLEN || offset + length > datagram.byteLength) break;
    const cn = offset + NLMSG_HDRLEN;
    const event = cn + CN_MSG_LEN;
    if (type !== NLMSG_ERROR && type !== NLMSG_NOOP && event + EVENT_DATA <= offset + length &&
      view.getUint32(cn, LE) === CN_IDX_PROC && view.getUint32(cn + 4, LE) === CN_VAL_PROC && view.getUint32(cn + 12, LE) === 0) {
      const what = view.getUint32(event, LE);
      const data = event + EVENT_DATA;
      const u32 = (i: number): number | undefined => (data + 4 * (i + 1) <= offset + length ? view.getUint32(data + 4 * i, LE) : undefined);
      if (what === PROC_EVENT_FORK) {
        const [parentTgid, childPid, childTgid] = [u32(1), u32(2), u32(3)];
        if (parentTgid !== undefined && childPid !== undefined && childPid === childTgid) events.push({ what: 'fork', parent: parentTgid, child: childPid });
      } else if (what === PROC_EVENT_EXEC || what === PROC_EVENT_EXIT) {
        const [pid, tgid] = [u32(0), u32(1)];
        if (pid !== undefined && pid === tgid) events.push(what === PROC_EVENT_EXEC ? { what: 'exec', pid } : { what: 'exit', pid });
      } else if (what === PROC_EVENT_COMM) {
        const [pid, tgid] = [u32(0), u32(1)];
        if (pid !== undefined && pid === tgid && data + 8 + 16 <= offset + length) {
          const bytes = datagram.subarray(data + 8, data + 8 + 16);
          const end = bytes.indexOf(0);
          events.push({ what: 'comm', pid, comm: Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('latin1') });
        }
      }
    }
    offset += (length + 3) & ~3;
  }
  return events;
}

/** The PROC_CN_MCAST_LISTEN request keepalived sends (set_proc_ev_listen). */
export function listenRequest(pid: number): Uint8Array {
  const bytes = new Uint8Array(NLMSG_HDRLEN + CN_MSG_LEN + 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.length, LE);
  view.setUint16(4, NLMSG_DONE, LE);
  view.setUint32(12, pid, LE);
  view.setUint32(16, CN_IDX_PROC, LE);
  view.setUint32(20, CN_VAL_PROC, LE);
  view.setUint16(32, 4, LE);
  view.setUint32(36, PROC_CN_MCAST_LISTEN, LE);
  return bytes;
}

/** What keepalived compares: comm, or the command line (argv NUL-separated) with full_command. */
export interface ProcessName {
  comm: string | undefined;
  cmdline: Uint8Array | undefined;
}

/**
 * Whether a process is one a vrrp_track_process counts (keepalived's check_process() and
 * check_params()): comm equal to `process`, or with full_command argv[0] equal to it, and the
 * parameters after it matched exactly, as a prefix (partial), or with the last one a prefix (initial).
 */
export function processMatches(config: TrackProcess, name: ProcessName): boolean {
  if (!config.fullCommand) return name.comm !== undefined && name.comm === config.process;
  const cmdline = name.cmdline;
  if (cmdline === undefined) return false;
  const end = cmdline.indexOf(0);
  const argv0 = Buffer.from(end < 0 ? cmdline : cmdline.subarray(0, end)).toString('latin1');
  if (argv0 !== config.process) return false;
  if (config.paramMatch === 'none') return true;
  const params = end < 0 ? new Uint8Array(0) : cmdline.subarray(end + 1);
  const wanted = config.params === undefined ? new Uint8Array(0) : Buffer.from(config.params.map((p) => `${p}\0`).join(''), 'latin1');
  if (config.paramMatch === 'exact' && wanted.length === 0 && params.length === 0) return true;
  if (params.length < wanted.length) return false;
  const prefix = (n: number): boolean => Buffer.from(params.subarray(0, n)).equals(Buffer.from(wanted.subarray(0, n)));
  if (config.paramMatch === 'exact') return params.length === wanted.length && prefix(wanted.length);
  if (wanted.length === 0) return true;
  if (config.paramMatch === 'partial') return prefix(wanted.length);
  return wanted.length === 1 || prefix(wanted.length - 1);
}

/** A process's comm (from /proc/PID/stat, none for a zombie) and command line, undefined when gone. */
export function readProcessName(pid: number, root = '/proc'): ProcessName | undefined {
  let comm: string | undefined;
  let cmdline: Uint8Array | undefined;
  try {
    const stat = fs.readFileSync(`${root}/${pid}/stat`, 'latin1');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    if (open < 0 || close < open) return undefined;
    if (stat[close + 2] === 'Z') return undefined;
    comm = stat.slice(open + 1, close);
  } catch {
    return undefined;
  }
  try {
    cmdline = fs.readFileSync(`${root}/${pid}/cmdline`);
  } catch {
    cmdline = undefined;
  }
  return { comm, cmdline };
}

/**
 * Which processes each vrrp_track_process counts, kept up to date from events. `count` is called
 * with a tracked process's new count (fork: it rose through a fork).
 */
export class ProcessCounter {
  /** pid -> names of the vrrp_track_processes counting it. */
  private readonly byPid = new Map<number, Set<string>>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly processes: readonly TrackProcess[],
    private readonly readName: (pid: number) => ProcessName | undefined,
    private readonly count: (name: string, count: number, fork: boolean) => void,
  ) {
    for (const p of processes) this.counts.set(p.name, 0);
  }

  /** keepalived's read_procs(): every process now running. */
  scan(pids: readonly number[]): void {
    for (const pid of pids) {
      const name = this.readName(pid);
      if (name === undefined) continue;
      for (const p of this.processes) if (processMatches(p, name)) this.add(pid, p.name, false, false);
    }
  }

  /** Counts every process again (events were lost) and reports the counts that changed. */
  rescan(pids: readonly number[]): void {
    const before = new Map(this.counts);
    this.byPid.clear();
    for (const p of this.processes) this.counts.set(p.name, 0);
    this.scan(pids);
    for (const [name, count] of this.counts) if (before.get(name) !== count) this.count(name, count, false);
  }

  handle(event: ProcessEvent): void {
    switch (event.what) {
      case 'fork': {
        const parent = this.byPid.get(event.parent);
        if (parent !== undefined) for (const name of [...parent]) this.add(event.child, name, true, true);
        return;
      }
      case 'exec':
        return this.recheck(event.pid, this.readName(event.pid), false);
      case 'comm': {
        const name = this.readName(event.pid) ?? { comm: event.comm, cmdline: undefined };
        return this.recheck(event.pid, { ...name, comm: event.comm }, true);
      }
      case 'exit': {
        const names = this.byPid.get(event.pid);
        if (names === undefined) return;
        this.byPid.delete(event.pid);
        for (const name of names) this.change(name, -1, false);
        return;
      }
    }
  }

  /** check_process(): counted by what matches now, uncounted by what no longer does (a comm change leaves full_command ones alone). */
  private recheck(pid: number, name: ProcessName | undefined, commOnly: boolean): void {
    for (const p of this.processes) {
      if (commOnly && p.fullCommand) continue;
      const counted = this.byPid.get(pid)?.has(p.name) === true;
      const matches = name !== undefined && processMatches(p, name);
      if (matches && !counted) this.add(pid, p.name, false, true);
      else if (!matches && counted) {
        this.byPid.get(pid)?.delete(p.name);
        if (this.byPid.get(pid)?.size === 0) this.byPid.delete(pid);
        this.change(p.name, -1, false);
      }
    }
  }

  private add(pid: number, name: string, fork: boolean, report: boolean): void {
    const names = this.byPid.get(pid) ?? new Set<string>();
    if (names.has(name)) return;
    names.add(name);
    this.byPid.set(pid, names);
    if (report) this.change(name, 1, fork);
    else this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  private change(name: string, delta: number, fork: boolean): void {
    const count = Math.max(0, (this.counts.get(name) ?? 0) + delta);
    this.counts.set(name, count);
    this.count(name, count, fork);
  }
}

export type ProcessWatch =
  | { ok: true; counts: Record<string, number>; close(): void }
  | { ok: false; /** keepalived's line, then vrrplab's explanation. */ lines: string[] };

/** The PIDs in /proc. */
function runningPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((entry) => /^[1-9]\d*$/.test(entry)).map(Number);
  } catch {
    return [];
  }
}

/**
 * Subscribes to the kernel's process events and counts the tracked processes, as keepalived's
 * init_track_processes(). Without them (no native helper, another network namespace) nothing is
 * counted: every tracked process is absent, keepalived's behaviour, and the lines say so.
 */
export function watchProcesses(processes: readonly TrackProcess[], onCount: (name: string, count: number, fork: boolean) => void): ProcessWatch {
  const absent = 'vrrplab: every vrrp_track_process counts as absent (keepalived does the same without process events)';
  if (!loadVrrpSocket().ok) return { ok: false, lines: [`vrrplab: process events need the native helper, which is not loaded; ${absent.slice('vrrplab: '.length)}`] };
  let socket: VrrpSocket;
  try {
    socket = VrrpSocket.openProcessEvents();
  } catch (error) {
    const errno = (error as { errno?: number }).errno ?? 0;
    return { ok: false, lines: [`Failed to open process monitoring socket - errno ${errno} - ${describeErrno(error)}`, absent] };
  }
  try {
    socket.send(listenRequest(process.pid));
  } catch (error) {
    socket.close();
    const errno = (error as { errno?: number }).errno ?? 0;
    const lines = [`Failed to set/clear process event listen - errno ${errno} - ${describeErrno(error)}`];
    if (errno === 111) lines.push(`vrrplab: the kernel's process events answer only in the first network namespace, and this one is another; ${absent.slice('vrrplab: '.length)}`);
    else lines.push(absent);
    return { ok: false, lines };
  }
  const counter = new ProcessCounter(processes, (pid) => readProcessName(pid), onCount);
  counter.scan(runningPids());
  const counts = Object.fromEntries(counter.counts);
  socket.start(
    () => 0,
    (datagram) => {
      for (const event of parseProcessEvents(datagram.packet)) counter.handle(event);
    },
    // ENOBUFS (events lost): keepalived counts again a second later (reinitialise_track_processes); here at once.
    () => counter.rescan(runningPids()),
  );
  return { ok: true, counts, close: () => socket.close() };
}

/** "Connection refused" from the native error ("sendto: Connection refused"). */
function describeErrno(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const colon = message.indexOf(': ');
  return colon >= 0 ? message.slice(colon + 2) : message;
}
