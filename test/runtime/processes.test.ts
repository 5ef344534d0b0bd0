/**
 * vrrplab run's process tracking (src/runtime/processes.ts), without root: the proc connector's
 * event layout (<linux/cn_proc.h>, host byte order), keepalived's name and parameter matching
 * (core/track_process.c check_process / check_params), and the counting from events.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newTrackProcess } from '../../src/config/keywords.js';
import type { TrackProcess } from '../../src/config/model.js';
import { listenRequest, parseProcessEvents, processMatches, ProcessCounter, type ProcessName } from '../../src/runtime/processes.js';

const LE = true;

/** One netlink message from the proc connector: nlmsghdr, cn_msg, proc_event with `data` words after the header. */
function event(what: number, words: number[], extra: Uint8Array = new Uint8Array(0)): Uint8Array {
  const length = 16 + 20 + 16 + 4 * words.length + extra.length;
  const bytes = new Uint8Array((length + 3) & ~3);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length, LE);
  view.setUint16(4, 3, LE);
  view.setUint32(16, 1, LE);
  view.setUint32(20, 1, LE);
  view.setUint16(32, 16 + 4 * words.length + extra.length, LE);
  view.setUint32(36, what, LE);
  words.forEach((w, i) => view.setUint32(52 + 4 * i, w, LE));
  bytes.set(extra, 52 + 4 * words.length);
  return bytes;
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const tp = (overrides: Partial<TrackProcess>): TrackProcess => ({ ...newTrackProcess('tp', { file: 't.conf', line: 1 }), process: 'haproxy', ...overrides });
const named = (comm: string, ...argv: string[]): ProcessName => ({ comm, cmdline: Buffer.from(argv.map((a) => `${a}\0`).join('')) });

describe('process events from the kernel', () => {
  it('reads fork, exec, comm and exit events, several in one datagram, and skips threads as keepalived does', () => {
    const comm = new Uint8Array(16);
    comm.set(Buffer.from('newname'));
    const datagram = concat(
      event(0x1, [100, 100, 200, 200]),
      event(0x1, [100, 100, 201, 200]), // a thread: child pid != tgid
      event(0x2, [200, 200]),
      event(0x200, [200, 200], comm),
      event(0x80000000, [200, 200, 0, 17]),
      event(0x80000000, [201, 200, 0, 0]), // a thread's exit
    );
    expect(parseProcessEvents(datagram)).toEqual([
      { what: 'fork', parent: 100, child: 200 },
      { what: 'exec', pid: 200 },
      { what: 'comm', pid: 200, comm: 'newname' },
      { what: 'exit', pid: 200 },
    ]);
  });

  it('never throws on arbitrary bytes, and reads nothing from a truncated message', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      expect(Array.isArray(parseProcessEvents(bytes))).toBe(true);
    }), { numRuns: 2000 });
    const whole = event(0x2, [5, 5]);
    expect(parseProcessEvents(whole.subarray(0, whole.length - 8))).toEqual([]);
  });

  it('subscribes with keepalived\'s PROC_CN_MCAST_LISTEN request: 40 bytes, NLMSG_DONE, CN_IDX_PROC/CN_VAL_PROC, op 1', () => {
    const bytes = listenRequest(1234);
    const view = new DataView(bytes.buffer);
    expect([bytes.length, view.getUint32(0, LE), view.getUint16(4, LE), view.getUint32(12, LE), view.getUint32(16, LE), view.getUint32(20, LE), view.getUint16(32, LE), view.getUint32(36, LE)])
      .toEqual([40, 40, 3, 1234, 1, 1, 4, 1]);
  });
});

describe('which processes a vrrp_track_process counts', () => {
  it('matches comm by default, and never a path there (comm holds no path)', () => {
    expect(processMatches(tp({}), named('haproxy', '/usr/sbin/haproxy', '-f', 'x'))).toBe(true);
    expect(processMatches(tp({}), named('haproxy2', 'haproxy'))).toBe(false);
    expect(processMatches(tp({ process: '/usr/sbin/haproxy' }), named('haproxy', '/usr/sbin/haproxy'))).toBe(false);
  });

  it('with full_command, matches argv[0]; with parameters, exactly, as a prefix (partial), or with the last one a prefix (initial)', () => {
    const full = tp({ process: '/usr/sbin/haproxy', fullCommand: true });
    expect(processMatches(full, named('haproxy', '/usr/sbin/haproxy', '-f', 'a.cfg'))).toBe(true);
    expect(processMatches(full, named('haproxy', 'haproxy'))).toBe(false);
    const exact = { ...full, params: ['-f', 'a.cfg'], paramMatch: 'exact' as const };
    expect(processMatches(exact, named('haproxy', '/usr/sbin/haproxy', '-f', 'a.cfg'))).toBe(true);
    expect(processMatches(exact, named('haproxy', '/usr/sbin/haproxy', '-f', 'a.cfg', '-D'))).toBe(false);
    expect(processMatches({ ...exact, paramMatch: 'partial' }, named('haproxy', '/usr/sbin/haproxy', '-f', 'a.cfg', '-D'))).toBe(true);
    expect(processMatches({ ...exact, paramMatch: 'partial' }, named('haproxy', '/usr/sbin/haproxy', '-f', 'a.cfgx'))).toBe(false);
    expect(processMatches({ ...exact, paramMatch: 'initial' }, named('haproxy', '/usr/sbin/haproxy', '-f', 'a.cfgx'))).toBe(true);
    expect(processMatches({ ...full, paramMatch: 'exact' }, named('haproxy', '/usr/sbin/haproxy'))).toBe(true);
    expect(processMatches({ ...full, paramMatch: 'exact' }, named('haproxy', '/usr/sbin/haproxy', '-D'))).toBe(false);
  });
});

describe('counting tracked processes from events', () => {
  it('counts what runs at start, a fork of a counted process (as a fork), an exec by name, an exit, and a comm change away from the name', () => {
    const names = new Map<number, ProcessName>([[10, named('haproxy', 'haproxy')], [11, named('bash', 'bash')]]);
    const seen: [string, number, boolean][] = [];
    const counter = new ProcessCounter([tp({})], (pid) => names.get(pid), (name, count, fork) => seen.push([name, count, fork]));
    counter.scan([10, 11]);
    expect(counter.counts.get('tp')).toBe(1);
    counter.handle({ what: 'fork', parent: 10, child: 12 });
    counter.handle({ what: 'fork', parent: 11, child: 13 });
    names.set(13, named('haproxy', 'haproxy'));
    counter.handle({ what: 'exec', pid: 13 });
    counter.handle({ what: 'exit', pid: 10 });
    counter.handle({ what: 'comm', pid: 12, comm: 'worker' });
    counter.handle({ what: 'exit', pid: 12 });
    expect(seen).toEqual([['tp', 2, true], ['tp', 3, false], ['tp', 2, false], ['tp', 1, false]]);
    counter.rescan([13]);
    expect(counter.counts.get('tp')).toBe(1);
  });
});
