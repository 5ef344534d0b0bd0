/**
 * VRID conflicts: two configurations on one LAN share a VRID but not what keepalived checks in
 * every advert (the PASS password, the VIP list, a VRRPv2 advert interval, the version). Each
 * side's keepalived rejects the other side's adverts with a log line ("received an invalid
 * passwd!", ...), so each side elects its own master; and because keepalived re-arms a master's
 * advert timer after every packet it reads for its VRID, valid or not, each master's adverts push
 * the other's back (issue 13, measured in test/lab/hostile.test.ts).
 *
 * `conflictSides()` is the static part (`check --host`'s vrid-conflict); the simulator's
 * `vrid-conflict` finding (src/sim/findings.ts) adds what the conflict caused in the run: reject
 * lines, delayed adverts, takeovers and the time both sides held MASTER.
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import type { KeepalivedVersion } from '../config/version.js';
import { at, type Finding } from './findings.js';

/** One configuration of a VRID: the hosts whose instances agree on everything keepalived checks. */
export interface ConflictSide {
  /** `host/instance` names. */
  members: { host: string; instance: string }[];
  /** What they expect, in words: "auth PASS labpass1, VIPs 172.16.25.100". */
  describe: string;
}

export interface VridConflict {
  vrid: number;
  family: 4 | 6;
  sides: ConflictSide[];
  /** What differs between the sides: auth, VIPs, advert_int, version. */
  differences: string[];
  /** The line keepalived logs on receiving the other side's adverts (the first difference's). */
  rejectLine: string;
}

interface Signature {
  auth: string;
  vips: string;
  interval: string;
  version: string;
}

function signature(instance: VrrpInstance, version: KeepalivedVersion): Signature {
  const auth = instance.version === 2 && instance.authentication !== undefined
    ? `${instance.authentication.type} ${instance.authentication.type === 'PASS' ? instance.authentication.password.slice(0, 8) : ''}`.trim()
    : 'none';
  const vips = instance.virtualIpaddresses
    .filter((vip) => vip.family === instance.family)
    .map((vip) => vip.address.toLowerCase())
    .sort()
    .join(' ');
  // VRRPv3 backups adopt the master's interval (RFC 5798, keepalived too): only v2 rejects it.
  const interval = instance.version === 2 ? `${instance.advertIntervalMs / 1000} s` : 'any';
  // keepalived 2.4.3 accepts an advert with other VIPs (it logs them): no conflict there (lab).
  return { auth, vips: version === '2.4' ? '(not checked)' : vips || '(none)', interval, version: `VRRPv${instance.version}` };
}

const ASPECTS: { key: keyof Signature; name: string; line: string }[] = [
  { key: 'version', name: 'version', line: 'wrong version' },
  { key: 'auth', name: 'auth', line: 'received an invalid passwd!' },
  { key: 'interval', name: 'advert_int', line: 'advertisement interval mismatch' },
  { key: 'vips', name: 'VIPs', line: 'received an unexpected ip number count' },
];

/**
 * VRIDs that two or more configurations share on one LAN (every host given is on it) with
 * different auth, VIPs, VRRPv2 interval or version. Unicast instances only hear their peers and
 * are left out. Instances of one host count once per VRID and family.
 */
export function conflictSides(hosts: readonly { name: string; config: KeepalivedConfig }[], keepalivedVersion: KeepalivedVersion = '2.2'): VridConflict[] {
  const groups = new Map<string, { vrid: number; family: 4 | 6; members: { host: string; instance: VrrpInstance }[] }>();
  for (const host of hosts) {
    for (const instance of host.config.instances) {
      if (instance.vrid === 0 || instance.unicastPeers.length > 0) continue;
      const key = `${instance.family}/${instance.vrid}`;
      const group = groups.get(key) ?? { vrid: instance.vrid, family: instance.family, members: [] };
      if (!group.members.some((member) => member.host === host.name)) group.members.push({ host: host.name, instance });
      groups.set(key, group);
    }
  }
  const conflicts: VridConflict[] = [];
  for (const group of groups.values()) {
    const bySignature = new Map<string, { sig: Signature; members: { host: string; instance: string }[] }>();
    for (const member of group.members) {
      const sig = signature(member.instance, keepalivedVersion);
      const key = JSON.stringify(sig);
      const side = bySignature.get(key) ?? { sig, members: [] };
      side.members.push({ host: member.host, instance: member.instance.name });
      bySignature.set(key, side);
    }
    if (bySignature.size < 2) continue;
    const sides = [...bySignature.values()];
    const differing = ASPECTS.filter((aspect) => new Set(sides.map((side) => side.sig[aspect.key])).size > 1);
    const counts = new Set(sides.map((side) => (side.sig.vips === '(none)' ? 0 : side.sig.vips.split(' ').length)));
    const line = (aspect: (typeof ASPECTS)[number]): string =>
      aspect.key === 'vips' && counts.size === 1 ? 'not present in MASTER advert' : aspect.line;
    conflicts.push({
      vrid: group.vrid,
      family: group.family,
      sides: sides.map((side) => ({
        members: side.members,
        describe: differing.map((aspect) => `${aspect.name} ${side.sig[aspect.key]}`).join(', '),
      })),
      differences: differing.map((aspect) => aspect.name),
      rejectLine: differing[0] !== undefined ? line(differing[0]) : 'received an invalid passwd!',
    });
  }
  return conflicts.sort((a, b) => a.vrid - b.vrid || a.family - b.family);
}

export function describeSides(conflict: VridConflict): string {
  return conflict.sides.map((side) => `${side.members.map((m) => `${m.host}/${m.instance}`).join(', ')} (${side.describe})`).join(' vs ');
}

/**
 * `check --host`: the conflict found statically, across every host given (all taken to be on one
 * LAN). peer-mismatch names each aspect the peers disagree on; this says what it does on the LAN.
 */
export function vridConflictFindings(hosts: readonly { name: string; config: KeepalivedConfig }[], keepalivedVersion: KeepalivedVersion = '2.2'): Finding[] {
  return conflictSides(hosts, keepalivedVersion).map((conflict) => ({
    kind: 'vrid-conflict',
    severity: 'error',
    vrid: conflict.vrid,
    hosts: [...new Set(conflict.sides.flatMap((side) => side.members.map((m) => m.host)))],
    instances: conflict.sides.flatMap((side) => side.members.map((m) => at(m.host, m.instance))),
    message:
      `VRID ${conflict.vrid} (IPv${conflict.family}) has ${conflict.sides.length} configurations on one LAN that differ in ${conflict.differences.join(', ')}: ${describeSides(conflict)}. ` +
      `keepalived on each side rejects the other side's adverts ("${conflict.rejectLine}" for every one), so each side elects its own master (the VIPs on two hosts at once), ` +
      `and each master's adverts are put off by the other's: keepalived re-arms its advert timer after every packet it reads for the VRID`,
  }));
}
