/**
 * Log output in keepalived's console format (`-l`): "Tue Nov 24 20:03:24 2026: message", the
 * date as C's ctime() prints it in local time. `json` gives one object per line for programs.
 */

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
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
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
