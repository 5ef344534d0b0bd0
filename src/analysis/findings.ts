/** vrrplab's own findings about a set of hosts' configurations (beyond what keepalived -t says). */
import type { KeepalivedConfig } from '../config/model.js';

export type FindingKind =
  | 'collective-drift'
  | 'master-change'
  | 'unhealthy-master'
  | 'flip-together'
  | 'peer-mismatch'
  | 'unicast-peer'
  | 'duplicate-vip'
  | 'vrid-collision'
  | 'vrid-conflict'
  | 'dual-master'
  | 'vmac-unheard'
  /** keepalived 2.4: hosts of one VRID that cannot verify each other's auth_hmac adverts. */
  | 'auth-hmac';

export interface Finding {
  kind: FindingKind;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Host names involved. */
  hosts: string[];
  /** `HOST/INSTANCE` names involved. */
  instances: string[];
  vrid?: number;
}

export interface HostConfig {
  name: string;
  config: KeepalivedConfig;
  /** Reads a file as the host sees it (for notify scripts); undefined when not available. */
  readFile?: (p: string) => string | undefined;
}

export const at = (host: string, instance: string): string => `${host}/${instance}`;
