/**
 * Golden tests: the real keepalived 2.2.7 adverts in captures/ (see captures/README.md), decoded
 * by vrrplab, agree field by field with tshark's reading of the same packets
 * (test/wire/fixtures/*.tshark.csv was made with `tshark -T fields`, see the README).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipPacketOf } from '../../src/capture/link.js';
import { decodeAdvertPacket, type DecodedPacket } from '../../src/wire/decode.js';
import { checkAdvertForInstance, compileExpectation, validateAdvertPacket, type AdvertExpectation } from '../../src/wire/validate.js';

function decodedFrames(path: string): Map<number, DecodedPacket> {
  const out = new Map<number, DecodedPacket>();
  let n = 0;
  for (const frame of readCaptureFile(path)) {
    n++;
    const ip = ipPacketOf(frame);
    if (!ip) continue;
    const d = decodeAdvertPacket(frame.data.slice(ip.offset));
    if (d) out.set(n, d);
  }
  return out;
}

const VI_1: AdvertExpectation = {
  version: 2, vrid: 125, family: 4, authType: 1, auth: '1e3459f77aba4ded', advertIntervalMs: 1000, addresses: ['172.16.25.10'],
};
const VI_2: AdvertExpectation = { ...VI_1, vrid: 126, auth: '7615c4b7f518cede', addresses: ['172.16.25.11'] };

for (const run of ['seed-fixed-f1', 'seed-buggy-f1']) {
  describe(`keepalived's adverts in ${run}`, () => {
    const decoded = decodedFrames(`captures/${run}.pcap`);
    const rows = readFileSync(`test/wire/fixtures/${run}.tshark.csv`, 'utf8').trim().split('\n').map((l) => l.split(','));

    it('are exactly the packets tshark calls VRRP', () => {
      expect([...decoded.keys()]).toEqual(rows.map((r) => Number(r[0])));
    });

    it('decode to the same fields tshark shows, with valid checksums', () => {
      for (const [frame, src, dst, ttl, version, vrid, prio, authType, auth, interval, addr, csum] of rows) {
        const d = decoded.get(Number(frame));
        expect(d?.verdict, `frame ${frame}`).toBe('ok');
        expect(d?.checksumValid).toBe(csum === '1');
        const r = d!.received!;
        expect({ src: r.src, dst: r.dst, ttl: r.ttl }).toEqual({ src, dst, ttl: Number(ttl) });
        expect(r.advert).toEqual({
          version: Number(version), vrid: Number(vrid), priority: Number(prio), authType: Number(authType), auth,
          advertIntervalMs: Number(interval) * 1000, family: 4, addresses: [addr],
        });
      }
    });

    it('pass the receive checks of the instance configured for their VRID, and only of that one', () => {
      for (const d of decoded.values()) {
        const mine = d.received!.advert.vrid === 125 ? VI_1 : VI_2;
        const other = mine === VI_1 ? VI_2 : VI_1;
        expect(checkAdvertForInstance(d.received!, mine)).toBe('ok');
        expect(checkAdvertForInstance(d.received!, other)).toBe('unknown-vrid');
      }
    });
  });
}

describe('the first adverts of the fixed run', () => {
  const decoded = [...decodedFrames('captures/seed-fixed-f1.pcap').values()];

  it('are B claiming VRID 126 at priority 104, then VRID 125 at 103, with the PASS password cut to 8 bytes', () => {
    expect(decoded[0].received).toEqual({
      src: '172.16.25.2', dst: '224.0.0.18', ttl: 255,
      advert: { version: 2, vrid: 126, priority: 104, authType: 1, auth: '7615c4b7', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.11'] },
    });
    expect(decoded[1].received?.advert).toMatchObject({ vrid: 125, priority: 103, auth: '1e3459f7', addresses: ['172.16.25.10'] });
  });

  it('give the same verdicts on the allocation-free path as on the decoded path', () => {
    const frames: Uint8Array[] = [];
    for (const f of readCaptureFile('captures/seed-fixed-f1.pcap')) {
      const ip = ipPacketOf(f);
      frames.push(ip ? f.data.slice(ip.offset) : new Uint8Array(0));
    }
    const c1 = compileExpectation(VI_1);
    const wrongPass = compileExpectation({ ...VI_1, auth: 'other' });
    for (const ip of frames) {
      const d = decodeAdvertPacket(ip);
      if (!d) continue;
      expect(validateAdvertPacket(ip, c1)).toBe(checkAdvertForInstance(d.received!, VI_1));
      expect(validateAdvertPacket(ip, wrongPass)).toBe(d.received!.advert.vrid === 125 ? 'auth-mismatch' : 'unknown-vrid');
    }
  });
});
