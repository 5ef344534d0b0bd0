import { statSync } from 'node:fs';
import { UsageError } from '../usage.js';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { TimelineWriter, writeJsonLine } from '../../replay/format.js';
import { LineBatches } from '../../replay/lines.js';
import { replayCapture, streamReplay, type ProblemRecord, type ReplayOptions } from '../../replay/replay.js';
import { SpillingSpans } from '../../replay/spans.js';
import { parseKeepalivedVersion, type KeepalivedVersion } from '../../config/version.js';

/** Files at least this large get a progress bar on a TTY. */
const PROGRESS_MIN_BYTES = 16 * 1024 * 1024;

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('what happened on the wire: masters per VRID, transitions, failover gaps, GARPs and anomalies in a pcap/pcapng capture')
    .argument('<capture>', 'pcap or pcapng file')
    .option('--json', 'JSON lines instead of a timeline')
    .option('--vrid <n>', 'only this VRID', parseVrid)
    .option('--html <file>', 'also write a self-contained HTML timeline')
    .option('--keepalived-version <v>', "the receivers' keepalived: 2.2 (2.2.7, default: an auth_hmac trailer makes an advert too long) or 2.4 (2.4.3)", parseVersion)
    .action(runReplay);
}

interface ReplayFlags {
  json?: boolean;
  vrid?: number;
  html?: string;
  keepalivedVersion?: KeepalivedVersion;
}

function parseVersion(v: string): KeepalivedVersion {
  const version = parseKeepalivedVersion(v);
  if (version === null) throw new UsageError(`--keepalived-version ${v}: give 2.2 or 2.4`);
  return version;
}

function parseVrid(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new UsageError(`--vrid must be 1..255, not ${v}`);
  return n;
}

/**
 * `vrrplab replay` without loading commander (a tenth of a small replay's run time), for the
 * plain forms: one capture and any of --json, --vrid N, --html FILE (also `--opt=value`). Returns
 * false, having done nothing, for anything else (help, errors, unknown options), which commander
 * then handles.
 */
export async function replayWithoutCommander(args: readonly string[]): Promise<boolean> {
  let capture: string | undefined;
  const flags: ReplayFlags = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name === '--json' && eq < 0) flags.json = true;
    else if (name === '--vrid' || name === '--html') {
      const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith('-'))) return false;
      if (name === '--html') flags.html = value;
      else {
        try {
          flags.vrid = parseVrid(value);
        } catch {
          return false;
        }
      }
    } else if (!arg.startsWith('-') && capture === undefined) capture = arg;
    else return false;
  }
  if (capture === undefined) return false;
  try {
    await runReplay(capture, flags);
  } catch (error) {
    // As main.ts reports an error escaping a commander action.
    process.stderr.write(`vrrplab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
  return true;
}

async function runReplay(capture: string, opts: ReplayFlags): Promise<void> {
  let size: number;
  try {
    size = statSync(capture).size;
  } catch (error) {
    process.stderr.write(`vrrplab replay: cannot read ${capture}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  const bar = process.stderr.isTTY && size >= PROGRESS_MIN_BYTES ? progressBar() : undefined;
  const options = { vrid: opts.vrid, onProgress: bar?.update, ...(opts.keepalivedVersion !== undefined ? { keepalivedVersion: opts.keepalivedVersion } : {}) };
  // On one terminal, the bar's line is wiped before timeline lines are written under it.
  const barShares = process.stdout.isTTY === true;
  const write = (bytes: Buffer): void => {
    if (barShares) bar?.clear();
    process.stdout.write(bytes);
  };
  const problems = await writeReplay(capture, opts, options, write);
  bar?.done();
  if (problems.length > 0) {
    // Listed after the timeline, which may be long or piped away: said on stderr too, as tshark does.
    const first = problems[0];
    process.stderr.write(`vrrplab replay: ${problems.length} capture problem(s), the first at byte ${first.fileOffset}: ${first.message}\n`);
    process.exitCode = 1;
  }
}

/** Master period lines wait for the summaries: past a few MB, in temporary files, removed after `use`. */
async function withSpans<T>(use: (spans: SpillingSpans) => T | Promise<T>): Promise<T> {
  const spans = new SpillingSpans();
  try {
    return await use(spans);
  } finally {
    spans.close();
  }
}

/** Replays `capture` and writes the output; returns the file's problems. */
async function writeReplay(capture: string, opts: ReplayFlags, options: ReplayOptions, write: (bytes: Buffer) => void): Promise<ProblemRecord[]> {
  if (opts.html === undefined) {
    const streamed = await withSpans((spans) => streamTimeline(capture, opts, options, write, spans));
    if (streamed !== undefined) return streamed;
  }
  // Timestamps that go backwards (or --html, which needs every record): sort them all first.
  const { records } = replayCapture(capture, options);
  await withSpans((spans) => {
    const out = new LineBatches(undefined, write);
    if (opts.json) for (const r of records) writeJsonLine(r, out);
    else {
      const total = records.find((r) => r.type === 'capture');
      const text = new TimelineWriter(out, total?.type === 'capture' ? total.first : null, spans);
      for (const r of records) text.write(r);
      text.end();
    }
    out.writeTo(write);
  });
  if (opts.html !== undefined) {
    const { writeReplayReport } = await import('../../report/replay.js');
    writeReplayReport(records, opts.html, { title: basename(capture) });
  }
  return records.filter((r): r is ProblemRecord => r.type === 'problem');
}

/**
 * The output written as the capture is read; undefined, having written nothing, when timestamps
 * went backwards before anything was written (the caller then sorts the whole capture).
 */
function streamTimeline(capture: string, opts: ReplayFlags, options: ReplayOptions, write: (bytes: Buffer) => void, spans: SpillingSpans): ProblemRecord[] | undefined {
  // Each 1 MiB of output goes out as soon as it is made: the output is never held whole.
  const out = new LineBatches(undefined, write);
  const text = opts.json ? undefined : new TimelineWriter(out, null, spans);
  const streamed = streamReplay(
    capture,
    text === undefined
      ? (r) => writeJsonLine(r, out)
      : (r, first) => {
          text.origin = first;
          text.write(r);
        },
    options,
  );
  if (!streamed.inOrder && !out.startedWriting) return undefined;
  if (!streamed.inOrder) {
    process.stderr.write('vrrplab replay: the capture\'s timestamps go backwards; the timeline was already being written, so from there on it is in capture order\n');
  }
  if (text === undefined) writeJsonLine(streamed.capture, out);
  else {
    text.write(streamed.capture);
    text.end();
  }
  out.writeTo(write);
  return streamed.problems;
}

function progressBar(): { update: (done: number, total: number) => void; clear: () => void; done: () => void } {
  let lastDrawn = -1;
  const clear = (): void => {
    if (lastDrawn >= 0) process.stderr.write('\r\x1b[K');
    lastDrawn = -1;
  };
  return {
    clear,
    update(done, total) {
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      if (pct === lastDrawn) return;
      lastDrawn = pct;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(`\rreading [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct}%`);
    },
    done: clear,
  };
}
