import type { SimRecord } from '../cluster.js';
import type { Facts, InstanceInfo } from './facts.js';
import type { SimFinding } from './types.js';
import { World } from './world.js';

/**
 * unhealthy-master: a host stays MASTER while a check it tracks with a weight fails (succeeds, for
 * `weight -N reverse`), a tracked interface with a weight is down (keepalived: a negative weight
 * counts while it is down, a positive one only while it is up), or a tracked file's value x weight
 * is below 0, although a peer of its cluster could hold the VIP. A sync group's own tracking counts
 * for each member, as the engine links it.
 *
 * Rules:
 * - A peer could hold it when it runs keepalived, is BACKUP (so its link is up and no weight-0
 *   check holds it in FAULT), every weighted check it tracks passes, no partition separates it from
 *   the master, and the two accept each other's adverts: a host of another cluster sharing the
 *   VRID (another auth_pass, VIP list, version, v2 advert_int) or one a unicast_peer list leaves
 *   out is never named.
 * - Reported when it lasts longer than the takeover time of the quickest such peer.
 * - The message names the cause, with the numbers: a peer above the master's lowered priority
 *   that has `nopreempt` (it does not take over from a lower-priority master); else the weight
 *   arithmetic (base priority and the failing checks' weights against the best peer's priority);
 *   priority 255 (keepalived ignores weights for an address owner).
 * - Checks with weight 0 need no such finding (keepalived puts the instance in FAULT instead), and
 *   scripts no instance tracks do not count.
 */
export function unhealthyMaster(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const findings: SimFinding[] = [];
  interface Span {
    from: number;
    vrid: number;
    host: string;
    checks: string[];
    /** Weighted tracked interfaces and files in their bad state, with what each adds ("eth1 down", -5). */
    tracked: { words: string; delta: number }[];
    peers: string[];
    threshold: number;
    /** The master's and the peers' effective priorities while it lasted (the lowest the master had). */
    priority: number;
    peerPriorities: Map<string, number>;
  }
  const open = new Map<string, Span>();

  const evaluate = (t: number, vrids: readonly number[]): void => {
    // Made only when some master keeps a failing check: most records find none.
    let current: Set<string> | undefined;
    let opening: Map<string, Omit<Span, 'from'>> | undefined;
    for (const vrid of vrids) {
      const entry = facts.vrids.get(vrid);
      if (entry === undefined || world.masterCount(vrid) === 0) continue;
      for (const holder of world.masters(vrid)) {
        const info = entry.byHost.get(holder);
        if (info === undefined || !world.hasBadCheck(info)) continue;
        const couldHold = (peer: InstanceInfo): boolean =>
          peer.host !== holder &&
          world.alive.has(peer.host) &&
          world.state(peer.host, vrid) === 'BACKUP' &&
          world.reachable(holder, peer.host) &&
          !world.hasBadCheck(peer) &&
          facts.sameCluster(info, peer);
        let any = false;
        for (const peer of entry.byHost.values()) if (couldHold(peer)) any = true;
        if (!any) continue;
        const key = `${holder}\0${vrid}`;
        current ??= new Set();
        current.add(key);
        // A span already open keeps what it was opened with, but follows the priorities.
        const span = open.get(key);
        if (span !== undefined) {
          span.priority = Math.min(span.priority, world.priority(info));
          for (const peer of span.peers) {
            const peerInfo = entry.byHost.get(peer);
            if (peerInfo !== undefined) span.peerPriorities.set(peer, world.priority(peerInfo));
          }
          continue;
        }
        const peers = [...entry.byHost.values()].filter(couldHold);
        const threshold = Math.min(...peers.map((peer) => facts.takeover(vrid, peer.host)));
        opening ??= new Map();
        opening.set(key, {
          vrid,
          host: holder,
          checks: world.badChecks(info),
          tracked: world.badTracked(info),
          peers: peers.map((peer) => peer.host),
          threshold,
          priority: world.priority(info),
          peerPriorities: new Map(peers.map((peer) => [peer.host, world.priority(peer)])),
        });
      }
    }
    if (open.size > 0) for (const [key, span] of open) {
      if (current?.has(key) === true || !vrids.includes(span.vrid)) continue;
      close(span, t);
      open.delete(key);
    }
    if (opening !== undefined) for (const [key, now] of opening) open.set(key, { ...now, from: t });
  };
  const close = (span: Span, to: number): void => {
    if (to - span.from <= span.threshold) return;
    const info = facts.instance(span.host, span.vrid);
    const name = info?.name ?? `VRID ${span.vrid}`;
    findings.push({
      kind: 'unhealthy-master',
      from: span.from,
      to,
      hosts: [span.host, ...span.peers],
      instances: [`${span.host}/${name}`, ...span.peers.map((peer) => `${peer}/${facts.instance(peer, span.vrid)?.name ?? name}`)],
      message:
        `${span.host} stayed MASTER of ${name} (VRID ${span.vrid}) for ${(to - span.from).toFixed(3)} s while ${badWords(span)} there, ` +
        `although ${span.peers.join(', ')} passed every check and could hold it: ${cause(facts, span, info)}`,
    });
  };
  for (const record of records) {
    world.apply(record);
    if (record.type === 'transition' || record.type === 'script' || record.type === 'fault') evaluate(record.t, facts.affected(record));
    // A priority change only moves the numbers of a span already open.
    else if (record.type === 'priority' && open.size > 0) evaluate(record.t, facts.affected(record));
  }
  for (const span of open.values()) close(span, facts.durationS);
  return findings;
}

/** Why the VIP did not move, with the numbers. */
function cause(
  facts: Facts,
  span: { vrid: number; host: string; checks: string[]; tracked: { words: string; delta: number }[]; peers: string[]; priority: number; peerPriorities: ReadonlyMap<string, number> },
  info: InstanceInfo | undefined,
): string {
  if (info?.priority === 255) return "the check's weight does not move the VIP (priority 255: keepalived ignores weights for an address owner)";
  const peers = span.peers.map((host) => ({ host, priority: span.peerPriorities.get(host) ?? facts.instance(host, span.vrid)?.priority ?? 0, info: facts.instance(host, span.vrid) }));
  const best = peers.reduce((a, b) => (b.priority > a.priority ? b : a));
  const above = peers.filter((peer) => peer.priority > span.priority);
  const arithmetic = info === undefined ? `${span.priority}` : weightSum(info, span.checks, span.tracked, span.priority);
  const blocked = above.filter((peer) => peer.info?.nopreempt === true);
  if (above.length > 0 && blocked.length === above.length) {
    const names = blocked.map((peer) => `${peer.host} (${peer.priority})`).join(', ');
    return `${names} ${blocked.length === 1 ? 'has' : 'have'} nopreempt, and a BACKUP with nopreempt does not take over from a lower-priority master (${span.host} at ${arithmetic})`;
  }
  if (above.length > 0) return `${above.map((peer) => `${peer.host} (${peer.priority})`).join(', ')} outranked ${span.host} at ${arithmetic} but did not take over`;
  return `the ${span.checks.length > 0 ? "check's " : ''}weight does not move the VIP: ${span.host}'s ${arithmetic} stays ${span.priority === best.priority ? 'equal to' : 'above'} ${best.host}'s ${best.priority}`;
}

/** "chk_nginx failed", "link eth1 was down", "track_file down read 1", joined. */
function badWords(span: { checks: readonly string[]; tracked: readonly { words: string }[] }): string {
  const parts: string[] = [];
  if (span.checks.length > 0) parts.push(`${span.checks.join(', ')} failed`);
  for (const t of span.tracked) {
    const file = /^track_file (\S+) reads (.*)$/.exec(t.words);
    parts.push(file !== null ? `track_file ${file[1]} read ${file[2]}` : `link ${t.words.replace(/ (up|down)$/, ' was $1')}`);
  }
  return parts.join(' and ');
}

/** "150 - 60 (chk_nginx) = 90", "110 - 5 (eth1 down) = 105": the base priority, the bad checks' weights, and what they give. */
function weightSum(info: InstanceInfo, checks: readonly string[], tracked: readonly { words: string; delta: number }[], effective: number): string {
  const terms = info.weighted.filter((link) => checks.includes(link.script)).map((link) => {
    // A failing check adds its (negative) weight; a reverse one succeeding subtracts a positive one.
    const delta = link.reverse ? -Math.abs(link.weight) : link.weight;
    return `${delta < 0 ? '-' : '+'} ${Math.abs(delta)} (${link.script})`;
  });
  // A positive interface weight counts only while the link is up: down, it adds nothing.
  for (const t of tracked) terms.push(`${t.delta < 0 ? '-' : '+'} ${Math.abs(t.delta)} (${t.words})`);
  return terms.length === 0 ? `${effective}` : `${info.priority} ${terms.join(' ')} = ${effective}`;
}
