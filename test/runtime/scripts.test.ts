import { describe, expect, it } from 'vitest';
import { runProgram, splitCommandLine } from '../../src/runtime/scripts.js';
import { ctimeString, formatLogLine } from '../../src/runtime/log.js';
import { decodeAdvertPacket } from '../../src/runtime/decode.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { sameSubnet } from '../../src/runtime/udp-transport.js';

describe('splitting a script line as keepalived does', () => {
  it('splits on white space without a shell', () => {
    expect(splitCommandLine('/etc/keepalived/notify.sh master 172.16.25.10')).toEqual({ ok: true, words: ['/etc/keepalived/notify.sh', 'master', '172.16.25.10'] });
  });
  it('keeps quoted words together, quotes may start mid-word', () => {
    expect(splitCommandLine(`/bin/echo "a b" 'c d' x"y z"`)).toEqual({ ok: true, words: ['/bin/echo', 'a b', 'c d', 'xy z'] });
  });
  it('understands backslash escapes including hex and octal', () => {
    expect(splitCommandLine('a\\ b \\x41 \\101 \\n')).toEqual({ ok: true, words: ['a b', 'A', 'A', '\n'] });
  });
  it('treats shell syntax as plain words', () => {
    expect(splitCommandLine('[[ -f /etc/keepalived/down ]] && exit 1')).toEqual({ ok: true, words: ['[[', '-f', '/etc/keepalived/down', ']]', '&&', 'exit', '1'] });
  });
  it('reports an unterminated quote instead of guessing', () => {
    expect(splitCommandLine('/bin/true "oops')).toMatchObject({ ok: false });
  });
});

describe('running a tracked script', () => {
  it('reports the exit status', async () => {
    expect(await runProgram(['/bin/sh', '-c', 'exit 3'])).toMatchObject({ exitCode: 3, timedOut: false });
  });
  it('kills a hung script at its timeout and says it timed out', async () => {
    const outcome = await runProgram(['/bin/sleep', '10'], { timeoutMs: 200, killGraceMs: 200 });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(2000);
  });
  it('reports a missing program as status 127 without throwing', async () => {
    expect(await runProgram(['/nonexistent/program'])).toMatchObject({ exitCode: 127 });
  });
});

describe('log lines', () => {
  it('use ctime layout like keepalived -l', () => {
    const ms = new Date(2026, 10, 4, 9, 3, 24).getTime();
    expect(ctimeString(ms)).toBe('Wed Nov  4 09:03:24 2026');
    expect(formatLogLine('keepalived', ms, 'info', '(VI_1) Entering MASTER STATE')).toBe('Wed Nov  4 09:03:24 2026: (VI_1) Entering MASTER STATE');
  });
  it('are one JSON object per line with --log-format json', () => {
    expect(JSON.parse(formatLogLine('json', 0, 'info', 'x'))).toMatchObject({ level: 'info', message: 'x' });
  });
});

describe('decoding a received packet for the engine', () => {
  const advert = { version: 2 as const, vrid: 51, priority: 100, authType: 1, auth: 'labpass1', advertIntervalMs: 1000, family: 4 as const, addresses: ['10.77.0.100'] };
  it('returns the advert with its IP facts', () => {
    const decoded = decodeAdvertPacket(buildAdvertPacket(advert, { src: '10.77.0.1' }));
    expect(decoded).toMatchObject({ ok: true, value: { src: '10.77.0.1', dst: '224.0.0.18', ttl: 255, advert } });
  });
  it('drops a packet with a bad checksum with a reason', () => {
    const packet = buildAdvertPacket(advert, { src: '10.77.0.1' });
    packet[packet.length - 1] ^= 0xff;
    expect(decodeAdvertPacket(packet)).toEqual({ ok: false, error: 'bad-checksum' });
  });
  it('drops truncated packets without throwing', () => {
    const packet = buildAdvertPacket(advert, { src: '10.77.0.1' });
    for (let n = 0; n < packet.length; n++) expect(decodeAdvertPacket(packet.subarray(0, n)).ok).toBe(false);
  });
});

describe('the UDP shim subnet check', () => {
  it('accepts the same /24 and rejects another', () => {
    expect(sameSubnet('10.77.0.2', '10.77.0.1', 24)).toBe(true);
    expect(sameSubnet('10.78.0.2', '10.77.0.1', 24)).toBe(false);
  });
});
