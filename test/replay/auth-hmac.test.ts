/**
 * Replay of keepalived 2.4.3's auth_hmac adverts (captures/auth-hmac, see captures/README.md):
 * a valid trailer is part of the advert, not a length error or a bad checksum; a malformed one
 * still is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap } from '../../src/capture/writer.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture } from '../../src/replay/replay.js';
import { keyBytes, withTrailer } from '../../src/wire/auth-hmac.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { ethernet } from '../capture/craft.js';

const anomalies = (records: ReplayRecord[]) => records.filter((r): r is Extract<ReplayRecord, { type: 'anomaly' }> => r.type === 'anomaly');
const dir = mkdtempSync(join(tmpdir(), 'vrrplab-hmac-replay-'));
/** Read as keepalived 2.4.3's receivers would (--keepalived-version 2.4). */
const V24 = { keepalivedVersion: '2.4' } as const;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay of auth_hmac adverts', () => {
  it('as keepalived 2.2.7 (the default) flags each signing sender once: 2.2.7 drops its adverts as too long, replay still follows them', () => {
    const { records } = replayCapture('captures/auth-hmac/mixed/capture.pcap');
    const found = anomalies(records);
    expect(found.map((r) => [r.kind, r.src])).toEqual([['malformed', '172.16.25.1']]);
    expect(found[0]!.detail).toContain('172.16.25.1 signs with auth_hmac key 1 (keepalived 2.4): keepalived 2.2.7 drops these ("vrrp packet too long")');
    expect(records.some((r) => r.type === 'master' && r.src === '172.16.25.1')).toBe(true);
    expect(records.find((r) => r.type === 'capture')).toMatchObject({ keepalived: '2.2.7' });
    expect(replayCapture('captures/auth-hmac/mixed/capture.pcap', V24).records.find((r) => r.type === 'capture')).toMatchObject({ keepalived: '2.4.3' });
  });

  it('follows the masters of a keepalived 2.4.3 capture without a malformed or bad-checksum anomaly', () => {
    for (const run of ['enforce', 'keyid', 'mixed']) {
      const { records } = replayCapture(`captures/auth-hmac/${run}/capture.pcap`, V24);
      expect(anomalies(records).filter((r) => r.kind === 'malformed' || r.kind === 'bad-checksum'), run).toEqual([]);
      expect(records.some((r) => r.type === 'master' && r.src === '172.16.25.1' && r.vrid === 51), run).toBe(true);
    }
    expect(anomalies(replayCapture('captures/auth-hmac/enforce/capture.pcap', V24).records)).toEqual([]);
  });

  it('names senders of one VRID that sign and do not, or sign with other key ids (the mixed and keyid split brains)', () => {
    const mixed = anomalies(replayCapture('captures/auth-hmac/mixed/capture.pcap', V24).records);
    expect(mixed).toMatchObject([{ kind: 'auth-mismatch', vrid: 51 }]);
    expect(mixed[0].detail).toContain('172.16.25.2 sends unsigned adverts, 172.16.25.1 signs with auth_hmac key 1: keepalived 2.4.3 in mode enforce drops unsigned adverts');
    const keyid = anomalies(replayCapture('captures/auth-hmac/keyid/capture.pcap', V24).records);
    expect(keyid).toMatchObject([{ kind: 'auth-mismatch', vrid: 51 }]);
    expect(keyid[0].detail).toContain('172.16.25.2 signs with auth_hmac key 1, 172.16.25.1 signs with auth_hmac key 2: a keepalived 2.4.3 that lacks one of the keys drops those adverts');
  });

  it('still flags a trailer of an unknown ext_type as malformed (keepalived 2.4.3: "malformed authentication trailer")', () => {
    const key = keyBytes('vrrplab-auth-hmac-key-one-0123456789');
    const plain = buildAdvertPacket(
      { version: 2, vrid: 51, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.51'] },
      { src: '172.16.25.1' },
    );
    const packets = [1, 2].map((extType, i) => withTrailer(plain, { keyId: 1, seconds: 1_700_000_000 + i, fraction: 0, counter: 0, extType }, key));
    const path = join(dir, 'ext.pcap');
    writeFileSync(path, encodePcap({ linkType: 1 }, packets.map((ip, i) => ({ ts: 1_700_000_000 + i, data: ethernet(ip, 0x0800) }))));
    const found = anomalies(replayCapture(path, V24).records);
    expect(found.map((r) => r.kind)).toEqual(['malformed']);
    expect(found[0]).toMatchObject({ ts: 1_700_000_001, src: '172.16.25.1' });
  });
});
