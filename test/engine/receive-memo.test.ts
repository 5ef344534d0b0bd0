/**
 * A backup handed the same datagram again (a master's next advert: the same bytes but for the
 * IPv4 identification and header checksum, which the kernel sets per datagram) reuses what it
 * worked out from the last one (receive.ts, seen()); anything else in the bytes is worked out anew.
 */
import { describe, expect, it } from 'vitest';
import { HostEngine } from '../../src/engine/host.js';
import type { EngineAction } from '../../src/engine/types.js';
import { forgePacket } from '../../src/wire/forge.js';
import { config, instance } from './config-builder.js';

function advert(priority: number, ident = 0): Uint8Array {
  const p = forgePacket({ kind: 'valid', src: '10.0.0.3', vrid: 51, priority, password: '', advertIntervalMs: 1000, addresses: ['10.0.0.100'], seed: 7 }, 0);
  p[4] = ident >> 8;
  p[5] = ident & 0xff;
  p[10] ^= ident & 0xff;
  return p;
}

function backup(): { engine: HostEngine; feed(t: number, packet: Uint8Array): EngineAction[] } {
  const engine = new HostEngine(config({ instances: [instance({ initialState: 'BACKUP', priority: 100 })] }), { interfaceAddresses: { eth0: '10.0.0.1' } }, { logs: true });
  engine.handle(0, { type: 'start' });
  return { engine, feed: (t, packet) => engine.handle(t, { type: 'packet', iface: 'eth0', packet }) };
}

const logs = (actions: EngineAction[]) => actions.flatMap((a) => (a.type === 'log' ? [a.message] : []));

describe('a backup receiving the same advert again as bytes', () => {
  it('accepts each copy (counted, master kept) whatever its IPv4 identification', () => {
    const { engine, feed } = backup();
    for (let i = 1; i <= 5; i++) expect(feed(i * 1000, advert(200, i * 77))).toEqual([]);
    const [snap] = engine.snapshot();
    expect(snap.state).toBe('BACKUP');
    expect(snap.stats.advert_rcvd).toBe(5);
    expect(snap.masterAddress).toBe('10.0.0.3');
    expect(snap.masterPriority).toBe(200);
  });

  it('works out a changed priority of the same length anew', () => {
    const { engine, feed } = backup();
    feed(1000, advert(200));
    expect(logs(feed(2000, advert(50, 1)))).toContain('(VI_1) received lower priority (50) advert from 10.0.0.3 - discarding');
    expect(engine.snapshot()[0].masterPriority).toBe(200);
    feed(3000, advert(150, 2));
    expect(engine.snapshot()[0].masterPriority).toBe(150);
  });

  it('rejects a copy whose VRRP checksum no longer matches', () => {
    const { engine, feed } = backup();
    feed(1000, advert(200));
    const broken = advert(200, 1);
    broken[20 + 6] ^= 0xff;
    expect(logs(feed(2000, broken))).toContain('(VI_1) Invalid VRRPv2 checksum');
    feed(3000, advert(200, 2));
    expect(engine.snapshot()[0].stats.advert_rcvd).toBe(2);
  });
});
