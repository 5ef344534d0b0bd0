import type { SimRecord } from '../cluster.js';
import type { Facts, InstanceInfo } from './facts.js';
import type { SimFinding } from './types.js';
import { World } from './world.js';

/**
 * A host stays MASTER while a check it tracks with a weight fails (succeeds, for `weight -N
 * reverse`), although a peer of the same VRID could hold the VIP: it runs keepalived, is BACKUP
 * (so its link is up and no weight-0 check holds it in FAULT), every weighted check it tracks
 * passes, and it hears the master (no partition between them). Longer than the takeover time, this
 * is the classic "weight too small". Checks with weight 0 need no such finding: keepalived puts
 * the instance in FAULT instead, and scripts no instance tracks do not count.
 */
export function unhealthyMaster(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const findings: SimFinding[] = [];
  const open = new Map<string, { from: number; vrid: number; host: string; checks: string[]; peers: string[]; threshold: number }>();

  const evaluate = (t: number, vrids: readonly number[]): void => {
    // Made only when some master keeps a failing check: most records find none.
    let current: Set<string> | undefined;
    let opening: Map<string, { vrid: number; host: string; checks: string[]; peers: string[]; threshold: number }> | undefined;
    for (const vrid of vrids) {
      const entry = facts.vrids.get(vrid);
      if (entry === undefined || world.masterCount(vrid) === 0) continue;
      for (const holder of world.masters(vrid)) {
        const info = entry.byHost.get(holder);
        if (info === undefined || !world.hasBadCheck(info)) continue;
        const couldHold = (peer: InstanceInfo): boolean =>
          peer.host !== holder && world.alive.has(peer.host) && world.state(peer.host, vrid) === 'BACKUP' && world.reachable(holder, peer.host) && !world.hasBadCheck(peer);
        let any = false;
        for (const peer of entry.byHost.values()) if (couldHold(peer)) any = true;
        if (!any) continue;
        const key = `${holder}\0${vrid}`;
        current ??= new Set();
        current.add(key);
        // A span already open keeps what it was opened with.
        if (open.has(key)) continue;
        const peers = [...entry.byHost.values()].filter(couldHold);
        const threshold = Math.min(...peers.map((peer) => facts.takeover(vrid, peer.host)));
        opening ??= new Map();
        opening.set(key, { vrid, host: holder, checks: world.badChecks(info), peers: peers.map((peer) => peer.host), threshold });
      }
    }
    if (open.size > 0) for (const [key, span] of open) {
      if (current?.has(key) === true || !vrids.includes(span.vrid)) continue;
      close(span, t);
      open.delete(key);
    }
    if (opening !== undefined) for (const [key, now] of opening) open.set(key, { ...now, from: t });
  };
  const close = (span: { from: number; vrid: number; host: string; checks: string[]; peers: string[]; threshold: number }, to: number): void => {
    if (to - span.from <= span.threshold) return;
    const info = facts.instance(span.host, span.vrid);
    const name = info?.name ?? `VRID ${span.vrid}`;
    const owner = info?.priority === 255 ? ' (priority 255: keepalived ignores weights for an address owner)' : '';
    findings.push({
      kind: 'unhealthy-master',
      from: span.from,
      to,
      hosts: [span.host, ...span.peers],
      instances: [`${span.host}/${name}`, ...span.peers.map((peer) => `${peer}/${facts.instance(peer, span.vrid)?.name ?? name}`)],
      message:
        `${span.host} stayed MASTER of ${name} (VRID ${span.vrid}) for ${(to - span.from).toFixed(3)} s while ${span.checks.join(', ')} failed there, ` +
        `although ${span.peers.join(', ')} passed every check and could hold it: the check's weight does not move the VIP${owner}`,
    });
  };
  for (const record of records) {
    world.apply(record);
    if (record.type === 'transition' || record.type === 'script' || record.type === 'fault') evaluate(record.t, facts.affected(record));
  }
  for (const span of open.values()) close(span, facts.durationS);
  return findings;
}
