import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { writeJsonLines, writeTimeline, type LineSink } from '../../replay/format.js';
import { replayCapture } from '../../replay/replay.js';

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
    .action(runReplay);
}

interface ReplayFlags {
  json?: boolean;
  vrid?: number;
  html?: string;
}

function parseVrid(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new Error(`--vrid must be 1..255, not ${v}`);
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
  const { records } = replayCapture(capture, { vrid: opts.vrid, onProgress: bar?.update });
  bar?.done();
  const out = batchedLines((text) => process.stdout.write(text));
  if (opts.json) {
    writeJsonLines(records, out.line);
  } else {
    const total = records.find((r) => r.type === 'capture');
    writeTimeline(records, total?.type === 'capture' ? total.first : null, out.line);
  }
  out.end();
  if (opts.html !== undefined) {
    const { writeReplayReport } = await import('../../report/replay.js');
    writeReplayReport(records, opts.html, { title: basename(capture) });
  }
  if (records.some((r) => r.type === 'problem')) process.exitCode = 1;
}

/** Output batch size in characters: a few hundred writes for a 30 MB timeline, not one per line. */
const BATCH_CHARS = 1 << 18;

/**
 * Lines joined with newlines and handed to `write` in large batches. What reaches `write` is
 * exactly `lines.join('\n') + '\n'`, cut at line ends.
 */
export function batchedLines(write: (text: string) => void, batchChars = BATCH_CHARS): { line: LineSink; end: () => void } {
  // An array joined once per batch: one flat string per write, not a rope of 250k concatenations.
  let pending: string[] = [];
  let chars = 0;
  let lines = 0;
  return {
    line(text) {
      pending.push(text);
      chars += text.length + 1;
      lines++;
      if (chars >= batchChars) {
        pending.push('');
        write(pending.join('\n'));
        pending = [];
        chars = 0;
      }
    },
    end() {
      if (lines === 0) write('\n');
      else if (pending.length > 0) {
        pending.push('');
        write(pending.join('\n'));
      }
      pending = [];
    },
  };
}

function progressBar(): { update: (done: number, total: number) => void; done: () => void } {
  let lastDrawn = -1;
  return {
    update(done, total) {
      const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
      if (pct === lastDrawn) return;
      lastDrawn = pct;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      process.stderr.write(`\rreading [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct}%`);
    },
    done() {
      if (lastDrawn >= 0) process.stderr.write('\r\x1b[K');
    },
  };
}
