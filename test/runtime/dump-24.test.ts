/**
 * The SIGUSR1/SIGUSR2 dumps under keepalived 2.4 (vrrplab run --keepalived-version 2.4), as 2.4.3's
 * source writes them (vrrp_data.c dump_vrrp, vrrp_print.c): the auth_hmac block (key count, active
 * key id, mode, anti-replay; never key bytes), the PASS password masked, and the "Authentication
 * Extension Errors" counters in keepalived.stats. 2.2.7's files are unchanged (dump.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { InstanceSnapshot } from '../../src/engine/host.js';
import { formatDataDump, type DumpInput } from '../../src/runtime/dump.js';
import { formatVrrpStats, newVrrpStats } from '../../src/wire/stats.js';
import { newAuthExtStats } from '../../src/engine/auth-hmac.js';

const KEY = 'vrrplab-auth-hmac-key-one-0123456789';
const text = `vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  auth_hmac {
    key 1 ${KEY}
    key 2 hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
    active_key 2
    mode permissive
  }
  virtual_ipaddress {
    172.16.25.100/24
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  authentication {
    auth_type PASS
    auth_pass secret12
  }
  virtual_ipaddress {
    172.16.25.101/24
  }
}
`;

function dump(version?: '2.4'): string[] {
  const config = parseConfigText(text, 'k.conf', { keepalivedVersion: '2.4' } as never).config;
  const snap = (name: string, vrid: number): InstanceSnapshot => ({
    name, vrid, iface: 'eth0', state: 'BACKUP', basePriority: 100, effectivePriority: 100, totalPriority: 100, vipsHeld: [], stats: newVrrpStats(),
    wantState: 'BACKUP', sands: 0, downTimerMs: 0, masterAdvertIntervalMs: 1000, masterAddress: undefined, masterPriority: 0, numScriptIfFault: 0, numScriptInit: 0, sourceAddress: '172.16.25.1',
  });
  const input: DumpInput = {
    config, routerId: 'r', instances: [snap('VI_1', 51), snap('VI_2', 52)], scripts: [], interfaces: [],
    lastTransition: new Map(), toEpoch: (ms) => ms, fds: () => ({ in: 12, out: 13 }), command: (l) => `'${l}'`, scriptIds: '0:0',
    ...(version !== undefined ? { keepalivedVersion: version } : {}),
  };
  return formatDataDump(input).split('\n');
}

describe('keepalived 2.4.3 dumps', () => {
  it('keepalived.data: the auth_hmac block without key bytes, and the PASS password masked', () => {
    const lines = dump('2.4');
    const at = lines.indexOf('   Authentication extension = HMAC-SHA256-128');
    expect(lines.slice(at, at + 4)).toEqual([
      '   Authentication extension = HMAC-SHA256-128',
      '     Keys = 2, active key id = 2',
      '     Mode = permissive',
      '     Anti replay = time, window = 5 sec',
    ]);
    expect(lines).toContain('   Password = ********');
    expect(lines.join('\n')).not.toContain(KEY);
    expect(dump()).toContain('   Password = secret12');
  });

  it('keepalived.stats: the Authentication Extension Errors section under 2.4 only', () => {
    const ext = { ...newAuthExtStats(), auth_ext_invalid_hmac: 3, auth_ext_replay: 1 };
    const lines = formatVrrpStats('VI_1', newVrrpStats(), ext).split('\n');
    const at = lines.indexOf('  Authentication Extension Errors:');
    expect(lines.slice(at, at + 8)).toEqual(['  Authentication Extension Errors:', '    Missing: 0', '    Malformed: 0', '    Unknown Key: 0', '    Invalid HMAC: 3', '    Stale: 0', '    Replay: 1', '  Priority Zero:']);
    expect(formatVrrpStats('VI_1', newVrrpStats())).not.toContain('Extension');
  });
});
