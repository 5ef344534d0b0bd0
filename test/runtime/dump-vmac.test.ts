/**
 * The SIGUSR1 dump of a use_vmac instance against keepalived 2.2.7's keepalived.data for the same
 * config and state (fixtures/dump-vmac/, recorded in a netns lab: MASTER on vrrp.51, with and
 * without vmac_xmit_base). eth0's "Original arp_ignore 1 / arp_filter 1" are what an earlier
 * keepalived run had left on it (keepalived 2.2.7 does not restore them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { InstanceSnapshot } from '../../src/engine/host.js';
import { formatDataDump, type DumpInput } from '../../src/runtime/dump.js';
import { newVrrpStats } from '../../src/wire/stats.js';

process.env.TZ = 'UTC';

const DIR = join(import.meta.dirname, 'fixtures/dump-vmac');
const at = (text: string) => Number(text) * 1000;

function input(mode: 'plain' | 'xmit', transition: string, sands: string): DumpInput {
  const snapshot: InstanceSnapshot = {
    name: 'VI_1', vrid: 51, state: 'MASTER', iface: 'eth0', basePriority: 150, effectivePriority: 150, totalPriority: 150,
    vipsHeld: ['10.9.0.100'], stats: newVrrpStats(), wantState: 'MASTER', sands: at(sands), downTimerMs: 3414.0625,
    masterAdvertIntervalMs: 1000, masterAddress: undefined, masterPriority: 0, numScriptIfFault: 0, numScriptInit: 0, sourceAddress: '10.9.0.1',
  };
  return {
    config: loadConfig(join(DIR, `${mode}.conf`)).config,
    routerId: 'vm',
    instances: [snapshot],
    scripts: [],
    interfaces: [
      { name: 'lo', index: 1, ipv4: '127.0.0.1', flags: 0x49, mtu: 65536, type: 772 },
      { name: 'eth0', index: 2, ipv4: '10.9.0.1', ipv6: 'fe80::90a7:2bff:fefd:8e2e', mac: '92:a7:2b:fd:8e:2e', flags: 0x1043, mtu: 1500, type: 1, rpFilterShown: 0, original: { arpIgnore: 1, arpFilter: 1, promoteSecondaries: 0 } },
      { name: 'vrrp.51', index: mode === 'plain' ? 12 : 13, mac: '00:00:5e:00:01:33', flags: 0x1043, mtu: 1500, type: 1, vmacBase: 'eth0', rpFilterShown: 0, original: { arpIgnore: 1, arpFilter: 0, promoteSecondaries: 1 } },
    ],
    lastTransition: new Map([['VI_1', at(transition)]]),
    toEpoch: (ms) => ms,
    fds: () => ({ in: 14, out: 15 }),
    command: (line) => line,
    scriptIds: '0:0',
  };
}

describe('the SIGUSR1 dump with use_vmac', () => {
  for (const [mode, transition, sands] of [['plain', '1796547689.424703', '1796547691.424836'], ['xmit', '1796547696.504907', '1796547698.505008']] as const) {
    it(`matches keepalived 2.2.7's keepalived.data line by line (${mode === 'plain' ? 'use_vmac' : 'use_vmac with vmac_xmit_base'}), but for its nftables lines`, () => {
      // keepalived's nftables lines (it uses nftables for a VMAC's IGMP rule; vrrplab adds none).
      const expected = readFileSync(join(DIR, `keepalived-2.2.7-${mode}.data`), 'utf8').split('\n').filter((line) => !/^ (nftables|libnftnl)/.test(line));
      const written = formatDataDump(input(mode, transition, sands)).split('\n');
      for (let i = 0; i < Math.max(expected.length, written.length); i++) expect(written[i], `line ${i + 1}`).toBe(expected[i]);
    });
  }
});
