/**
 * The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit
 * big-endian words. Pure, allocation-free; used by IPv4, VRRPv2 and VRRPv3.
 */

/**
 * Adds the 16-bit words of `bytes[start, end)` to `acc` without folding (an odd trailing byte
 * is padded with zero). Chain calls to sum a pseudo-header and a payload.
 */
export function sumWords(bytes: Uint8Array, start: number, end: number, acc = 0): number {
  let sum = acc;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (i < end) sum += bytes[i] << 8;
  return sum;
}

/** Folds a running sum into 16 bits and complements it: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Checksum of `bytes[start, end)`, seeded with a partial sum (e.g. of a pseudo-header). */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, acc = 0): number {
  return finishChecksum(sumWords(bytes, start, end, acc));
}
