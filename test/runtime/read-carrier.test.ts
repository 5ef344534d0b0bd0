/**
 * readCarrier() reads /sys/class/net/DEV/{operstate,carrier} as bytes into one buffer (the poll
 * runs every 200 ms for the daemon's life): the same answers as the trimmed text it replaced.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCarrier } from '../../src/runtime/system.js';

function fromText(dev: string): boolean {
  const read = (file: string) => {
    try {
      return readFileSync(`/sys/class/net/${dev}/${file}`, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const operstate = read('operstate');
  if (operstate === undefined || operstate === 'down' || operstate === 'lowerlayerdown') return false;
  return read('carrier') === '1';
}

describe('readCarrier', () => {
  it.skipIf(!existsSync('/sys/class/net/lo'))('agrees with the text of every interface here, and reads lo as up', () => {
    expect(readCarrier('lo')).toBe(true);
    for (const dev of readdirSync('/sys/class/net')) expect([dev, readCarrier(dev)]).toEqual([dev, fromText(dev)]);
  });

  it('reads a missing interface or a path outside /sys/class/net as down', () => {
    expect(readCarrier('vrrplab-no-such0')).toBe(false);
    expect(readCarrier('../lo')).toBe(false);
    expect(readCarrier('..')).toBe(false);
  });
});
