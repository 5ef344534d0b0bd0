/**
 * Lab tier, issue 13: a hostile neighbour on the LAN. A third namespace on the bridge sends each
 * packet kind (src/wire/forge.ts) at a master (VRID 51, PASS auth, advert_int 1, priority 150)
 * with a keepalived backup (100) beside it: in bursts (3 x 20 packets, 1.7 s apart) and as a flood
 * (2,000/s for 6 s). The master is keepalived 2.2.7 on one LAN and `vrrplab run` on another, in
 * the same run (the LANs run side by side), plus `vrrplab run --hardened-receive` under the
 * floods. What each did is read from tcpdump's timestamps of the master's and the backup's
 * adverts (the largest gap between the master's adverts, a takeover = the backup advertising) and
 * from the master's log (keepalived's reject lines).
 *
 * HOSTILE_LAB_RECORD=FILE writes the measured table as JSON (test/fixtures/lab/hostile-observed.json
 * is such a record; the simulator's scenarios are checked against it in test/sim/hostile.test.ts).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labAvailable, requireLab, type Lab } from './lab.js';
import { ROOT, addresses, collect, ensureBuilt, exited, scratchDir, sleep, startDaemon, waitFor, type Daemon, type Started } from '../runtime/lab-helpers.js';
import { PACKET_KINDS, type PacketKind } from '../../src/wire/forge.js';

const SENDER = join(ROOT, 'test/lab/fixtures/hostile-sender.mjs');
const VIP = '172.16.25.100';
const MASTER = '172.16.25.1';
const BACKUP = '172.16.25.2';
const SENDER_ADDRESS = '172.16.25.3';

/** keepalived's reject line for each kind (none for valid adverts and random bytes). */
export const REJECT_LINES: Partial<Record<PacketKind, string>> = {
  'wrong-password': '(VI_1) received an invalid passwd!',
  'ttl-64': '(VI_1) invalid TTL/HL. Received 64 and expect 255',
  'bad-checksum': '(VI_1) Invalid VRRPv2 checksum',
  'no-auth': '(VI_1) received a 0 auth, expecting 1!',
  'wrong-interval': "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec",
  'vrrp-v3': '(VI_1) wrong version. Received 3 and expect 2',
  truncated: 'IPv4 VRRP packet too short - 24 bytes',
  'count-mismatch': '(VI_1) vrrp packet too short, length 40 and expect 44',
};

/** Per kind: the packets, how long until the next kind, and how long after the last packet the outcome is read. */
const BURST = { count: 20, times: 3, apartMs: 1700, caseMs: 6500, tailS: 2.5 };
const FLOOD = { rate: 2000, ms: 6000, caseMs: 8000, tailS: 1.8 };

function config(priority: number): string {
  return `global_defs {
  router_id lab
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 51
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass labpass1
  }
  virtual_ipaddress {
    ${VIP}/16 dev eth0
  }
}
`;
}

interface Step { kind: PacketKind; at: number; count: number; rate: number }

function burstPlan(): Step[] {
  return PACKET_KINDS.flatMap((kind, k) =>
    Array.from({ length: BURST.times }, (_, i) => ({ kind, at: k * BURST.caseMs + i * BURST.apartMs, count: BURST.count, rate: 0 })));
}

/** Every kind but valid adverts: what --hardened-receive must shrug off. */
const INVALID_KINDS = PACKET_KINDS.filter((kind) => kind !== 'valid');

/**
 * Valid adverts go last: keepalived answers each lower-priority one with an advert and gratuitous
 * ARPs and is still busy with that flood's backlog seconds later, which changed how it read the
 * next kind's flood.
 */
function floodPlan(kinds: readonly PacketKind[] = [...INVALID_KINDS, 'valid']): Step[] {
  return kinds.map((kind, k) => ({ kind, at: k * FLOOD.caseMs, count: (FLOOD.rate * FLOOD.ms) / 1000, rate: FLOOD.rate }));
}

/** What one master did under one kind. */
export interface CaseOutcome {
  /** Largest gap between the master's consecutive adverts from the first packet to the case's tail after the last, s. */
  maxGap: number;
  /** The backup advertised (it took over) in that window. */
  takeover: boolean;
  /** keepalived's reject line for the kind, as often as the master logged it over the whole run. */
  lines: number;
}

interface LanResult {
  daemon: string;
  outcomes: Partial<Record<PacketKind, CaseOutcome>>;
  log: string;
  /** vrrplab masters: resident memory before the sender started and the most seen while it ran, MB. */
  rss?: { before: number; max: number };
  /** vrrplab masters: keepalived.stats as SIGUSR2 wrote it at the end. */
  stats?: string;
}

interface Lan { lab: Lab; dir: string; master: Started; backup: Started; capture: ChildProcess; pcap: string }

const labs: Lab[] = [];
const dirs: { remove(): void }[] = [];

async function openLan(daemon: Daemon, extra: string[], backupDaemon: Daemon = 'keepalived'): Promise<Lan> {
  const lab = createLab({ hosts: 3 });
  labs.push(lab);
  const scratch = scratchDir('vlhostile');
  dirs.push(scratch);
  const { dir } = scratch;
  const pcap = join(dir, 'adverts.pcap');
  const capture = lab.spawn(2, ['tcpdump', '-i', 'eth0', '-U', '-n', '-w', pcap, `ip proto 112 and (src host ${MASTER} or src host ${BACKUP})`]);
  writeFileSync(join(dir, 'master.conf'), config(150));
  writeFileSync(join(dir, 'backup.conf'), config(100));
  const master = startDaemon(lab, 0, daemon, join(dir, 'master.conf'), dir, { extra: daemon === 'vrrplab' ? [...extra, '--dump-dir', dir] : extra, resources: true });
  const up = await waitFor(() => addresses(lab, 0).includes(VIP), 12_000);
  if (up < 0) throw new Error(`${daemon} master never took the VIP:\n${master.log()}`);
  const backup = startDaemon(lab, 1, backupDaemon, join(dir, 'backup.conf'), dir, { extra: backupDaemon === 'vrrplab' ? extra : [] });
  await waitFor(() => /Entering BACKUP STATE/.test(backup.log()), 5000);
  await sleep(1500);
  return { lab, dir, master, backup, capture, pcap };
}

async function runSender(lan: Lan, steps: Step[]): Promise<{ step: number; kind: PacketKind; start: number; end: number }[]> {
  const plan = { spec: { src: SENDER_ADDRESS, vrid: 51, priority: 100, password: 'labpass1', advertIntervalMs: 1000, addresses: [VIP], seed: 13 }, steps };
  const sender = collect(lan.lab.spawn(2, ['node', SENDER, join(ROOT, 'dist'), 'eth0', JSON.stringify(plan)]));
  const code = await exited(sender.child);
  if (code !== 0) throw new Error(`sender failed (${code}): ${sender.log()}`);
  return sender.log().split('\n').filter((l) => l.startsWith('{"step"')).map((l) => JSON.parse(l) as { step: number; kind: PacketKind; start: number; end: number });
}

/** (epoch s, source) of every advert the capture holds. */
function adverts(pcap: string): { t: number; src: string }[] {
  const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').filter((l) => l.length > 0).map((l) => {
    const [t, src] = l.split('\t');
    return { t: Number(t), src };
  });
}

function outcome(seen: { t: number; src: string }[], from: number, to: number, log: string, kind: PacketKind): CaseOutcome {
  const masterTimes = seen.filter((a) => a.src === MASTER).map((a) => a.t);
  let maxGap = 0;
  let previous = masterTimes.filter((t) => t <= from).at(-1) ?? from;
  for (const t of masterTimes.filter((x) => x > from && x <= to)) {
    maxGap = Math.max(maxGap, t - previous);
    previous = t;
  }
  maxGap = Math.max(maxGap, to - previous);
  const takeover = seen.some((a) => a.src === BACKUP && a.t >= from && a.t <= to);
  const line = REJECT_LINES[kind];
  const lines = line === undefined ? 0 : log.split(line).length - 1;
  return { maxGap: Math.round(maxGap * 1000) / 1000, takeover, lines };
}

async function measure(daemon: Daemon, extra: string[], mode: 'burst' | 'flood', options: { kinds?: readonly PacketKind[]; backup?: Daemon } = {}): Promise<LanResult> {
  const lan = await openLan(daemon, extra, options.backup);
  const steps = mode === 'burst' ? burstPlan() : floodPlan(options.kinds);
  const pid = lan.master.child.pid;
  const rssOf = (): number => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  const rss = daemon === 'vrrplab' ? { before: rssOf(), max: 0 } : undefined;
  const sampler = rss !== undefined ? setInterval(() => { rss.max = Math.max(rss.max, rssOf()); }, 500) : undefined;
  const sent = await runSender(lan, steps);
  await sleep(3000);
  if (sampler !== undefined) clearInterval(sampler);
  let stats: string | undefined;
  if (daemon === 'vrrplab' && pid !== undefined) {
    process.kill(pid, 'SIGUSR2');
    await waitFor(() => existsSync(join(lan.dir, 'keepalived.stats')), 3000);
    stats = existsSync(join(lan.dir, 'keepalived.stats')) ? readFileSync(join(lan.dir, 'keepalived.stats'), 'utf8') : undefined;
  }
  await lan.lab.destroy();
  const seen = adverts(lan.pcap);
  const outcomes: Partial<Record<PacketKind, CaseOutcome>> = {};
  const log = lan.master.log();
  for (const kind of PACKET_KINDS) {
    const mine = sent.filter((s) => s.kind === kind);
    if (mine.length === 0) continue;
    outcomes[kind] = outcome(seen, mine[0].start / 1000, mine.at(-1)!.end / 1000 + (mode === 'burst' ? BURST.tailS : FLOOD.tailS), log, kind);
  }
  return { daemon: `${daemon}${extra.length ? ' ' + extra.join(' ') : ''} ${mode}`, outcomes, log, rss, stats };
}

/** Steady (an advert every second), delayed (a gap up to 3 s) or silent (longer: past Master_Down_Interval). */
export function burstClass(o: CaseOutcome): 'steady' | 'delayed' | 'silent' {
  return o.maxGap < 1.35 ? 'steady' : o.maxGap <= 3 ? 'delayed' : 'silent';
}

let results: LanResult[] | undefined;

beforeAll(async () => {
  if (!labAvailable(['keepalived', 'tcpdump', 'tshark'])) return;
  await ensureBuilt();
  // The bursts beside the hardened pair's floods, then keepalived's flood and vrrplab's flood one
  // after the other: side by side on two cores, the two floods, their senders and captures starved
  // the flooded backups (whose takeovers the test reads) in one CI run of three.
  results = [
    ...(await Promise.all([
      measure('keepalived', [], 'burst'),
      measure('vrrplab', [], 'burst'),
      measure('vrrplab', ['--hardened-receive'], 'flood', { kinds: INVALID_KINDS, backup: 'vrrplab' }),
    ])),
    await measure('keepalived', [], 'flood'),
    await measure('vrrplab', [], 'flood'),
  ];
  const table = Object.fromEntries(results.map((r) => [r.daemon, r.outcomes]));
  console.log(JSON.stringify(table, null, 1));
  for (const r of results) if (r.rss !== undefined) console.log(`${r.daemon}: RSS ${r.rss.before.toFixed(1)} MB before, at most ${r.rss.max.toFixed(1)} MB`);
  if (process.env.HOSTILE_LAB_RECORD) writeFileSync(process.env.HOSTILE_LAB_RECORD, `${JSON.stringify(table, null, 1)}\n`);
}, 420_000);

afterAll(async () => {
  for (const lab of labs) await lab.destroy();
  for (const d of dirs) d.remove();
});

function result(name: string): LanResult {
  const found = results?.find((r) => r.daemon === name);
  if (found === undefined) throw new Error(`no lab result for ${name}`);
  return found;
}

describe('a hostile sender on the LAN, keepalived 2.2.7 and vrrplab run as the master in the same run', () => {
  it('bursts of each kind delay vrrplab\'s adverts exactly when they delay keepalived\'s', (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const k = result('keepalived burst').outcomes;
    const v = result('vrrplab burst').outcomes;
    const classes = PACKET_KINDS.map((kind) => [kind, burstClass(k[kind]!), burstClass(v[kind]!)]);
    expect(classes.filter(([, a, b]) => a !== b)).toEqual([]);
    // keepalived re-arms the master's timer after every packet for its VRID, valid or not.
    for (const kind of ['wrong-password', 'ttl-64', 'bad-checksum', 'no-auth', 'wrong-interval', 'vrrp-v3', 'count-mismatch'] as const) {
      expect(burstClass(k[kind]!), kind).toBe('delayed');
    }
  });

  it('vrrplab logs keepalived\'s reject line for each kind as often as keepalived does under the bursts', (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const k = result('keepalived burst').outcomes;
    const v = result('vrrplab burst').outcomes;
    for (const kind of Object.keys(REJECT_LINES) as PacketKind[]) {
      expect(k[kind]!.lines, `keepalived ${kind}`).toBeGreaterThan(0);
      expect(v[kind]!.lines, `vrrplab ${kind}`).toBe(k[kind]!.lines);
    }
  });

  it('a flood of each invalid kind that reaches the instance silences vrrplab\'s master as it silences keepalived\'s, and the backup takes over', (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const k = result('keepalived flood').outcomes;
    const v = result('vrrplab flood').outcomes;
    // Silenced: no advert for 2.5 s or more (observed 2.9-8.7 s when silenced).
    const silenced = (o: CaseOutcome): boolean => o.maxGap >= 2.5;
    const reaching = ['wrong-password', 'ttl-64', 'bad-checksum', 'no-auth', 'wrong-interval', 'vrrp-v3', 'count-mismatch'] as const;
    for (const kind of reaching) expect([kind, silenced(k[kind]!)]).toEqual([kind, true]);
    // vrrplab's master fell silent under all seven in 4 runs of 4 on their own; beside the whole
    // lab tier (CI) its log writes into the test's slow pipe once let adverts out: one may miss.
    expect(reaching.filter((kind) => silenced(v[kind]!)).length).toBeGreaterThanOrEqual(reaching.length - 1);
    // keepalived's backup took over in all seven in 4 runs of 4 on their own; once, with the whole
    // lab tier running beside it (CI), its master's silence under the bad-checksum flood stayed
    // inside the backup's Master_Down_Interval: one kind may miss, as for vrrplab below.
    expect(reaching.filter((kind) => k[kind]!.takeover).length).toBeGreaterThanOrEqual(reaching.length - 1);
    // The backup beside vrrplab's master is keepalived, flooded too: it took over in 27 of 28 such
    // floods (4 runs on their own). Once the master's event loop, busy writing the flood's log lines
    // into the test's pipe, let one advert out after 3.45 s, just inside the backup's
    // Master_Down_Interval (3.6 s); once, with the two floods side by side in CI, the master was
    // silent 9 s and 12 s under two kinds and keepalived's backup, whose scheduler serves a readable
    // socket before a due timer, never advertised. The takeover is keepalived's call: two may miss.
    expect(reaching.filter((kind) => v[kind]!.takeover).length).toBeGreaterThanOrEqual(reaching.length - 2);
    // Random bytes name other VRIDs, valid lower-priority adverts are answered at once: no takeover.
    for (const kind of ['valid', 'random'] as const) expect([kind, k[kind]!.takeover, v[kind]!.takeover]).toEqual([kind, false, false]);
    // Measured but not asserted: truncated packets reach no instance and move no timer, but
    // keepalived stops reading its socket at each one (one per wake-up) and its scheduler serves a
    // readable socket before a due timer: in 1 run of 8 its master went 3 s without advertising,
    // and in 2 its BACKUP's socket overflowed and lost the master's adverts (a takeover, beside
    // either master). vrrplab's master kept advertising in 9 runs of 10 (once 2.6 s late, its
    // event loop writing the flood's log lines into the test's busy pipe). (With the valid flood
    // first, keepalived was still busy answering it during the next flood, read only 81-903 of its
    // 12,000 packets and kept advertising: hence valid adverts last.)
  });

  it('vrrplab stays up through every flood, its memory bounded, logs each rejected packet and counts it as keepalived counts', (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const v = result('vrrplab flood');
    expect(v.log).not.toMatch(/Error|exception|heap out of memory/i);
    // Every kind's reject line, but for one flood that a loaded machine may let pass unread (CI).
    const logged = (Object.keys(REJECT_LINES) as PacketKind[]).filter((kind) => v.outcomes[kind]!.lines > 0);
    expect(logged.length).toBeGreaterThanOrEqual(Object.keys(REJECT_LINES).length - 1);
    // keepalived's counters in keepalived.stats (SIGUSR2): one per rejected packet of the counted kinds.
    const counter = (name: string): number => Number(new RegExp(`${name}: (\\d+)`).exec(v.stats ?? '')?.[1] ?? -1);
    expect([counter('Failure'), counter('TTL'), counter('Type Mismatch')]).toEqual([v.outcomes['wrong-password']!.lines, v.outcomes['ttl-64']!.lines, v.outcomes['no-auth']!.lines]);
    // keepalived counts no truncated packet; vrrplab's -D resources line (SIGUSR2) counts every drop by reason.
    expect(Number(/dropped: .*\btruncated (\d+)/.exec(v.log)?.[1] ?? -1)).toBe(v.outcomes.truncated!.lines);
    // 120,000 packets in 90 s (and 12,000 valid adverts answered, each with an advert and GARPs):
    // the heap grows until the collector catches up, and the resident set stays under 192 MB.
    expect(v.rss!.max).toBeLessThan(192);
  });

  it('a vrrplab pair with --hardened-receive keeps advertising every second through every flood of invalid packets, and the backup never takes over', (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const h = result('vrrplab --hardened-receive flood').outcomes;
    const k = result('keepalived flood').outcomes;
    for (const kind of INVALID_KINDS) {
      expect(h[kind]!.takeover, kind).toBe(false);
      expect(h[kind]!.maxGap, kind).toBeLessThan(1.35);
    }
    // Where keepalived does not hold: some flood made its backup take over.
    expect(PACKET_KINDS.some((kind) => k[kind]!.takeover)).toBe(true);
  });
});
