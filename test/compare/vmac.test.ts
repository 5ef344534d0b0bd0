/**
 * compare on a use_vmac pair: keepalived 2.2.7 recorded in a netns (test/fixtures/vmac/failover:
 * A 150 and B 100, both use_vmac; A stopped after 6 s, B a further 6 s later; B's stop time is its
 * priority-0 advert in the capture). Both hosts advertise from the VMAC 00:00:5e:00:01:33, so that
 * MAC links no addresses: compare took B's adverts for A's and failed (4 of 10 matched).
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../../src/cli/commands/compare.js';

const DIR = resolve(import.meta.dirname, '../fixtures/vmac/failover');

function compare(host: string, address: string): { status: number; summary: { pass: boolean; adverts: { matched: number; total: number } } } {
  let stdout = '';
  const status = runCompare(join(DIR, 'capture.pcap'), { script: [], config: join(DIR, `${host}.conf`), host: address, events: join(DIR, 'events.json'), json: true }, (text) => (stdout += text), () => undefined);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string });
  return { status, summary: lines.find((l) => l.type === 'summary') as unknown as { pass: boolean; adverts: { matched: number; total: number } } };
}

describe('compare on a use_vmac pair (both hosts advertising from one VMAC)', () => {
  it('compares each host with its own adverts only, and both match keepalived', () => {
    const a = compare('A', '10.9.0.1');
    expect(a.status).toBe(0);
    expect(a.summary).toMatchObject({ pass: true, adverts: { matched: 4, total: 4 } });
    const b = compare('B', '10.9.0.2');
    expect(b.status).toBe(0);
    expect(b.summary).toMatchObject({ pass: true, adverts: { matched: 7, total: 7 } });
  });
});
