import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repeatCapture } from '../../src/capture/repeat.js';
import { batchedLines, replayWithoutCommander } from '../../src/cli/commands/replay.js';
import { formatTimeline, writeJsonLines, writeTimeline } from '../../src/replay/format.js';
import { replayCapture } from '../../src/replay/replay.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-replay-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The buggy seed recording, repeated, with its first master advertising again after B took over
// in every copy: transitions, gaps, GARP bursts, priority changes, resignations and two masters.
const capture = join(dir, 'anomalies.pcap');
repeatCapture('captures/reference/seed-buggy-f1/capture.pcap', capture, 3000, { echoFirstAt: [5, 6, 7, 8, 9, 10] });
const { records } = replayCapture(capture);

function batched(write: (out: ReturnType<typeof batchedLines>) => void, batchChars: number): { text: string; writes: number } {
  const chunks: string[] = [];
  const out = batchedLines((text) => chunks.push(text), batchChars);
  write(out);
  out.end();
  return { text: chunks.join(''), writes: chunks.length };
}

describe('replay output written in batches', () => {
  it('is a capture with anomalies, transitions and gratuitous ARPs', () => {
    const kinds = new Set(records.map((r) => r.type));
    for (const k of ['transition', 'gap', 'garp', 'anomaly', 'priority', 'resign', 'master', 'summary', 'capture']) expect(kinds).toContain(k);
  });

  it('writes the timeline text byte for byte as one joined string would be, in several writes', () => {
    const whole = formatTimeline(records, replayFirst()).join('\n') + '\n';
    for (const size of [1, 100, 4096, 1 << 18]) {
      const { text, writes } = batched((out) => writeTimeline(records, replayFirst(), out.line), size);
      expect(text).toBe(whole);
      if (size <= 4096) expect(writes).toBeGreaterThan(1);
    }
  });

  it('writes the JSON lines byte for byte as one JSON.stringify per record joined with newlines', () => {
    const whole = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    for (const size of [1, 100, 4096, 1 << 18]) expect(batched((out) => writeJsonLines(records, out.line), size).text).toBe(whole);
  });

  it('writes a lone newline when there are no lines, as joining none would', () => {
    expect(batched(() => {}, 100).text).toBe('\n');
  });
});

describe('replay started without commander', () => {
  it('leaves help, errors and unknown forms to commander, doing nothing itself', async () => {
    for (const args of [[], ['--help'], ['a.pcap', 'b.pcap'], ['a.pcap', '--vrid', '300'], ['a.pcap', '--vrid'], ['a.pcap', '--bogus'], ['a.pcap', '--html', '-x'], ['--', 'a.pcap']]) {
      expect(await replayWithoutCommander(args), args.join(' ')).toBe(false);
    }
  });
});

function replayFirst(): number | null {
  const total = records.find((r) => r.type === 'capture');
  return total?.type === 'capture' ? total.first : null;
}
