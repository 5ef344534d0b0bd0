/** `vrrplab decode` over the library: JSON lines for a real capture and for hex input. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerDecode } from '../../src/cli/commands/decode.js';

const errors: string[] = [];

async function decode(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { errors.push(String(chunk)); return true; });
  try {
    const program = new Command().exitOverride();
    registerDecode(program);
    await program.parseAsync(['node', 'vrrplab', 'decode', ...args]);
  } finally {
    write.mockRestore();
    writeErr.mockRestore();
  }
  return out.join('').trimEnd().split('\n');
}

afterEach(() => { process.exitCode = undefined; errors.length = 0; });

describe('vrrplab decode', () => {
  it('prints one JSON object per VRRP packet of a capture, skipping ARP', async () => {
    const lines = await decode('--json', 'captures/seed-fixed-f1.pcap');
    expect(lines).toHaveLength(52);
    expect(JSON.parse(lines[0])).toEqual({
      ts: 1795550607.721772, frame: 1, src: '172.16.25.2', dst: '224.0.0.18', ttl: 255, version: 2, vrid: 126, priority: 104,
      authType: 1, auth: '7615c4b7', advertIntervalMs: 1000, addresses: ['172.16.25.11'], checksumValid: true, checksumVariant: 'rfc', verdict: 'ok',
    });
  });

  it('decodes hex packets and prints malformed ones with their reason and what could be read of them', async () => {
    const good = '45c0002800010000ff701580ac101902e0000012217e68010101828cac10190b3736313563346237';
    const badSum = good.slice(0, 54) + '8d' + good.slice(56);
    const lines = await decode(good, badSum, good.slice(0, 60));
    expect(lines[0]).toBe('#1 172.16.25.2 > 224.0.0.18 ttl 255 VRRPv2 vrid 126 prio 104 auth PASS "7615c4b7" int 1000ms [172.16.25.11] ok');
    expect(lines[1]).toMatch(/vrid 126 .* MALFORMED: bad-checksum$/);
    // Cut inside the address list: the fixed header is still shown, as tshark shows it.
    expect(lines[2]).toBe('#3 172.16.25.2 > 224.0.0.18 ttl 255 VRRPv2 vrid 126 prio 104 auth PASS (auth data missing) int 1000ms MALFORMED: truncated');
  });

  it('says so and exits 1 when the input holds no VRRP packet, instead of printing nothing', async () => {
    const lines = await decode('deadbeef');
    expect(lines).toEqual(['']);
    expect(errors.join('')).toBe(
      'vrrplab decode: deadbeef: not a VRRP packet (neither IPv4/IPv6 carrying protocol 112 nor an Ethernet frame holding one)\n' +
        'vrrplab decode: no VRRP packet in the input\n',
    );
    expect(process.exitCode).toBe(1);
  });

  it('reads an 802.1Q-tagged Ethernet frame given as hex', async () => {
    const good = '45c0002800010000ff701580ac101902e0000012217e68010101828cac10190b3736313563346237';
    const lines = await decode(`01005e000012005e0001017e81000064 0800${good}`);
    expect(lines[0]).toMatch(/^#1 172\.16\.25\.2 > 224\.0\.0\.18 ttl 255 VRRPv2 vrid 126 .* ok$/);
  });

  describe('with keepalived 2.4.3 auth_hmac adverts (captures/auth-hmac)', () => {
    const KEY1 = 'vrrplab-auth-hmac-key-one-0123456789';
    const KEY2 = 'hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

    it('shows the trailer (key id, send time, counter, HMAC) on a valid advert, not a bad checksum', async () => {
      const lines = await decode('captures/auth-hmac/enforce/capture.pcap');
      expect(lines[0]).toBe(
        '2026-12-06T09:16:53.559Z 172.16.25.1 > 224.0.0.18 ttl 255 VRRPv2 vrid 51 prio 150 auth none int 1000ms [172.16.25.51] ' +
          'auth_hmac key 1 seq 2026-12-06T09:16:53Z +36565/65536 ctr 0 hmac a1ea94d01dda3b227c08e1563e870a9c ok',
      );
    });

    it('says HMAC good, BAD or unknown key with --key given inline, as hex or in a file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vrrplab-key-'));
      writeFileSync(join(dir, 'k2'), `${KEY2}\n`, { mode: 0o600 });
      const verdicts = async (...keys: string[]): Promise<string[]> =>
        [...new Set((await decode(...keys.flatMap((k) => ['--key', k]), 'captures/auth-hmac/keyid/capture.pcap')).map((l) => {
          const m = / (172\.16\.25\.\d) .* key (\d) .* (HMAC [A-Za-z ]+?) ok$/.exec(l);
          return m === null ? l : `${m[1]} key ${m[2]}: ${m[3]}`;
        }))].sort();
      expect(await verdicts(`1=${KEY1}`, `2=file:${join(dir, 'k2')}`)).toEqual(['172.16.25.1 key 2: HMAC good', '172.16.25.2 key 1: HMAC good']);
      expect(await verdicts(`1=${KEY1}`)).toEqual(['172.16.25.1 key 2: HMAC unknown key', '172.16.25.2 key 1: HMAC good']);
      expect(await verdicts(`1=${KEY1.replace('one', 'two')}`, `2=${KEY2.replace('1f', '1e')}`)).toEqual(['172.16.25.1 key 2: HMAC BAD', '172.16.25.2 key 1: HMAC BAD']);
      const json = JSON.parse((await decode('--json', '--key', `1=${KEY1}`, 'captures/auth-hmac/enforce/capture.pcap'))[0]);
      expect(json).toMatchObject({ hmac: { extType: 1, keyId: 1, counter: 0, problem: null }, hmacCheck: 'good', checksumValid: true, verdict: 'ok' });
    });

    it('refuses a --key it cannot read, and exits 2', async () => {
      await decode('--key', 'x=abc', 'captures/auth-hmac/enforce/capture.pcap');
      expect(errors.join('')).toBe("vrrplab decode: --key x=abc: key id 'x' must be between 1 and 255\n");
      expect(process.exitCode).toBe(2);
      errors.length = 0;
      await decode('--key', '1=hex:0g', 'captures/auth-hmac/enforce/capture.pcap');
      expect(errors.join('')).toBe('vrrplab decode: --key 1=hex:0g: no key bytes (keepalived reads a hex: value with a non-hex digit as length 0)\n');
      errors.length = 0;
      await decode('--key', '1=file:/nonexistent/key', 'captures/auth-hmac/enforce/capture.pcap');
      expect(errors.join('')).toMatch(/^vrrplab decode: --key 1=file:\/nonexistent\/key: cannot read \/nonexistent\/key: ENOENT/);
    });
  });
});
