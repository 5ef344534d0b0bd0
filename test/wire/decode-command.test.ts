/** `vrrplab decode` over the library: JSON lines for a real capture and for hex input. */
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
});
