/**
 * What keepalived 2.2.7 reads from a tracked file (trackers/track_file.c process_track_file()):
 * the first 127 bytes through strtol(buf, NULL, 0) — leading white space, a sign, then hex after
 * 0x, octal after a leading 0, else decimal, as many digits as fit; no number at all is 0, and so
 * is a missing or empty file. A number outside int32 (or out of strtol's range) is logged and
 * ignored: the previous value stays. The engine multiplies the value by the track_file's weight.
 */

/** The value keepalived takes from a tracked file's text (undefined: no file), or null when it ignores it. */
export function trackFileValue(text: string | undefined): number | null {
  if (text === undefined) return 0;
  const buf = text.slice(0, 127);
  let i = 0;
  while (i < buf.length && ' \t\n\v\f\r'.includes(buf[i] ?? '')) i++;
  let sign = 1;
  if (buf[i] === '+' || buf[i] === '-') {
    if (buf[i] === '-') sign = -1;
    i++;
  }
  let base = 10;
  if (buf[i] === '0') {
    const x = buf[i + 1];
    if ((x === 'x' || x === 'X') && /[0-9a-fA-F]/.test(buf[i + 2] ?? '')) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  let value = 0n;
  const big = BigInt(base);
  for (; i < buf.length; i++) {
    const digit = Number.parseInt(buf[i] ?? '', 36);
    if (Number.isNaN(digit) || digit >= base) break;
    value = value * big + BigInt(digit);
    // strtol saturates at LONG_MAX and sets ERANGE: keepalived ignores the read.
    if (value > 0x7fffffffffffffffn) return null;
  }
  const signed = sign < 0 ? -value : value;
  if (signed < -0x80000000n || signed > 0x80000000n) return null;
  return Number(signed);
}
