/**
 * The Watcher's per-frame fast paths (issue 21) count what they counted before: malformed reasons
 * made once per reason still give each its own count and counter past the memo's bound, and a
 * forged advert's evidence made once per advert names each sender and VRID.
 */
import { describe, expect, it } from 'vitest';
import { Watcher } from '../../src/watch/watcher.js';
import { forgePacket } from '../../src/wire/forge.js';
import { ethernet } from '../capture/craft.js';

const base = { src: '172.16.25.2', vrid: 9, priority: 100, password: '', advertIntervalMs: 1000, addresses: ['10.0.0.1'] };

describe('the Watcher under a flood', () => {
  it('counts 400 distinct count-mismatch lengths as one reason, and each in the VRID packet_len_err counter', () => {
    const w = new Watcher();
    // The VRID is in the table once an advert of it is seen.
    w.frame(1000, ethernet(forgePacket({ ...base, kind: 'valid' }), 0x0800), 1);
    let n = 0;
    for (let addresses = 1; addresses <= 20; addresses++) {
      for (let i = 0; i < 20; i++, n++) {
        const list = Array.from({ length: addresses }, (_, k) => `10.0.${i}.${k + 1}`);
        w.frame(1001 + n, ethernet(forgePacket({ ...base, src: `172.16.26.${i + 1}`, addresses: list, kind: 'count-mismatch' }), 0x0800), 1);
      }
    }
    expect(n).toBe(400);
    expect(w.malformed).toEqual({ 'VRRP length N does not match N addresses (expected N)': 400 });
    expect(w.snapshot(5000).vrids.find((v) => v.vrid === 9)?.counters.packet_len_err).toBe(400);
  });

  it('counts a wrong type in invalid_type_rcvd and a wrong version in packet_len_err, each time', () => {
    const w = new Watcher();
    w.frame(1000, ethernet(forgePacket({ ...base, kind: 'valid' }), 0x0800), 1);
    for (let i = 0; i < 3; i++) {
      const ip = forgePacket({ ...base, kind: 'valid' });
      ip[20] = 0x22; // VRRPv2, type 2
      w.frame(1001 + i, ethernet(ip, 0x0800), 1);
      const v5 = forgePacket({ ...base, kind: 'valid' });
      v5[20] = 0x51;
      w.frame(1001 + i, ethernet(v5, 0x0800), 1);
    }
    expect(w.malformed).toEqual({ 'VRRP type N is not an advertisement': 3, 'unknown VRRP version N': 3 });
    const counters = w.snapshot(5000).vrids.find((v) => v.vrid === 9)?.counters;
    expect([counters?.invalid_type_rcvd, counters?.packet_len_err]).toEqual([3, 3]);
  });

  it('names each sender and VRID in its forged evidence, the alert following the latest', () => {
    const w = new Watcher();
    w.frame(1000, ethernet(forgePacket({ ...base, kind: 'ttl-64' }), 0x0800), 1);
    w.frame(1001, ethernet(forgePacket({ ...base, vrid: 10, kind: 'ttl-64' }), 0x0800), 1);
    w.frame(1002, ethernet(forgePacket({ ...base, src: '172.16.25.7', kind: 'ttl-64' }), 0x0800), 1);
    const raised = w.poll().filter((e) => e.type === 'alert');
    expect(raised.map((e) => (e.type === 'alert' ? [e.vrid, e.evidence.split(' with ')[0]] : []))).toEqual([
      [9, '172.16.25.2 sent VRID 9'],
      [10, '172.16.25.2 sent VRID 10'],
    ]);
    expect(w.activeAlerts().find((a) => a.vrid === 9)?.evidence).toMatch(/^172\.16\.25\.7 sent VRID 9 with TTL\/hop limit 64/);
  });
});

describe('a frame the capture cut short', () => {
  it('is counted as replay names it, "packet cut by the capture snap length", not as a truncated VRRP packet', async () => {
    const { watchCaptureFile } = await import('../../src/watch/capture.js');
    const watched = watchCaptureFile('test/fixtures/watch-golden/flood.pcap');
    expect(watched.watcher.malformed['packet cut by the capture snap length']).toBe(15);
    const replayed = await import('node:fs').then((fs) => fs.readFileSync('test/fixtures/watch-golden/test__fixtures__watch-golden__flood.pcap.replay-json.out', 'utf8'));
    expect(replayed).toContain('"detail":"packet cut by the capture snap length"');
  });
});
