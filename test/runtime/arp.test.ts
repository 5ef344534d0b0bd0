import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readCaptureFile } from '../../src/capture/reader.js';
import { buildGratuitousArp, GARP_FRAME_LENGTH } from '../../src/runtime/arp.js';

const REFERENCE = join(import.meta.dirname, '../../captures/reference/seed-buggy-f1/capture.pcap');

/** The first ARP frame keepalived 2.2.7 sent in the reference recording, with its sender. */
function keepalivedGarp(): { frame: Uint8Array; vip: string; mac: string } {
  for (const captured of readCaptureFile(REFERENCE)) {
    const f = captured.data;
    if (captured.linkType !== 1 || f.length < GARP_FRAME_LENGTH || f[12] !== 0x08 || f[13] !== 0x06) continue;
    const mac = [...f.subarray(22, 28)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    return { frame: f.slice(0, captured.originalLength), vip: [...f.subarray(28, 32)].join('.'), mac };
  }
  throw new Error('no ARP frame in the reference capture');
}

describe('gratuitous ARP frames', () => {
  it("are byte for byte the frame keepalived sent in the reference recording", () => {
    const reference = keepalivedGarp();
    expect(reference.vip).toBe('172.16.25.10');
    const ours = buildGratuitousArp(reference.vip, reference.mac);
    expect(ours).not.toBeNull();
    expect(Buffer.from(ours!).toString('hex')).toBe(Buffer.from(reference.frame).toString('hex'));
  });

  it('announce the VIP as both sender and target in a broadcast ARP request', () => {
    const frame = buildGratuitousArp('10.1.2.3', '02:00:5e:00:01:07');
    expect(Buffer.from(frame!).toString('hex')).toBe(
      'ffffffffffff' + '02005e000107' + '0806' + '0001' + '0800' + '06' + '04' + '0001' +
      '02005e000107' + '0a010203' + 'ffffffffffff' + '0a010203',
    );
  });

  it('refuse a bad address or MAC instead of sending garbage', () => {
    expect(buildGratuitousArp('10.1.2', '02:00:5e:00:01:07')).toBeNull();
    expect(buildGratuitousArp('2001:db8::1', '02:00:5e:00:01:07')).toBeNull();
    expect(buildGratuitousArp('10.1.2.3', '02:00:5e:00:01')).toBeNull();
    expect(buildGratuitousArp('10.1.2.3', '02:00:5e:00:01:zz')).toBeNull();
  });
});
