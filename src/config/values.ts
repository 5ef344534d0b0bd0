/**
 * Reading keyword arguments the way keepalived's -t mode does: a bad value is reported with
 * keepalived's wording and ignored (the caller keeps its default).
 */
import { isIP } from 'node:net';
import type { SourceLocation, VirtualAddress } from './model.js';
import { ErrClass, type Reporter } from './diagnostics.js';
import type { Statement } from './reader.js';

export class Args {
  constructor(
    readonly st: Statement,
    readonly reporter: Reporter,
  ) {}

  get location(): SourceLocation {
    return this.st.location;
  }

  get count(): number {
    return this.st.words.length;
  }

  /** Word i, or a missing-parameter report (keepalived stops reading the config there). */
  word(i: number): string | undefined {
    const w = this.st.words[i];
    if (w !== undefined || this.st.broken !== undefined) return w;
    const words = this.st.words;
    this.reporter.report(
      ErrClass.missingParameter,
      `*** Configuration line starting \`${words[0]}\` is missing a parameter after keyword \`${words[i - 1]}\` at word position ${i + 1}`,
      this.location,
    );
    this.reporter.missingParameter = true;
    return undefined;
  }

  /** Everything after the keyword, as one command line. */
  rest(): string | undefined {
    return this.word(1) === undefined ? undefined : this.st.words.slice(1).join(' ');
  }

  unsigned(i: number, min: number, max: number): number | undefined {
    const w = this.word(i);
    return w === undefined ? undefined : readInteger(w, min, max, false, this.reporter, this.location);
  }

  int(i: number, min: number, max: number): number | undefined {
    const w = this.word(i);
    return w === undefined ? undefined : readInteger(w, min, max, true, this.reporter, this.location);
  }

  /** A decimal number of seconds (keepalived allows 6 decimals) returned in milliseconds. */
  seconds(i: number, minMs: number, maxMs: number): number | undefined {
    const w = this.word(i);
    if (w === undefined) return undefined;
    const fmt = (ms: number): string => (ms / 1000).toFixed(6);
    if (w.startsWith('-')) return this.bad(ErrClass.invalidNumber, `negative number '${w}'`);
    if (!/^\d*\.?\d*$/.test(w) || w === '' || w === '.') return this.bad(ErrClass.invalidNumber, `invalid number '${w}'`);
    const ms = Math.round(Number(w) * 1000000) / 1000;
    if (ms < minMs || ms > maxMs) return this.bad(ErrClass.invalidNumber, `number '${w}' outside range [${fmt(minMs)}, ${fmt(maxMs)}]`);
    return ms;
  }

  private bad(cls: ErrClass, message: string): undefined {
    this.reporter.report(cls, message, this.location);
    return undefined;
  }
}

function readInteger(
  w: string,
  min: number,
  max: number,
  signed: boolean,
  reporter: Reporter,
  location: SourceLocation,
): number | undefined {
  const text = w.trim();
  if (!signed && text.startsWith('-')) {
    reporter.report(ErrClass.invalidNumber, `negative number '${w}'`, location);
    return undefined;
  }
  if (!/^[-+]?\d+$/.test(text)) {
    reporter.report(ErrClass.invalidNumber, `invalid number '${w}'`, location);
    return undefined;
  }
  const n = Number(text);
  if (n < min || n > max) {
    reporter.report(ErrClass.invalidNumber, `number '${w}' outside range [${min}, ${max}]`, location);
    return undefined;
  }
  return n;
}

/** `ADDR[/LEN] [dev X] [label Y] [scope Z] [brd B]`, as in virtual_ipaddress blocks. */
export function parseVirtualAddress(words: string[], location: SourceLocation): VirtualAddress | undefined {
  const [spec, ...opts] = words;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(spec ?? '');
  if (!m) return undefined;
  const family = isIP(m[1]);
  if (family !== 4 && family !== 6) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefixLength = m[2] === undefined ? max : Number(m[2]);
  if (prefixLength > max) return undefined;
  const vip: VirtualAddress = { address: m[1], prefixLength, family, location };
  for (let i = 0; i + 1 < opts.length; i += 2) {
    const value = opts[i + 1];
    switch (opts[i]) {
      case 'dev': vip.dev = value; break;
      case 'label': vip.label = value; break;
      case 'scope': vip.scope = value; break;
      case 'brd': case 'broadcast': vip.broadcast = value; break;
      default: i--; // single-word options (no_track, home, ...) are accepted and not modelled
    }
  }
  return vip;
}

export function isIpAddress(text: string | undefined): boolean {
  return text !== undefined && isIP(text) !== 0;
}
