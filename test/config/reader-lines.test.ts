/**
 * The line reader's comment and brace splitting (keepalived's lib/parser.c), read in slices since
 * issue 22: the same results as the character-at-a-time reading it replaced, which is kept here
 * as the oracle, on any line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decomment, splitBraces } from '../../src/config/reader.js';
import { Reporter } from '../../src/config/diagnostics.js';

const at = { file: 'keepalived.conf', line: 1 };

/** The reading before issue 22's change: one character at a time. */
function decommentOracle(raw: string): { line: string; unterminated: boolean } {
  let out = '';
  let quote = false;
  const str = raw.replace(/^[ \t]+/, '');
  for (let i = 0; i < str.length; i++) {
    const c = str[i];
    if (c === '"') quote = !quote;
    else if (c === '\\' && !quote && (str[i + 1] === '#' || str[i + 1] === '!')) {
      out += str[++i];
      continue;
    } else if (!quote && (c === '!' || c === '#')) break;
    out += c;
  }
  return { line: out.replace(/[ \t]+$/, ''), unterminated: quote };
}

function splitBracesOracle(line: string): string[] {
  const segments: string[] = [];
  let current = '';
  let quote = false;
  for (const c of line) {
    if (c === '"') quote = !quote;
    if (!quote && (c === '{' || c === '}')) {
      segments.push(current, c);
      current = '';
    } else current += c;
  }
  segments.push(current);
  return segments.map((s) => s.trim()).filter((s) => s !== '');
}

/** Lines made mostly of the characters the reader cares about. */
const line = fc
  .array(fc.oneof(fc.constantFrom('"', '\\', '#', '!', '{', '}', ' ', '\t', 'a', 'vrrp', '10.0.0.1', '\r', '\u00a0', '😀'), fc.string({ maxLength: 3 })), { maxLength: 30 })
  .map((parts) => parts.join(''));

describe('the line reader', () => {
  it('removes comments, escapes and blanks as the character-at-a-time reading did, on any line', () => {
    fc.assert(
      fc.property(line, (raw) => {
        const reporter = new Reporter();
        const expected = decommentOracle(raw);
        expect(decomment(raw, at, reporter)).toBe(expected.line);
        expect(reporter.diagnostics.some((d) => d.message.startsWith('Unterminated quote'))).toBe(expected.unterminated);
      }),
      { numRuns: 2000 },
    );
  });

  it('splits at braces outside quotes as the character-at-a-time reading did, on any line', () => {
    fc.assert(
      fc.property(line, (raw) => {
        expect(splitBraces(raw)).toEqual(splitBracesOracle(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps an escaped comment character, drops the rest of the line after a bare one, and keeps both inside quotes', () => {
    const reporter = new Reporter();
    expect(decomment('  notify "/bin/x #1" \\#2 ! comment  ', at, reporter)).toBe('notify "/bin/x #1" #2');
    expect(decomment('\\!bang # gone', at, reporter)).toBe('!bang');
    expect(reporter.diagnostics).toEqual([]);
  });

  it('gives each brace outside quotes a segment of its own', () => {
    expect(splitBraces('vrrp_instance VI_1 { state MASTER }')).toEqual(['vrrp_instance VI_1', '{', 'state MASTER', '}']);
    expect(splitBraces('notify "/bin/{x}" {')).toEqual(['notify "/bin/{x}"', '{']);
  });
});
