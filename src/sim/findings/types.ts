/** What a finding is, and what the finders are given. */
import type { KeepalivedVersion } from '../../config/version.js';
import type { KeepalivedConfig } from '../../config/model.js';

export type SimFindingKind = 'collective-drift' | 'split-brain' | 'flapping' | 'stranded-service' | 'slow-failover' | 'unhealthy-master' | 'duplicate-vip' | 'vrid-conflict';

export const SIM_FINDING_KINDS: readonly SimFindingKind[] = [
  'collective-drift',
  'split-brain',
  'flapping',
  'stranded-service',
  'slow-failover',
  'unhealthy-master',
  'duplicate-vip',
  'vrid-conflict',
];

export interface SimFinding {
  kind: SimFindingKind;
  /** Virtual seconds: when the wrong state began (after the allowances above) and when it ended (the run's end if it never did). */
  from: number;
  to: number;
  hosts: string[];
  /** `host/instance` names. */
  instances: string[];
  message: string;
  /** Injected faults in force at some moment of from..to, e.g. "A service-stop nginx", "partition A | B+C". */
  duringFaults?: string[];
  /** What VRRP does by design under the injected faults (e.g. a split brain only while a partition lasts): reported, but not a failure. */
  byDesign?: true;
}

export interface FindingContext {
  /**
   * The hosts, with the addresses the simulator sends from and delivers unicast to (its
   * `SimHostSpec`'s): without them every unicast advert is taken to reach the host it is meant for.
   */
  hosts: { name: string; config: KeepalivedConfig; address?: string; address6?: string }[];
  durationMs: number;
  flapping: { transitions: number; windowMs: number };
  endServices: Record<string, Record<string, boolean>>;
  /** The keepalived the hosts ran as (default 2.2): what 2.4.3 rejects differs (auth_hmac, VIPs). */
  keepalivedVersion?: KeepalivedVersion;
}
