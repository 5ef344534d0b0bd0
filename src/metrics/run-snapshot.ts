/**
 * `vrrplab run --listen`: the runtime's own instances as a MetricsSnapshot. The same inputs as the
 * SIGUSR1/SIGUSR2 dumps (src/runtime/dump.ts, keepalived.stats): the engine's instance snapshots
 * with keepalived's counters, the config, each instance's last transition. Pure; the CLI hands it
 * what the running Runtime holds at each scrape.
 */
import type { KeepalivedConfig, VirtualAddress } from '../config/model.js';
import type { InstanceSnapshot } from '../engine/host.js';
import type { MetricsSnapshot, VridSnapshot, VrrpCounterName } from './snapshot.js';

export interface RunSnapshotInput {
  config: KeepalivedConfig;
  instances: readonly InstanceSnapshot[];
  /** Epoch ms of each instance's last transition, by name (the SIGUSR1 dump's "Last transition"). */
  lastTransitionEpochMs: ReadonlyMap<string, number>;
  atSec: number;
}

/** keepalived's stats fields the snapshot carries (its SNMP-only chk_err and vers_err are left out). */
const COUNTED: readonly VrrpCounterName[] = [
  'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err', 'ip_ttl_err',
  'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd', 'pri_zero_sent',
];

/**
 * A VIP as keepalived-exporter's ip_address label holds it: the first word of keepalived.data's
 * VIP line, the address with its prefix unless the prefix is the whole address (dump.ts vipLine).
 */
export function exporterAddress(vip: VirtualAddress): string {
  return vip.prefixLength === (vip.family === 6 ? 128 : 32) ? vip.address : `${vip.address}/${vip.prefixLength}`;
}

export function runSnapshot(input: RunSnapshotInput): MetricsSnapshot {
  const byName = new Map(input.config.instances.map((i) => [i.name, i]));
  const vrids: VridSnapshot[] = input.instances.map((s) => {
    const conf = byName.get(s.name);
    const counters: VridSnapshot['counters'] = {};
    for (const key of COUNTED) counters[key] = s.stats[key as keyof typeof s.stats];
    // A MASTER advertises from its own address at its own interval; a BACKUP names the master it
    // hears and the interval it learned from it (VRRPv3), as keepalived.data's "Master router" does.
    const master = s.state === 'MASTER' ? s.sourceAddress : s.state === 'BACKUP' ? s.masterAddress : undefined;
    const interval = s.state === 'BACKUP' && s.masterAdvertIntervalMs > 0 ? s.masterAdvertIntervalMs : conf?.advertIntervalMs;
    const last = input.lastTransitionEpochMs.get(s.name);
    return {
      instance: s.name,
      iface: s.iface,
      vrid: s.vrid,
      family: conf?.family ?? 4,
      state: s.state,
      ...(master !== undefined ? { master } : {}),
      priority: s.effectivePriority,
      ...(interval !== undefined ? { advertIntervalMs: interval } : {}),
      ...(last !== undefined ? { lastTransitionSec: last / 1000 } : {}),
      addresses: (conf?.virtualIpaddresses ?? []).map(exporterAddress),
      counters,
    };
  });
  return { source: 'run', atSec: input.atSec, vrids, alerts: [] };
}
