/**
 * Log output in keepalived's console format (`-l`): "Tue Nov 24 20:03:24 2026: message", the
 * date as C's ctime() prints it in local time. `json` gives one object per line for programs.
 */

import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { LogWriter, type LineSink } from './log-writer.js';

export type LogFormat = 'keepalived' | 'json';
export type LogLevel = 'info' | 'debug' | 'warning' | 'error';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number) => String(n).padStart(2, '0');

/** ctime(3) layout without the newline: "Tue Nov 24 20:03:24 2026" (day of month space-padded). */
export function ctimeString(epochMs: number): string {
  const d = new Date(epochMs);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${d.getFullYear()}`;
}

export function formatLogLine(format: LogFormat, epochMs: number, level: LogLevel, message: string, fields?: Record<string, unknown>): string {
  if (format === 'json') return JSON.stringify({ ts: new Date(epochMs).toISOString(), level, message, ...fields });
  return `${ctimeString(epochMs)}: ${message}`;
}

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
  /** A structured engine event (transition, priority): JSON output only. */
  event?(event: { type: string }): void;
}

export class StreamLogger implements Logger {
  constructor(
    private readonly format: LogFormat,
    private readonly detailed: boolean,
    private readonly write: (line: string) => void = (line) => stderrLines().write(line),
    private readonly clock: () => number = Date.now,
  ) {}

  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    // keepalived prints debug-level detail only with -D.
    if (level === 'debug' && !this.detailed) return;
    this.write(`${formatLogLine(this.format, this.clock(), level, message, fields)}\n`);
  }

  event(event: { type: string }): void {
    if (this.format === 'json') this.write(`${JSON.stringify({ ts: new Date(this.clock()).toISOString(), event })}\n`);
  }
}

let stderrWriter: LogWriter | undefined;

/**
 * The log's writer to stderr: never blocks the protocol, never loses a line, at most 1 MiB in
 * memory when the reader falls behind (log-writer.ts). flush() it before process.exit().
 */
export function stderrLines(): LogWriter {
  stderrWriter ??= new LogWriter(stderrSink());
  return stderrWriter;
}

/**
 * Node writes to a pipe on stderr synchronously (libuv's blocking writes, whatever O_NONBLOCK
 * says): a reader that stops reading stops the loop, adverts included (a 5 ms timer was held
 * 2.1 s in test/runtime/log-writer.test.ts). A stream of our own on fd 2 writes without blocking
 * and tells how much waits. Files and terminals keep process.stderr (their writes do not wait on
 * a reader).
 */
function stderrSink(): LineSink {
  try {
    const stat = fstatSync(2);
    if (stat.isFIFO() || stat.isSocket()) {
      const socket = new Socket({ fd: 2, readable: false, writable: true });
      // EPIPE (the reader went) comes to the writer through the write callbacks.
      socket.on('error', () => undefined);
      return socket;
    }
  } catch { /* no fd 2 to look at: process.stderr decides */ }
  return process.stderr;
}
