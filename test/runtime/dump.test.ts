/**
 * The SIGUSR1 dump formatter against the file keepalived 2.2.7 wrote for the same config and
 * state (fixtures/dump/, recorded in a netns lab): every line, except the two about keepalived's
 * nftables build, which vrrplab leaves out (README, SIGUSR1).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { InstanceSnapshot } from '../../src/engine/host.js';
import { formatDataDump, timevalString, vipLine, type DumpInput } from '../../src/runtime/dump.js';
import { newVrrpStats } from '../../src/wire/stats.js';

// The reference was written with TZ=UTC; ctime() is local time (Node applies a TZ set at run time).
process.env.TZ = 'UTC';

const DIR = join(import.meta.dirname, 'fixtures/dump');
const reference = readFileSync(join(DIR, 'keepalived-2.2.7.data'), 'utf8');

/** Epoch seconds with microseconds as keepalived printed them, to engine-free epoch ms. */
const at = (text: string) => Number(text) * 1000;

function snapshot(overrides: Partial<InstanceSnapshot> & Pick<InstanceSnapshot, 'name' | 'vrid' | 'state'>): InstanceSnapshot {
  return {
    iface: 'eth0', basePriority: 100, effectivePriority: 100, totalPriority: 100, vipsHeld: [], stats: newVrrpStats(),
    wantState: overrides.state, sands: Number.POSITIVE_INFINITY, downTimerMs: 0, masterAdvertIntervalMs: 1000,
    masterAddress: undefined, masterPriority: 0, numScriptIfFault: 0, numScriptInit: 0, sourceAddress: '172.16.25.1',
    ...overrides,
  };
}

function input(): DumpInput {
  const loaded = loadConfig(join(DIR, 'keepalived.conf'));
  return {
    config: loaded.config,
    routerId: 'lab1',
    // Engine time is epoch ms here (toEpoch is the identity).
    instances: [
      snapshot({ name: 'VI_1', vrid: 51, state: 'MASTER', basePriority: 150, effectivePriority: 152, totalPriority: 152, vipsHeld: ['172.16.25.100', '172.16.25.101'], sands: at('1795932401.973969'), downTimerMs: 3406.25 }),
      snapshot({ name: 'VI_2', vrid: 52, state: 'BACKUP', masterAddress: '172.16.25.2', masterPriority: 200, sands: at('1795932404.963357'), downTimerMs: 3609.375 }),
    ],
    scripts: [{ name: 'chk_ok', result: 1, initState: 'done', succeeding: true, running: false }],
    interfaces: [
      { name: 'lo', index: 1, ipv4: '127.0.0.1', flags: 0x49, mtu: 65536, type: 772 },
      { name: 'eth0', index: 2, ipv4: '172.16.25.1', ipv6: 'fe80::9865:8eff:fe55:ad5a', mac: '9a:65:8e:55:ad:5a', flags: 0x1043, mtu: 1500, type: 1 },
    ],
    lastTransition: new Map([['VI_1', at('1795932400.973960')], ['VI_2', at('1795932397.508830')]]),
    toEpoch: (ms) => ms,
    fds: () => ({ in: 12, out: 13 }),
    command: (line) => `'${line.replace('/bin/true', '/usr/bin/true')}'`,
    scriptIds: '0:0',
  };
}

describe('the SIGUSR1 data dump', () => {
  it('matches keepalived 2.2.7\'s keepalived.data line by line for the same config and state', () => {
    const expected = reference.split('\n').filter((line) => !/^ (nftables|libnftnl)/.test(line));
    const written = formatDataDump(input()).split('\n');
    for (let i = 0; i < Math.max(expected.length, written.length); i++) expect(written[i], `line ${i + 1}`).toBe(expected[i]);
  });

  it('lists every configured VIP in keepalived\'s format, marking only those set', () => {
    const config = input().config;
    const vi1 = config.instances[0];
    expect(vi1.virtualIpaddresses.map((vip) => vipLine(vip, 'eth0', false))).toEqual([
      '     172.16.25.100/16 dev eth0 scope global label eth0:1',
      '     172.16.25.101 dev eth0 scope global',
    ]);
    const dump = formatDataDump({ ...input(), instances: input().instances.map((s) => ({ ...s, state: 'FAULT' as const, vipsHeld: [] })) });
    expect(dump).toContain('   Virtual IP (2):\n     172.16.25.100/16 dev eth0 scope global label eth0:1\n     172.16.25.101 dev eth0 scope global\n');
    expect(dump).not.toContain('Base priority');
  });

  it('writes times as keepalived does: epoch seconds with microseconds, then the ctime with them', () => {
    const text = timevalString(at('1795932400.973960'));
    expect(text).toMatch(/^1795932400\.973960 \(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d\.973960 2026\)$/);
  });
});
