/**
 * Per-instance VRRP statistics with keepalived 2.2.7's names and meanings (vrrp_stats in
 * include/vrrp.h, printed by vrrp_print_stats() into keepalived.stats on SIGUSR2, and by the
 * JSON dump with the same field names).
 */

export interface VrrpStats {
  /** "Advertisements: Received" — adverts that passed the type/version/length/checksum checks. */
  advert_rcvd: number;
  /** "Advertisements: Sent". */
  advert_sent: number;
  /** "Became master". */
  become_master: number;
  /** "Released master" — left MASTER state (to BACKUP, FAULT or stop). */
  release_master: number;
  /** "Packet Errors: Length" — VRRP length disagrees with the address count or IP length. */
  packet_len_err: number;
  /**
   * "Packet Errors: Advertisement Interval". keepalived 2.2.7 prints it but never increments it:
   * a VRRPv2 interval mismatch is logged and dropped without counting.
   */
  advert_interval_err: number;
  /** "Packet Errors: TTL" — TTL/hop limit not 255 (multicast), or outside a unicast peer's range. */
  ip_ttl_err: number;
  /** "Packet Errors: Invalid Type" — VRRP type other than advertisement (1). */
  invalid_type_rcvd: number;
  /** "Packet Errors: Address List" — address count or list differs, or unicast/multicast mix-up. */
  addr_list_err: number;
  /** "Authentication Errors: Invalid Type" — v2 auth type other than 0, 1, 2. */
  invalid_authtype: number;
  /** "Authentication Errors: Type Mismatch" — auth type (or AH header presence) differs from ours. */
  authtype_mismatch: number;
  /** "Authentication Errors: Failure" — wrong PASS password (or AH ICV). */
  auth_failure: number;
  /** "Priority Zero: Received" — valid adverts with priority 0 (a master resigning). */
  pri_zero_rcvd: number;
  /** "Priority Zero: Sent". */
  pri_zero_sent: number;
  /** SNMP (RFC 2787/6527) checksum error count; keepalived's Debian build has SNMP enabled. */
  chk_err: number;
  /** SNMP version error count. */
  vers_err: number;
}

export type VrrpStatsCounter = keyof VrrpStats;

export function newVrrpStats(): VrrpStats {
  return {
    advert_rcvd: 0,
    advert_sent: 0,
    become_master: 0,
    release_master: 0,
    packet_len_err: 0,
    advert_interval_err: 0,
    ip_ttl_err: 0,
    invalid_type_rcvd: 0,
    addr_list_err: 0,
    invalid_authtype: 0,
    authtype_mismatch: 0,
    auth_failure: 0,
    pri_zero_rcvd: 0,
    pri_zero_sent: 0,
    chk_err: 0,
    vers_err: 0,
  };
}

/** The stats file text keepalived writes for one instance (vrrp_print_stats layout). */
/**
 * keepalived's keepalived.stats for one instance. `authExt`: keepalived 2.4.3's "Authentication
 * Extension Errors" section (vrrp_print.c; every instance has it, zeros without auth_hmac);
 * absent: 2.2.7's file.
 */
export function formatVrrpStats(instance: string, s: VrrpStats, authExt?: Readonly<Record<'auth_ext_missing' | 'auth_ext_malformed' | 'auth_ext_unknown_key' | 'auth_ext_invalid_hmac' | 'auth_ext_stale' | 'auth_ext_replay', number>>): string {
  return [
    `VRRP Instance: ${instance}`,
    '  Advertisements:',
    `    Received: ${s.advert_rcvd}`,
    `    Sent: ${s.advert_sent}`,
    `  Became master: ${s.become_master}`,
    `  Released master: ${s.release_master}`,
    '  Packet Errors:',
    `    Length: ${s.packet_len_err}`,
    `    TTL: ${s.ip_ttl_err}`,
    `    Invalid Type: ${s.invalid_type_rcvd}`,
    `    Advertisement Interval: ${s.advert_interval_err}`,
    `    Address List: ${s.addr_list_err}`,
    '  Authentication Errors:',
    `    Invalid Type: ${s.invalid_authtype}`,
    `    Type Mismatch: ${s.authtype_mismatch}`,
    `    Failure: ${s.auth_failure}`,
    ...(authExt === undefined ? [] : [
      '  Authentication Extension Errors:',
      `    Missing: ${authExt.auth_ext_missing}`,
      `    Malformed: ${authExt.auth_ext_malformed}`,
      `    Unknown Key: ${authExt.auth_ext_unknown_key}`,
      `    Invalid HMAC: ${authExt.auth_ext_invalid_hmac}`,
      `    Stale: ${authExt.auth_ext_stale}`,
      `    Replay: ${authExt.auth_ext_replay}`,
    ]),
    '  Priority Zero:',
    `    Received: ${s.pri_zero_rcvd}`,
    `    Sent: ${s.pri_zero_sent}`,
    '',
  ].join('\n');
}
