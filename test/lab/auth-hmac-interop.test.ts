/**
 * Lab tier: `vrrplab run --keepalived-version 2.4` beside keepalived 2.4.3 (built by build.sh, see
 * keepalived-24.ts) with auth_hmac in enforce mode, three test hosts on a bridge:
 *  - A (host 1) vrrplab, priority 150; B (host 2) keepalived 2.4.3, priority 100; C (host 3) a
 *    sender of forged and replayed adverts (test/lab/fixtures/packet-sender.mjs) and tcpdump.
 *  - B starts alone and is MASTER a second; A starts and takes over: they agree (A MASTER, B
 *    BACKUP), each accepting the other's signed adverts, no rejection line.
 *  - Each one's last advert, replayed from C (its source address kept) within the 5 s window: A
 *    logs "(VI_1) replayed authentication trailer from 172.16.25.2", B the same from .1.
 *  - 3 forged adverts (priority 200, key id 1, another key) from C's address: both log "(VI_1)
 *    invalid authentication HMAC from 172.16.25.3", once (2.4's rate limit), and nothing moves.
 *  - A key rotation done right (key 2 added on both, SIGHUP; then active_key 2 on both, SIGHUP):
 *    A's adverts move to key id 2 with no state change and no new line (vrrplab's reload once
 *    repeated a sequence here: keepalived said "replayed").
 *  - Each one's first advert, replayed after the window: both log "stale authentication trailer
 *    from …, clock skew N sec exceeds window 5 sec".
 * Everything runs in the lab's namespaces; about 20 s.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipPacketOf } from '../../src/capture/link.js';
import { decodeAdvertPacket } from '../../src/wire/decode.js';
import { readHmacTrailer, withTrailer } from '../../src/wire/auth-hmac.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import type { Lab } from './lab.js';
import { requireKeepalived24 } from './keepalived-24.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, collect, ensureBuilt, exited, sleep, startDaemon, transitions, waitFor, type Started } from '../runtime/lab-helpers.js';

const SENDER = join(ROOT, 'test/lab/fixtures/packet-sender.mjs');
const KEY1 = 'vrrplab-auth-hmac-key-one-0123456789';
const KEY2 = 'hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const made = removedAfterEach();

function conf(name: string, priority: number, keys: string, active: number, mode = 'enforce'): string {
  return `global_defs {
  router_id hmac_${name}
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 51
  advert_int 1
  auth_hmac {
${keys}
    active_key ${active}
    mode ${mode}
  }
  virtual_ipaddress {
    172.16.25.100/16 dev eth0
  }
}
`;
}

const ONE = `    key 1 ${KEY1}`;
const BOTH = `    key 1 ${KEY1}\n    key 2 ${KEY2}`;
const AUTH_LINE = /\(VI_1\) (missing authentication|unknown authentication|invalid authentication|stale authentication|replayed authentication|malformed authentication|vrrp packet from)[^\n]*/g;

/** A's adverts in C's capture so far: epoch time, IP bytes, key id. */
function advertsOf(pcap: string, src: string): { ts: number; ip: Uint8Array; keyId: number | null }[] {
  const out: { ts: number; ip: Uint8Array; keyId: number | null }[] = [];
  for (const frame of readCaptureFile(pcap)) {
    const at = ipPacketOf(frame);
    if (at === undefined) continue;
    const ip = frame.data.slice(at.offset);
    const d = decodeAdvertPacket(ip);
    if (d?.received?.src !== src || d.received.advert.priority === 0 || d.expectedLength === null) continue;
    out.push({ ts: frame.ts, ip, keyId: d.hmac?.keyId ?? null });
  }
  return out;
}

async function send(lab: Lab, packets: { at: number; ip: Uint8Array }[]): Promise<void> {
  const plan = packets.map((p) => ({ at: p.at, hex: Buffer.from(p.ip).toString('hex') }));
  const sender = collect(lab.spawn(2, ['node', SENDER, join(ROOT, 'dist'), 'eth0', JSON.stringify(plan)]));
  expect(await exited(sender.child), sender.log()).toBe(0);
}

const authLines = (d: Started): string[] => d.log().match(AUTH_LINE) ?? [];

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('vrrplab run --keepalived-version 2.4 beside keepalived 2.4.3, auth_hmac enforce', () => {
  it('agrees on one master, rotates keys hitlessly, and rejects forged and replayed adverts with 2.4.3\'s lines', async (ctx) => {
    const K = requireKeepalived24(ctx, ['ip', 'tcpdump']);
    const lab = made.lab({ hosts: 3 });
    const dir = made.scratch('vlhmac');
    const pcap = join(dir, 'c.pcap');
    const tcpdump = collect(lab.spawn(2, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip proto 112']));
    await sleep(300);
    const aConf = join(dir, 'A.conf');
    const bConf = join(dir, 'B.conf');
    writeFileSync(aConf, conf('A', 150, ONE, 1));
    writeFileSync(bConf, conf('B', 100, ONE, 1));
    // B first, alone: it becomes MASTER and its adverts are recorded; then A, which takes over.
    const b = collect(lab.spawn(1, [K, '-n', '-l', '-D', '-f', bConf, '-p', join(dir, 'B.pid'), '-r', join(dir, 'B.vpid')]));
    expect(await waitFor(() => transitions(b.log()).at(-1) === 'VI_1 MASTER', 9000), b.log()).toBeGreaterThanOrEqual(0);
    await sleep(1100);
    const a = startDaemon(lab, 0, 'vrrplab', aConf, dir, { extra: ['--keepalived-version', '2.4'] });
    expect(await waitFor(() => transitions(a.log()).at(-1) === 'VI_1 MASTER' && transitions(b.log()).at(-1) === 'VI_1 BACKUP', 9000), `${a.log()}\n----\n${b.log()}`).toBeGreaterThanOrEqual(0);
    await sleep(1100);
    expect([...authLines(a), ...authLines(b)]).toEqual([]);

    // Replayed within the 5 s window, each the other's advert as recorded (its source address
    // kept: a host's kernel drops a packet from its own address): the sequence is not after the
    // last one accepted from that sender.
    const fromA = advertsOf(pcap, '172.16.25.1');
    const fromB = advertsOf(pcap, '172.16.25.2');
    expect(Date.now() / 1000 - fromB.at(-1)!.ts).toBeLessThan(4);
    await send(lab, [{ at: 0, ip: fromB.at(-1)!.ip }, { at: 0, ip: fromA.at(-1)!.ip }]);
    await sleep(600);
    expect(authLines(a)).toEqual(['(VI_1) replayed authentication trailer from 172.16.25.2']);
    expect(authLines(b)).toEqual(['(VI_1) replayed authentication trailer from 172.16.25.1']);

    // Forged: priority 200, key id 1 with another key's HMAC, from C's own address.
    const advert = { version: 2 as const, vrid: 51, priority: 200, authType: 0, auth: '', advertIntervalMs: 1000, family: 4 as const, addresses: ['172.16.25.100'] };
    const now = Math.floor(Date.now() / 1000);
    const forged = [0, 1, 2].map((i) => ({ at: i * 300, ip: withTrailer(buildAdvertPacket(advert, { src: '172.16.25.3' }), { keyId: 1, seconds: now, fraction: 0, counter: i }, Buffer.from('not-the-key-not-the-key-not-the-key')) }));
    await send(lab, forged);
    await sleep(800);
    for (const d of [a, b]) expect(authLines(d).filter((l) => l.includes('HMAC'))).toEqual(['(VI_1) invalid authentication HMAC from 172.16.25.3']);

    // Rotation done right: the new key everywhere first, then active_key moved.
    writeFileSync(aConf, conf('A', 150, BOTH, 1));
    writeFileSync(bConf, conf('B', 100, BOTH, 1));
    for (const d of [a, b]) d.child.kill('SIGHUP');
    await sleep(2200);
    writeFileSync(aConf, conf('A', 150, BOTH, 2));
    writeFileSync(bConf, conf('B', 100, BOTH, 2));
    for (const d of [a, b]) d.child.kill('SIGHUP');
    await sleep(2500);
    const rotated = advertsOf(pcap, '172.16.25.1');
    expect(rotated.at(-1)?.keyId).toBe(2);
    expect(transitions(a.log()).filter((t) => t === 'VI_1 MASTER')).toHaveLength(1);
    expect(transitions(b.log()).at(-1)).toBe('VI_1 BACKUP');
    expect(authLines(a)).toHaveLength(2);
    expect(authLines(b)).toHaveLength(2);

    // Replayed after the window: each one's first recorded advert (key 1, which both still hold).
    expect(Date.now() / 1000 - fromB[0]!.ts).toBeGreaterThan(6);
    expect(readHmacTrailer(fromB[0]!.ip, fromB[0]!.ip.length - 28, fromB[0]!.ip.length).keyId).toBe(1);
    await send(lab, [{ at: 0, ip: fromB[0]!.ip }, { at: 0, ip: fromA[0]!.ip }]);
    await sleep(600);
    const stale = (d: Started, from: string): number[] => authLines(d).flatMap((l) => new RegExp(`^\\(VI_1\\) stale authentication trailer from ${from.replace(/\./g, '\\.')}, clock skew (\\d+) sec exceeds window 5 sec$`).exec(l)?.[1] ?? []).map(Number);
    const [sa, sb] = [stale(a, '172.16.25.2'), stale(b, '172.16.25.1')];
    expect(sa, a.log()).toHaveLength(1);
    expect(sb, b.log()).toHaveLength(1);
    // Each the age of the advert it got, in whole seconds (B's first advert is the older).
    expect(sa[0]!).toBeGreaterThanOrEqual(sb[0]!);

    // Through all of it: one master, A.
    expect(transitions(a.log()).at(-1)).toBe('VI_1 MASTER');
    expect(transitions(b.log()).at(-1)).toBe('VI_1 BACKUP');
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);
  }, 60_000);

  it('receive-only beside enforce is a split brain (2.4.3 logs the missing trailer), and moving vrrplab to permissive by SIGHUP mends it', async (ctx) => {
    const K = requireKeepalived24(ctx, ['ip']);
    const lab = made.lab({ hosts: 2 });
    const dir = made.scratch('vlhmacro');
    const aConf = join(dir, 'A.conf');
    const bConf = join(dir, 'B.conf');
    writeFileSync(aConf, conf('A', 150, ONE, 1, 'receive-only'));
    writeFileSync(bConf, conf('B', 100, ONE, 1));
    const a = startDaemon(lab, 0, 'vrrplab', aConf, dir, { extra: ['--keepalived-version', '2.4'] });
    const b = collect(lab.spawn(1, [K, '-n', '-l', '-D', '-f', bConf, '-p', join(dir, 'B.pid'), '-r', join(dir, 'B.vpid')]));
    // A sends unsigned adverts, which B (enforce) drops: both MASTER (captures/auth-hmac/rohigh).
    expect(await waitFor(() => transitions(a.log()).at(-1) === 'VI_1 MASTER' && transitions(b.log()).at(-1) === 'VI_1 MASTER', 9000), `${a.log()}\n----\n${b.log()}`).toBeGreaterThanOrEqual(0);
    expect(authLines(b)[0]).toBe('(VI_1) missing authentication trailer from 172.16.25.1');
    // A accepts B's signed adverts (lower priority: it answers them). B's MASTER line can come before
    // A has read B's first advert: waited for, not assumed.
    const answered = '(VI_1) Received advert from 172.16.25.2 with lower priority 100, ours 150, forcing new election';
    expect(await waitFor(() => a.log().includes(answered), 3000), a.log()).toBeGreaterThanOrEqual(0);
    expect(authLines(a)).toEqual([]);
    writeFileSync(aConf, conf('A', 150, ONE, 1, 'permissive'));
    a.child.kill('SIGHUP');
    expect(await waitFor(() => transitions(b.log()).at(-1) === 'VI_1 BACKUP', 5000), b.log()).toBeGreaterThanOrEqual(0);
    expect(transitions(a.log()).filter((t) => t === 'VI_1 MASTER')).toHaveLength(1);
    expect(transitions(a.log()).at(-1)).toBe('VI_1 MASTER');
  }, 40_000);
});
