/** Multi-host analysis of keepalived configurations: vrrplab's findings beyond keepalived -t. */
import { findCollectiveDrift } from './drift.js';
import type { Finding, HostConfig } from './findings.js';
import { priorityFindings, priorityTables, type VridTable } from './priority.js';
import { duplicateVipFindings, peerFindings } from './peers.js';
import { unicastFindings } from './unicast.js';
import { vridConflictFindings } from './vrid-conflict.js';
import { vmacFindings } from './vmac.js';
import { authHmacFindings } from './auth-hmac.js';
import type { KeepalivedVersion } from '../config/version.js';

export type { Finding, FindingKind, HostConfig } from './findings.js';
export { checkedService, inferNotifyEffects, probedService, servicesStoppedOn, type NotifyEffect, type NotifyState, type ProgramReader } from './notify.js';
export { effectivePriority, priorityTables, type PriorityRow, type VridTable } from './priority.js';

export interface Analysis {
  findings: Finding[];
  priorities: VridTable[];
}

/** `keepalivedVersion`: the keepalived the hosts run (2.4.3 accepts adverts with other VIPs). */
export function analyzeHosts(hosts: HostConfig[], keepalivedVersion: KeepalivedVersion = '2.2'): Analysis {
  const priorities = priorityTables(hosts);
  const findings = [
    ...findCollectiveDrift(hosts), ...peerFindings(hosts), ...unicastFindings(hosts), ...duplicateVipFindings(hosts), ...vridConflictFindings(hosts, keepalivedVersion), ...authHmacFindings(hosts),
    ...priorityFindings(hosts, priorities), ...vmacFindings(hosts),
  ];
  return { findings, priorities };
}
