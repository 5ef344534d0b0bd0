/**
 * keepalived 2.4's auth_hmac across hosts (`check --keepalived-version 2.4 --host …`): hosts of one
 * VRID whose adverts the other side cannot verify. What a receiver drops, as keepalived 2.4.3 does
 * (vrrp_check_packet / vrrp_auth_ext_verify, and measured in captures/auth-hmac):
 * - a signed advert (sender mode enforce or permissive) at a receiver without auth_hmac: "vrrp
 *   packet from ADDR too long" (keepalived 2.2.7 alike);
 * - an unsigned advert (sender without auth_hmac, or receive-only, or a block keepalived disabled)
 *   at a receiver in mode enforce: "missing authentication trailer from ADDR" (permissive and
 *   receive-only accept it);
 * - a signature by a key id the receiver does not hold: "unknown authentication key id N", or with
 *   other key bytes: "invalid authentication HMAC".
 * A host that drops the adverts of a host of higher (or equal) priority does not hear its master
 * and takes over beside it: two masters (lab: enforce beside none, an unknown key id, receive-only
 * beside enforce, permissive beside none; a receive-only backup of an enforcing master is fine).
 * Clocks (the time window) are not in a configuration and are not judged here.
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import { at, type Finding } from './findings.js';

interface Member {
  host: string;
  instance: VrrpInstance;
}

/** Why `r` drops `s`'s adverts, and the line it logs; null when it accepts them. */
export function authHmacRejection(s: VrrpInstance, r: VrrpInstance): { why: string; line: string } | null {
  const sa = s.authHmac;
  const ra = r.authHmac;
  const signs = sa !== undefined && sa.mode !== 'receive-only';
  if (signs && ra === undefined) {
    return { why: `signed adverts (auth_hmac mode ${sa.mode}) to a host without auth_hmac`, line: 'vrrp packet from … too long' };
  }
  if (!signs && ra?.mode === 'enforce') {
    return { why: `unsigned adverts (${sa === undefined ? 'no auth_hmac' : 'auth_hmac mode receive-only'}) to a host in mode enforce`, line: 'missing authentication trailer from …' };
  }
  if (signs && ra !== undefined) {
    const id = sa.activeKey;
    const mine = sa.keys.find((k) => k.id === id);
    const theirs = ra.keys.find((k) => k.id === id);
    if (theirs === undefined) {
      return { why: `signed with key ${id} (active_key), which the receiver does not hold (its keys: ${ra.keys.map((k) => k.id).join(', ') || 'none'})`, line: `unknown authentication key id ${id} from …` };
    }
    if (mine !== undefined && mine.hex !== theirs.hex) {
      return { why: `signed with key ${id}, whose bytes differ on the receiver`, line: 'invalid authentication HMAC from …' };
    }
  }
  return null;
}

/** Instances of one VRID and family that hear each other: all multicast ones, or all unicast ones. */
function groups(hosts: readonly { name: string; config: KeepalivedConfig }[]): Member[][] {
  const byKey = new Map<string, Member[]>();
  for (const host of hosts) {
    for (const instance of host.config.instances) {
      if (instance.vrid === 0) continue;
      const key = `${instance.family}/${instance.vrid}/${instance.unicastPeers.length > 0 ? 'u' : 'm'}`;
      const list = byKey.get(key) ?? [];
      if (!list.some((m) => m.host === host.name)) list.push({ host: host.name, instance });
      byKey.set(key, list);
    }
  }
  return [...byKey.values()].filter((list) => list.length > 1);
}

export function authHmacFindings(hosts: readonly { name: string; config: KeepalivedConfig }[]): Finding[] {
  const findings: Finding[] = [];
  for (const group of groups(hosts)) {
    // Only when some host of the VRID has auth_hmac: otherwise nothing here applies.
    if (!group.some((m) => m.instance.authHmac !== undefined)) continue;
    const drops: string[] = [];
    let twoMasters = false;
    for (const r of group) {
      for (const s of group) {
        if (s === r) continue;
        const rejection = authHmacRejection(s.instance, r.instance);
        if (rejection === null) continue;
        if (r.instance.priority <= s.instance.priority) twoMasters = true;
        drops.push(`${at(r.host, r.instance.name)} drops ${at(s.host, s.instance.name)}'s adverts: ${rejection.why} ("(${r.instance.name}) ${rejection.line}")`);
      }
    }
    const { vrid, family } = group[0].instance;
    if (drops.length === 0) {
      const rotation = rotationNotes(group);
      if (rotation.length > 0) {
        findings.push({
          kind: 'auth-hmac',
          severity: 'info',
          vrid,
          hosts: group.map((m) => m.host),
          instances: group.map((m) => at(m.host, m.instance.name)),
          message: `VRID ${vrid} (IPv${family}): the hosts verify each other now, but a key rotation is not ready: ${rotation.join('; ')}. Add a key everywhere before any host moves active_key to it (keepalived 2.4.3 drops adverts signed by a key id it does not hold: a split brain when that host is a backup, lab)`,
        });
      }
      continue;
    }
    findings.push({
      kind: 'auth-hmac',
      severity: twoMasters ? 'error' : 'warning',
      vrid,
      hosts: group.map((m) => m.host),
      instances: group.map((m) => at(m.host, m.instance.name)),
      message:
        `VRID ${vrid} (IPv${family}): hosts whose auth_hmac adverts the others cannot verify (keepalived 2.4.3): ${drops.join('; ')}. ` +
        (twoMasters
          ? 'A host that drops the adverts of a host of higher or equal priority does not hear its master and takes over beside it: two masters, the VIPs on both (lab, keepalived 2.4.3)'
          : 'Only higher-priority hosts drop lower-priority ones: no second master while all run, but a dropped host is never heard by them (no election with it, no priority-0 advert taken)'),
    });
  }
  return findings;
}

/**
 * Keys some hosts of a VRID hold and others do not (or hold with other bytes), when every host has
 * auth_hmac: moving active_key to such a key on a host makes the others drop its adverts.
 */
function rotationNotes(group: readonly Member[]): string[] {
  if (!group.every((m) => m.instance.authHmac !== undefined)) return [];
  const ids = new Set(group.flatMap((m) => m.instance.authHmac?.keys.map((k) => k.id) ?? []));
  const notes: string[] = [];
  for (const id of [...ids].sort((a, b) => a - b)) {
    const holders = group.filter((m) => m.instance.authHmac?.keys.some((k) => k.id === id));
    const lacking = group.filter((m) => !holders.includes(m));
    if (lacking.length > 0) {
      notes.push(`key ${id} is held by ${holders.map((m) => m.host).join(', ')} but not by ${lacking.map((m) => m.host).join(', ')} (active_key ${id} on ${holders[0].host} would be "unknown authentication key id ${id}" there)`);
      continue;
    }
    const bytes = new Set(holders.map((m) => m.instance.authHmac?.keys.find((k) => k.id === id)?.hex));
    if (bytes.size > 1) notes.push(`key ${id} has other bytes on some hosts (active_key ${id} would be "invalid authentication HMAC")`);
  }
  return notes;
}
