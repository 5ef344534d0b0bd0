import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repeatCapture } from '../../src/capture/repeat.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { replayWithoutCommander } from '../../src/cli/commands/replay.js';
import { LineBatches } from '../../src/replay/lines.js';
import { formatTimeline, jsonLine, TimelineWriter, writeJsonLine, writeJsonLines, writeTimeline } from '../../src/replay/format.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture, streamReplay } from '../../src/replay/replay.js';
import { SpillingSpans } from '../../src/replay/spans.js';
import { capturedOutput, streamText } from '../cli/captured-output.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-replay-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The buggy seed recording, repeated, with its first master advertising again after B took over
// in every copy: transitions, gaps, GARP bursts, priority changes, resignations and two masters.
const capture = join(dir, 'anomalies.pcap');
repeatCapture('captures/reference/seed-buggy-f1/capture.pcap', capture, 3000, { echoFirstAt: [5, 6, 7, 8, 9, 10] });
const { records } = replayCapture(capture);

function batched(write: (out: LineBatches) => void, batchBytes: number): { text: string; writes: number } {
  const chunks: Buffer[] = [];
  const out = new LineBatches(batchBytes);
  write(out);
  out.writeTo((bytes) => chunks.push(Buffer.from(bytes)));
  return { text: Buffer.concat(chunks).toString('utf8'), writes: chunks.length };
}

/** What `vrrplab replay` prints for `args` on stdout and stderr, and its exit code. */
async function cliOutput(args: string[]): Promise<{ text: string; stderr: string; exitCode: number }> {
  const out = await capturedOutput(async () => expect(await replayWithoutCommander(args)).toBe(true));
  return { text: streamText(out, 'stdout'), stderr: streamText(out, 'stderr'), exitCode: out.exitCode };
}

describe('replay output written in batches', () => {
  it('is a capture with anomalies, transitions and gratuitous ARPs', () => {
    const kinds = new Set(records.map((r) => r.type));
    for (const k of ['transition', 'gap', 'garp', 'anomaly', 'priority', 'resign', 'master', 'summary', 'capture']) expect(kinds).toContain(k);
  });

  it('writes the timeline text byte for byte as one joined string would be, in several writes', () => {
    const whole = formatTimeline(records, replayFirst()).join('\n') + '\n';
    for (const size of [1, 100, 4096, 1 << 20]) {
      const { text, writes } = batched((out) => writeTimeline(records, replayFirst(), out.line), size);
      expect(text).toBe(whole);
      if (size <= 4096) expect(writes).toBeGreaterThan(1);
    }
  });

  it('writes the JSON lines byte for byte as one JSON.stringify per record joined with newlines', () => {
    const whole = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    for (const size of [1, 100, 4096, 1 << 20]) expect(batched((out) => writeJsonLines(records, out.line), size).text).toBe(whole);
  });

  it('builds each JSON line as JSON.stringify does, IPv6 family fields, odd numbers and strings included', () => {
    for (const r of records) expect(jsonLine(r)).toBe(JSON.stringify(r));
    const odd: ReplayRecord[] = [
      { type: 'transition', vrid: 7, family: 6, ts: 0.000001, from: null, to: 'fe80::1', priority: 255, reason: 'first' },
      { type: 'gap', vrid: 7, family: 6, from: 'fe80::1', to: 'fe80::2', lastOld: 1e-7, firstNew: 8589934592.5, seconds: -0.25 },
      { type: 'master', vrid: 7, src: 'a"b\\c\u0001', from: 1795550541.1, to: Number.NaN, priority: 100, adverts: 3, end: 'silent' },
      { type: 'garp', ts: 1795550541.000001, ip: '10.0.0.1', mac: '00:00:5e:00:01:07', count: 2, vrids: [], src: 'é' },
      { type: 'anomaly', kind: 'malformed', ts: 1795550541.999999, detail: 'quote " and \\ and \n' },
      { type: 'anomaly', kind: 'two-masters', vrid: 1, family: 6, ts: 2, to: 3.5, detail: 'x' },
      { type: 'priority', vrid: 300, src: '1.2.3.4', ts: 1e21, from: -1, to: Number.POSITIVE_INFINITY },
      { type: 'resign', vrid: 0, src: '1.2.3.4', ts: 123456789.123456789 },
    ];
    for (const r of odd) expect(jsonLine(r)).toBe(JSON.stringify(r));
    for (let i = 0; i < 20000; i++) {
      const ts = Math.round(Math.random() * 4e15) / 1e6;
      const r: ReplayRecord = { type: 'resign', vrid: 1, src: 'x', ts };
      expect(jsonLine(r)).toBe(JSON.stringify(r));
    }
  });

  it('writes GARP lines that repeat an earlier one after its time as they would be written afresh', () => {
    const garp = (ts: number, more: Partial<Extract<ReplayRecord, { type: 'garp' }>> = {}): ReplayRecord =>
      ({ type: 'garp', ts, ip: '10.0.0.1', mac: '02:00:00:00:00:01', count: 5, vrids: [7], src: '10.0.0.2', ...more }) as ReplayRecord;
    const variants: Array<Partial<Extract<ReplayRecord, { type: 'garp' }>>> = [
      {}, { count: 4 }, { count: -0 }, { count: 0 }, { vrids: [7, 8] }, { vrids: [] }, { vrids: [8] }, { src: undefined }, { src: '' },
      { ip: '10.0.0.11' }, { mac: '02:00:00:00:00:02' }, { count: Number.NaN }, { ip: 'é' },
      // A burst that went on: its length is in its line.
      { last: 1795550560.5 }, { last: 1795550560.5, src: undefined }, { last: 1795550570.25, count: 4 },
    ];
    // Each variant twice in a row and again after the others (more than the tails kept).
    const list = [...variants, ...variants, ...variants.flatMap((v) => [v, v])].map((v, i) => garp(1795550541 + i / 7, v));
    for (const r of list) expect(jsonLine(r)).toBe(JSON.stringify(r));
    const afresh = list.map((r) => formatTimeline([r], 1795550541)[0]);
    expect(formatTimeline(list, 1795550541)).toEqual(afresh);
    // Small batches: a line's tail that went into two batches is written but not kept.
    for (const size of [1, 50, 100]) {
      const text = batched((out) => {
        const writer = new TimelineWriter(out, 1795550541);
        for (const r of list) writer.write(r);
      }, size).text;
      expect(text).toBe(afresh.join('\n') + '\n');
      expect(batched((out) => list.forEach((r) => writeJsonLine(r, out)), size).text).toBe(list.map((r) => JSON.stringify(r)).join('\n') + '\n');
    }
  });

  it('lists the master periods under the summaries byte for byte when they went to temporary files, and removes the files', () => {
    const whole = formatTimeline(records, replayFirst()).join('\n') + '\n';
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('vrrplab-spans-')));
    // Batches of 256 bytes: the lines go to files while the records are still being written.
    for (const budget of [0, 3000, 1 << 30]) {
      const spans = new SpillingSpans(budget, 256);
      const chunks: Buffer[] = [];
      const out = new LineBatches(4096, (bytes) => chunks.push(Buffer.from(bytes)));
      const writer = new TimelineWriter(out, replayFirst(), spans);
      for (const r of records) writer.write(r);
      writer.end();
      out.writeTo((bytes) => chunks.push(Buffer.from(bytes)));
      const spilled = readdirSync(tmpdir()).filter((name) => name.startsWith('vrrplab-spans-') && !before.has(name));
      expect(spilled.length, `budget ${budget}`).toBe(budget < 1 << 30 ? 1 : 0);
      spans.close();
      expect(Buffer.concat(chunks).toString('utf8')).toBe(whole);
      for (const name of spilled) expect(existsSync(join(tmpdir(), name))).toBe(false);
    }
  });

  it('writes a lone newline when there are no lines, as joining none would', () => {
    expect(batched(() => {}, 100).text).toBe('\n');
  });

  it('encodes lines outside ASCII as UTF-8, however they fall across batches', () => {
    const lines = ['a', 'é€😀', '', 'x'.repeat(50), '€'.repeat(40)];
    for (const size of [1, 7, 64]) expect(batched((out) => lines.forEach(out.line), size).text).toBe(lines.join('\n') + '\n');
  });
});

describe('replay records handed on as the capture is read', () => {
  const captures = [capture, 'captures/conflict-vrid52/capture.pcap', 'captures/long-interval/capture.pcap', 'captures/reference/v3-ipv6-kill/capture.pcap'];

  it('come in the order of the whole sorted list, whichever frame the records are looked at after', () => {
    for (const path of captures) {
      for (const vrid of [undefined, 125]) {
        const all = replayCapture(path, { vrid }).records;
        const handedOn = all.filter((r) => r.type !== 'capture');
        for (const pollFrames of [1, 3, 64, 4096]) {
          const got: ReplayRecord[] = [];
          const streamed = streamReplay(path, (r) => got.push(r), { vrid, pollFrames });
          expect(streamed.inOrder).toBe(true);
          expect(got).toEqual(handedOn);
          expect(streamed.capture).toEqual(all[all.length - 1]);
        }
      }
    }
  });

  it('hand on records long before the end of a long capture', () => {
    let handedOnEarly = 0;
    const streamed = streamReplay(capture, (r) => {
      if (r.type !== 'summary') handedOnEarly++;
    }, { pollFrames: 64 });
    expect(streamed.inOrder).toBe(true);
    expect(handedOnEarly).toBeGreaterThan(100);
  });

  it('go out in full batches while the capture is still being read, not held to the end', () => {
    let reading = true;
    let whileReading = 0;
    let after = 0;
    const out = new LineBatches(4096, () => (reading ? whileReading++ : after++));
    const writer = new TimelineWriter(out);
    streamReplay(capture, (r, first) => {
      writer.origin = first;
      writer.write(r);
    }, { pollFrames: 64 });
    reading = false;
    writer.end();
    out.writeTo(() => after++);
    expect(whileReading).toBeGreaterThan(10);
    expect(after).toBeGreaterThan(0);
  });

  it('hand on every record once, in time order where it can still be kept, when timestamps go backwards', () => {
    const shuffled = halvesSwapped('backwards-streamed.pcap');
    const got: ReplayRecord[] = [];
    const streamed = streamReplay(shuffled, (r) => got.push(r), { pollFrames: 64 });
    expect(streamed.inOrder).toBe(false);
    const all = replayCapture(shuffled).records.filter((r) => r.type !== 'capture');
    const key = (r: ReplayRecord) => JSON.stringify(r);
    expect(got.map(key).sort()).toEqual(all.map(key).sort());
    // Each half of the capture on its own is in time order.
    const times = got.filter((r) => r.type === 'transition').map((r) => (r.type === 'transition' ? r.ts : 0));
    const drops = times.filter((t, i) => i > 0 && t < times[i - 1]).length;
    expect(drops).toBe(1);
  });

  it('say so when timestamps go backwards, and the command then prints the sorted timeline', async () => {
    const shuffled = halvesSwapped('backwards.pcap');
    expect(streamReplay(shuffled, () => {}, { pollFrames: 1 }).inOrder).toBe(false);
    const all = replayCapture(shuffled).records;
    expect((await cliOutput([shuffled])).text).toBe(formatTimeline(all, replayFirst(all)).join('\n') + '\n');
    expect((await cliOutput([shuffled, '--json'])).text).toBe(all.map((r) => JSON.stringify(r)).join('\n') + '\n');
  });

  it('print, as a command, what formatting the whole sorted list gives, file problems after the timeline', async () => {
    const truncated = join(dir, 'truncated.pcap');
    const frames = [...readCaptureFile(capture)].map((f) => ({ ts: f.ts, data: f.data.slice(), linkType: f.linkType }));
    const writer = new PcapWriter(truncated, { linkType: frames[0].linkType });
    for (const f of frames) writer.write(f.ts, f.data);
    writer.close();
    // Cut the last record short: a problem found only at the very end.
    const { truncateSync, statSync } = await import('node:fs');
    truncateSync(truncated, statSync(truncated).size - 10);
    for (const path of [capture, truncated, ...captures.slice(1)]) {
      const all = replayCapture(path).records;
      const problems = all.some((r) => r.type === 'problem');
      const text = await cliOutput([path]);
      expect(text.text).toBe(formatTimeline(all, replayFirst(all)).join('\n') + '\n');
      expect(text.exitCode).toBe(problems ? 1 : 0);
      // Problems come after a timeline that may be long or piped away: stderr names them too.
      expect(text.stderr).toBe(problems ? `vrrplab replay: 1 capture problem(s), the first at byte ${all.find((r) => r.type === 'problem')?.fileOffset}: truncated pcap record: 44 of 54 captured bytes at end of file\n` : '');
      expect((await cliOutput([path, '--json'])).text).toBe(all.map((r) => JSON.stringify(r)).join('\n') + '\n');
      const only = replayCapture(path, { vrid: 125 }).records;
      expect((await cliOutput([path, '--vrid', '125'])).text).toBe(formatTimeline(only, replayFirst(only)).join('\n') + '\n');
    }
    const types = replayCapture(truncated).records.map((r) => r.type);
    expect(types.indexOf('problem')).toBe(types.indexOf('summary') - 1);
    expect(types.lastIndexOf('transition')).toBeLessThan(types.indexOf('problem'));
  });
});

describe('replay started without commander', () => {
  it('leaves help, errors and unknown forms to commander, doing nothing itself', async () => {
    for (const args of [[], ['--help'], ['a.pcap', 'b.pcap'], ['a.pcap', '--vrid', '300'], ['a.pcap', '--vrid'], ['a.pcap', '--bogus'], ['a.pcap', '--html', '-x'], ['--', 'a.pcap']]) {
      expect(await replayWithoutCommander(args), args.join(' ')).toBe(false);
    }
  });
});

/** The long capture's second half, then its first half: timestamps that go backwards once. */
function halvesSwapped(name: string): string {
  const path = join(dir, name);
  const frames = [...readCaptureFile(capture)].map((f) => ({ ts: f.ts, data: f.data.slice(), linkType: f.linkType }));
  const half = frames.length >> 1;
  const writer = new PcapWriter(path, { linkType: frames[0].linkType });
  for (const f of [...frames.slice(half), ...frames.slice(0, half)]) writer.write(f.ts, f.data);
  writer.close();
  return path;
}

function replayFirst(list: readonly ReplayRecord[] = records): number | null {
  const total = list.find((r) => r.type === 'capture');
  return total?.type === 'capture' ? total.first : null;
}
