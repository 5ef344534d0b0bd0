/**
 * The differential campaign: random clusters × random fault timelines, each run in the simulator
 * and on real keepalived in the lab, compared (./compare.ts). The oracle is keepalived itself, as
 * in differential testing (Csmith, Go's fuzzer): every disagreement is kept with its recording.
 *
 * A case that diverges is run on keepalived again (twice): when keepalived's own runs differ, or
 * one of them agrees with the simulator, the outcome is a race of keepalived's (a distribution,
 * not one answer) and is named so, with both outcomes; when every run of keepalived agrees with
 * the others and not with the simulator, it is a divergence: a bug until shown otherwise.
 *
 * Case `i` of seed `s` is always the same case (its own PRNG), so a divergence is rerun with its
 * seed and number alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Random } from '../sim/random.js';
import { loadHostConfig, raceVariants, runScenario, type SimulationResult } from '../sim/run.js';
import { loadScenario, type Scenario } from '../sim/scenario.js';
import { compareRuns, type Comparison, type Divergence } from './compare.js';
import { inParallel } from './pool.js';
import { readRecording, RUN_FILE } from './recording.js';
import { runLab, type LabOptions } from './run.js';

export interface CampaignCase {
  index: number;
  seed: number;
  /** The case's directory: scenario.yaml and one keepalived.conf per host. */
  dir: string;
  file: string;
  /** What the case is, in a line: hosts, versions, options, faults. */
  description: string;
}

export type CaseStatus = 'agree' | 'race' | 'diverge' | 'error';

export interface CaseOutcome {
  index: number;
  seed: number;
  file: string;
  description: string;
  status: CaseStatus;
  /** The first divergence of the first lab run, explained (race and diverge). */
  divergence?: string;
  /** Race: what each keepalived run did where it differed, and what simulate did. */
  outcomes?: string[];
  matched: number;
  largestErrorMs: number;
  labRuns: number;
  /** Where the lab runs' logs and captures are. */
  runs: string[];
  error?: string;
}

const span = (from: number, to: number): string => `${Number(from.toFixed(1))}-${Number(to.toFixed(1))} s`;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random.next() * items.length)] as T;
const int = (random: Random, low: number, high: number): number => low + Math.floor(random.next() * (high - low + 1));

interface InstancePlan {
  name: string;
  vrid: number;
  family: 4 | 6;
}

/**
 * The newer features a case may also vary (CampaignOptions.newer): track_interface weights on a
 * tracked-only interface and its link faults, accept / no_accept under VRRPv3, and unicast peers'
 * TTL ranges. Drawn from a PRNG of their own, so the rest of case `i` of seed `s` is the same case
 * with or without them (the CI slice's cases stay as they were).
 */
interface NewerPlan {
  trackInterface?: { weight: number };
  accept?: 'accept' | 'no_accept';
  /** Each host's min_ttl/max_ttl on its peers' lines (255 is what a peer on the LAN sends). */
  ttl?: { min: number; max: number };
}

function newerPlan(seed: number, index: number, version: 2 | 3, unicast: boolean): { plan: NewerPlan; random: Random } {
  const random = new Random((seed * 100_003 + index * 7919 + 0x5bd1e995) >>> 0);
  const plan: NewerPlan = {};
  if (random.chance(50)) plan.trackInterface = { weight: pick(random, [-60, -30, -10, 0, 10]) };
  if (version === 3 && random.chance(50)) plan.accept = random.chance(50) ? 'accept' : 'no_accept';
  // 0-254 discards every advert from the LAN's peers (TTL 255): a typo's split brain.
  if (unicast && random.chance(50)) plan.ttl = pick(random, [{ min: 255, max: 255 }, { min: 250, max: 255 }, { min: 0, max: 254 }]);
  return { plan, random };
}

/** Writes case `index` of the campaign `seed` under `baseDir` and returns it. */
export function generateCase(seed: number, index: number, baseDir: string, newer = false): CampaignCase {
  const random = new Random((seed * 100_003 + index * 7919) >>> 0);
  const hostCount = random.chance(30) ? 3 : 2;
  const hosts = Array.from({ length: hostCount }, (_, i) => ({ name: String.fromCharCode(65 + i), address: `10.99.0.${i + 1}` }));
  const version: 2 | 3 = random.chance(50) ? 3 : 2;
  const family: 4 | 6 = version === 3 && random.chance(25) ? 6 : 4;
  const instances: InstancePlan[] = Array.from({ length: random.chance(30) ? 2 : 1 }, (_, i) => ({ name: `VI_${i + 1}`, vrid: 51 + i, family }));
  const syncGroup = instances.length === 2 && random.chance(50);
  const unicast = family === 4 && random.chance(30);
  const advertInt = random.chance(80) ? 1 : 2;
  const password = version === 2 && random.chance(30) ? 'lab-pass' : undefined;
  const script = random.chance(55)
    ? { interval: pick(random, [1, 2]), rise: int(random, 1, 3), fall: int(random, 1, 3), weight: pick(random, [-60, -30, -20, -10, -5, 0, 10, 50]) }
    : undefined;
  const trackFile = random.chance(30) ? { weight: pick(random, [-60, -30, -10, 1]) } : undefined;
  const features: string[] = [`${hostCount} hosts`, `VRRPv${version}/IPv${family}`];
  if (instances.length === 2) features.push(syncGroup ? 'sync group of 2' : '2 instances');
  if (unicast) features.push('unicast');
  if (advertInt !== 1) features.push(`advert_int ${advertInt}`);
  if (password !== undefined) features.push('auth PASS');
  if (script !== undefined) features.push(`script weight ${script.weight} rise ${script.rise} fall ${script.fall} interval ${script.interval}`);
  if (trackFile !== undefined) features.push(`track_file weight ${trackFile.weight}`);
  const { plan: extra, random: extraRandom } = newer ? newerPlan(seed, index, version, unicast) : { plan: {} as NewerPlan, random };
  if (extra.trackInterface !== undefined) features.push(syncGroup ? 'track_interface eth1 on the group' : `track_interface eth1 weight ${extra.trackInterface.weight}`);
  if (extra.accept !== undefined) features.push(extra.accept);
  if (extra.ttl !== undefined) features.push(`unicast min_ttl ${extra.ttl.min} max_ttl ${extra.ttl.max}`);

  const dir = path.join(baseDir, `case-${String(index).padStart(4, '0')}`);
  fs.mkdirSync(dir, { recursive: true });
  const priorities = new Map<string, number>();
  const options: string[] = [];
  for (const host of hosts) {
    // Scripts run as root with script security on, as a careful user has it (keepalived -t exits 0).
    const lines: string[] = ['global_defs {', '  enable_script_security', '  script_user root', '}'];
    if (script !== undefined) {
      lines.push('vrrp_script chk_svc {', '  script "/usr/bin/pidof svc"', `  interval ${script.interval}`, `  rise ${script.rise}`, `  fall ${script.fall}`, `  weight ${script.weight}`, '}');
    }
    if (trackFile !== undefined) lines.push('track_file tf {', '  file "/etc/keepalived/tf"', `  weight ${trackFile.weight}`, '}');
    if (syncGroup) lines.push('vrrp_sync_group G {', '  group {', ...instances.map((instance) => `    ${instance.name}`), '  }', '}');
    for (const instance of instances) {
      let priority = int(random, 50, 200);
      while ([...priorities.entries()].some(([key, p]) => key.endsWith(`/${instance.name}`) && p === priority)) priority = int(random, 50, 200);
      priorities.set(`${host.name}/${instance.name}`, priority);
      const nopreempt = random.chance(20);
      const preemptDelay = !nopreempt && random.chance(15) ? int(random, 1, 5) : 0;
      if (nopreempt) options.push(`${host.name}/${instance.name} nopreempt`);
      if (preemptDelay > 0) options.push(`${host.name}/${instance.name} preempt_delay ${preemptDelay}`);
      lines.push(`vrrp_instance ${instance.name} {`, '  state BACKUP', '  interface eth0', `  virtual_router_id ${instance.vrid}`, `  priority ${priority}`, `  advert_int ${advertInt}`);
      if (version === 3) lines.push('  version 3');
      if (extra.accept !== undefined) lines.push(`  ${extra.accept}`);
      if (nopreempt) lines.push('  nopreempt');
      if (preemptDelay > 0) lines.push(`  preempt_delay ${preemptDelay}`);
      if (password !== undefined) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${password}`, '  }');
      if (unicast) {
        const ttl = extra.ttl === undefined ? '' : ` min_ttl ${extra.ttl.min} max_ttl ${extra.ttl.max}`;
        lines.push(`  unicast_src_ip ${host.address}`, '  unicast_peer {', ...hosts.filter((peer) => peer !== host).map((peer) => `    ${peer.address}${ttl}`), '  }');
      }
      const vip = family === 6 ? `fd99::${instance.vrid}/64` : `10.99.1.${instance.vrid}/24`;
      lines.push('  virtual_ipaddress {', `    ${vip}`, '  }');
      if (script !== undefined && !syncGroup) lines.push('  track_script {', '    chk_svc', '  }');
      if (trackFile !== undefined && !syncGroup) lines.push('  track_file {', '    tf', '  }');
      if (extra.trackInterface !== undefined && !syncGroup) lines.push('  track_interface {', `    eth1 weight ${extra.trackInterface.weight}`, '  }');
      lines.push('}');
    }
    if (syncGroup && (script !== undefined || trackFile !== undefined)) {
      // Tracking on the group: keepalived moves the whole group (FAULT on a weight-0 failure).
      const at = lines.indexOf('vrrp_sync_group G {') + 5;
      const tracking = [...(script !== undefined ? ['  track_script {', '    chk_svc', '  }'] : []), ...(trackFile !== undefined ? ['  track_file {', '    tf', '  }'] : [])];
      lines.splice(at, 0, ...tracking);
    }
    if (syncGroup && extra.trackInterface !== undefined) {
      // A sync group's members ignore a tracked interface's weight (keepalived -t says so): on the group, without one.
      lines.splice(lines.indexOf('vrrp_sync_group G {') + 5, 0, '  track_interface {', '    eth1', '  }');
    }
    fs.writeFileSync(path.join(dir, `${host.name}.conf`), `${lines.join('\n')}\n`);
  }
  if (options.length > 0) features.push(options.join(', '));

  // Start-up: every host at 0, or one after the other (skews of 0.5-3 s, in a random order).
  const timeline: string[] = [];
  const order = [...hosts].sort(() => random.next() - 0.5);
  let at = 0;
  for (const host of order) {
    timeline.push(`  - { at: ${at.toFixed(1)}s, host: ${host.name}, do: start }`);
    if (random.chance(60)) at = Math.round((at + random.between(0.5, 3)) * 10) / 10;
  }
  const faults: string[] = [];
  let t = Math.max(at, 0) + int(random, 6, 9);
  const faultCount = int(random, 1, 3);
  for (let i = 0; i < faultCount; i++) {
    const host = pick(random, hosts).name;
    const undo = t + int(random, 3, 8);
    const choices = ['stop', 'kill', 'link', 'partition', ...(script !== undefined ? ['service', 'service', 'hang'] : []), ...(trackFile !== undefined ? ['write', 'write'] : [])];
    const kind = pick(random, choices);
    const entry = (when: number, what: string): void => {
      timeline.push(`  - { at: ${Number(when.toFixed(1))}s, ${what} }`);
    };
    switch (kind) {
      case 'stop':
      case 'kill':
        entry(t, `host: ${host}, do: ${kind}`);
        entry(undo, `host: ${host}, do: start`);
        faults.push(`${kind} ${host} ${span(t, undo)}`);
        break;
      case 'link':
        entry(t, `host: ${host}, do: link-down`);
        entry(undo, `host: ${host}, do: link-up`);
        faults.push(`link-down ${host} ${span(t, undo)}`);
        break;
      case 'partition': {
        const others = hosts.filter((other) => other.name !== host).map((other) => other.name);
        entry(t, `do: partition, groups: [[${host}], [${others.join(', ')}]]`);
        entry(undo, 'do: heal');
        faults.push(`partition ${host} | ${others.join('+')} ${span(t, undo)}`);
        break;
      }
      case 'service':
        entry(t, `host: ${host}, do: service-stop, service: svc`);
        entry(undo, `host: ${host}, do: service-start, service: svc`);
        faults.push(`svc stopped on ${host} ${span(t, undo)}`);
        break;
      case 'hang':
        entry(t, `host: ${host}, do: script-hang, script: chk_svc`);
        entry(undo, `host: ${host}, do: script-resume, script: chk_svc`);
        faults.push(`chk_svc hangs on ${host} ${span(t, undo)}`);
        break;
      case 'write': {
        const value = pick(random, ['1', '3', '0']);
        entry(t, `host: ${host}, do: write, path: /etc/keepalived/tf, value: "${value}"`);
        entry(undo, `host: ${host}, do: rm, path: /etc/keepalived/tf`);
        faults.push(`tf=${value} on ${host} ${span(t, undo)}`);
        break;
      }
    }
    t = undo + int(random, 2, 6);
  }
  if (extra.trackInterface !== undefined) {
    // The tracked link goes down on one host and comes back (the extra PRNG: the rest stays as it was).
    // eth1, not trkN: the lab names the tracked veth pairs' other ends so.
    const host = pick(extraRandom, hosts).name;
    const down = Math.max(at, 0) + int(extraRandom, 6, Math.max(6, Math.floor(t) - 3));
    const up = down + int(extraRandom, 3, 8);
    timeline.push(`  - { at: ${down}s, host: ${host}, do: link-down, interface: eth1 }`, `  - { at: ${up}s, host: ${host}, do: link-up, interface: eth1 }`);
    faults.push(`eth1 down on ${host} ${span(down, up)}`);
    t = Math.max(t, up + 3);
  }
  const duration = Math.min(60, Math.ceil(t + 6));
  const yaml = [
    `name: campaign-${seed}-${index}`,
    `duration: ${duration}s`,
    'scripts: model',
    'hosts:',
    ...hosts.map((host) => `  ${host.name}: { config: ${host.name}.conf, address: ${host.address} }`),
    ...(script !== undefined ? ['checks:', '  chk_svc: { service: svc }'] : []),
    'timeline:',
    ...[...timeline].sort((a, b) => Number(/at: ([\d.]+)s/.exec(a)?.[1]) - Number(/at: ([\d.]+)s/.exec(b)?.[1])),
  ].join('\n');
  const file = path.join(dir, 'scenario.yaml');
  fs.writeFileSync(file, `${yaml}\n`);
  return { index, seed, dir, file, description: `${features.join('; ')}; faults: ${faults.join(', ') || 'none'}` };
}

/** The state changes of a result in a line per instance, to tell keepalived's runs apart. */
function outline(result: SimulationResult): string {
  const byInstance = new Map<string, string[]>();
  for (const record of result.records) {
    if (record.type !== 'transition' || record.silent === true || record.to === 'STOP' || record.from === 'STOP') continue;
    const key = `${record.host}/${record.instance}`;
    const list = byInstance.get(key) ?? [];
    if (list[list.length - 1]?.startsWith(record.to) !== true) list.push(`${record.to}@${record.t.toFixed(1)}`);
    byInstance.set(key, list);
  }
  return [...byInstance.entries()].sort().map(([key, list]) => `${key}: ${list.join(' ')}`).join('; ');
}

export interface CaseOptions extends Pick<LabOptions, 'keepalived'> {
  toleranceMs?: number;
  /** Lab runs of a diverging case before it is called a divergence (default 3, the first included). */
  runs?: number;
}

export async function runCase(item: CampaignCase, options: CaseOptions = {}): Promise<CaseOutcome> {
  const base = { index: item.index, seed: item.seed, file: item.file, description: item.description };
  const loaded = loadScenario(item.file);
  if (!loaded.ok) return { ...base, status: 'error', error: loaded.errors.join('; '), matched: 0, largestErrorMs: 0, labRuns: 0, runs: [] };
  const simulated = runScenario(loaded.scenario);
  if (!simulated.ok) return { ...base, status: 'error', error: simulated.errors.join('; '), matched: 0, largestErrorMs: 0, labRuns: 0, runs: [] };
  const runs: string[] = [];
  const labResults: SimulationResult[] = [];
  const limit = options.runs ?? 3;
  for (let run = 0; run < limit; run++) {
    const lab = await runLab(loaded.scenario, { keepalived: options.keepalived, outDir: path.join(item.dir, `lab-${run + 1}`) });
    if (!lab.ok) return { ...base, status: 'error', error: lab.errors.join('; '), matched: 0, largestErrorMs: 0, labRuns: run, runs };
    runs.push(lab.artifacts.dir);
    labResults.push(lab.result);
    const comparison = compareRuns(simulated.result, lab.result, { toleranceMs: options.toleranceMs });
    if (comparison.divergences.length === 0 && run === 0) {
      return { ...base, status: 'agree', matched: comparison.matched, largestErrorMs: Math.round(comparison.largestErrorS * 1000), labRuns: 1, runs };
    }
    if (comparison.divergences.length === 0) break;
  }
  return judged(base, loaded.scenario, simulated.result, labResults, runs, options);
}

/**
 * A case that did not agree at once, judged from its keepalived runs: against simulate, against the
 * other outcomes of the races simulate names (start order, preempt_delay boundary: raceVariants),
 * and against each other.
 */
function judged(
  base: Pick<CaseOutcome, 'index' | 'seed' | 'file' | 'description'>,
  scenario: Scenario,
  simulated: SimulationResult,
  labResults: readonly SimulationResult[],
  runs: string[],
  options: Pick<CaseOptions, 'toleranceMs'>,
): CaseOutcome {
  const comparisons = labResults.map((result) => compareRuns(simulated, result, { toleranceMs: options.toleranceMs }));
  const first = comparisons[0];
  const [firstRun, ...otherRuns] = labResults;
  const keepalivedDiffers = firstRun !== undefined && otherRuns.some((other) => compareRuns(firstRun, other, { toleranceMs: options.toleranceMs }).divergences.length > 0);
  // An outcome simulate names as the other side of its races, met by a keepalived run: each race
  // alone, and each start order with every preempt_delay tie taken the other way (races combine).
  const variants = raceVariants(simulated);
  const discards = variants.flatMap((variant) => (variant.kind === 'preempt-boundary' ? [variant] : []));
  const allDiscarded = Object.assign({}, ...discards.map((variant) => variant.options.preemptBoundary)) as Record<string, 'accept' | 'discard'>;
  const combined = discards.length === 0 ? [] : [
    ...(discards.length > 1 ? [{ variant: discards[0], options: { preemptBoundary: allDiscarded } }] : []),
    ...variants.flatMap((variant) => (variant.kind === 'start' ? [{ variant, options: { ...variant.options, preemptBoundary: allDiscarded } }] : [])),
  ];
  const named = [...variants.map((variant) => ({ variant, options: variant.options })), ...combined].find(({ options: variantOptions }) => {
    const other = runScenario(scenario, variantOptions);
    return other.ok && labResults.some((result) => compareRuns(other.result, result, { toleranceMs: options.toleranceMs }).divergences.length === 0);
  })?.variant;
  const verdict = classify(comparisons, keepalivedDiffers);
  const race = verdict.race || named !== undefined;
  return {
    ...base,
    status: race ? 'race' : 'diverge',
    ...divergenceText(verdict.divergence),
    outcomes: [
      `simulate: ${outline(simulated)}`,
      ...(named !== undefined ? [`simulate names this race (${named.kind === 'start' ? `start order, ${named.first} first` : `preempt_delay of ${named.tie.host} ending on an advert`}), whose other outcome keepalived took`] : []),
      ...labResults.map((result, i) => `keepalived run ${i + 1}: ${outline(result)}`),
    ],
    matched: first?.matched ?? 0,
    largestErrorMs: Math.round((first?.largestErrorS ?? 0) * 1000),
    labRuns: labResults.length,
    runs,
  };
}

/**
 * A kept case judged again from its recordings (case-NNNN/lab-N, read with ./recording.ts) and the
 * simulator as it is now: how a campaign's divergences are checked after a fix, without keepalived.
 */
export function rejudge(outcome: CaseOutcome, options: Pick<CaseOptions, 'toleranceMs'> = {}): CaseOutcome {
  const base = { index: outcome.index, seed: outcome.seed, file: outcome.file, description: outcome.description };
  const loaded = loadScenario(outcome.file);
  if (!loaded.ok) return { ...outcome, status: 'error', error: loaded.errors.join('; ') };
  const simulated = runScenario(loaded.scenario);
  if (!simulated.ok) return { ...outcome, status: 'error', error: simulated.errors.join('; ') };
  const configs = new Map(loaded.scenario.hosts.map((host) => [host.name, loadHostConfig(host, loaded.scenario.scripts, loaded.scenario.directory).config]));
  const labResults = outcome.runs.filter((dir) => fs.existsSync(path.join(dir, RUN_FILE))).map((dir) => readRecording(dir, loaded.scenario, configs));
  if (labResults.length === 0) return outcome;
  const comparisons = labResults.map((result) => compareRuns(simulated.result, result, { toleranceMs: options.toleranceMs }));
  if (comparisons[0]?.divergences.length === 0) {
    const firstComparison = comparisons[0];
    return { ...base, status: 'agree', matched: firstComparison.matched, largestErrorMs: Math.round(firstComparison.largestErrorS * 1000), labRuns: labResults.length, runs: outcome.runs };
  }
  return judged(base, loaded.scenario, simulated.result, labResults, outcome.runs, options);
}

/**
 * Race or divergence, from simulate compared with each keepalived run of a case that did not agree
 * at once. A race: a keepalived run agrees with simulate, or keepalived's runs differ from each
 * other (`keepalivedDiffers`) and no point of disagreement with simulate is common to all of them.
 * A disagreement every run of keepalived shows is a divergence, whatever else keepalived varies on;
 * it is the one named (a race names the first run's first).
 */
export function classify(comparisons: readonly Comparison[], keepalivedDiffers: boolean): { race: boolean; divergence?: Divergence } {
  const someAgree = comparisons.some((comparison) => comparison.divergences.length === 0);
  const keySets = comparisons.map((comparison) => new Set(comparison.divergences.map((d) => d.key)));
  const common = keySets.reduce((all, keys) => new Set([...all].filter((key) => keys.has(key))), keySets[0] ?? new Set<string>());
  const race = someAgree || (keepalivedDiffers && common.size === 0);
  const first = comparisons[0]?.divergences[0];
  const shared = comparisons[0]?.divergences.find((d) => common.has(d.key));
  const divergence = race ? first : shared ?? first;
  return { race, ...(divergence !== undefined ? { divergence } : {}) };
}

function divergenceText(divergence: Divergence | undefined): { divergence?: string } {
  return divergence === undefined ? {} : { divergence: `at ${divergence.t.toFixed(3)} s: ${divergence.message}` };
}

export interface CampaignOptions extends CaseOptions {
  count: number;
  seed: number;
  /** First case number (a slice of a larger campaign). */
  from?: number;
  /** Cases run at once, each in namespaces of its own. */
  jobs?: number;
  outDir: string;
  /** Also vary the newer features (newerPlan); the CI slice leaves them out. */
  newer?: boolean;
  onCase?: (outcome: CaseOutcome, done: number, total: number) => void;
}

export async function runCampaign(options: CampaignOptions): Promise<CaseOutcome[]> {
  const from = options.from ?? 0;
  const cases = Array.from({ length: options.count }, (_, i) => generateCase(options.seed, from + i, options.outDir, options.newer === true));
  return inParallel(cases, options.jobs ?? 4, async (item) => {
    const outcome = await runCase(item, options);
    // What agreed needs no recording kept: its lab runs are removed (the scenario stays).
    if (outcome.status === 'agree') for (const run of outcome.runs) fs.rmSync(run, { recursive: true, force: true });
    return outcome;
  }, (outcome, done) => options.onCase?.(outcome, done, cases.length));
}

/** The campaign's report (Markdown): the command to rerun it, the agreement rate, every race and divergence. */
export function campaignReport(outcomes: readonly CaseOutcome[], options: Pick<CampaignOptions, 'seed' | 'count' | 'from'>, seconds: number): string {
  const count = (status: CaseStatus): number => outcomes.filter((outcome) => outcome.status === status).length;
  const compared = outcomes.length - count('error');
  const lines = [
    '# vrrplab differential campaign: simulate against keepalived',
    '',
    `Rerun: \`node dist/bench/differential.js --seed ${options.seed} --count ${options.count}${options.from ? ` --from ${options.from}` : ''}\` (as root).`,
    '',
    `${outcomes.length} random scenarios in ${Math.round(seconds)} s: ${count('agree')} agree, ${count('race')} races of keepalived's, ${count('diverge')} divergences, ${count('error')} not run.`,
    `Agreement: ${compared === 0 ? 0 : ((100 * (count('agree') + count('race'))) / compared).toFixed(1)}% (races count as agreement: simulate gives one of keepalived's outcomes); without the races ${compared === 0 ? 0 : ((100 * count('agree')) / compared).toFixed(1)}%.`,
    '',
  ];
  for (const status of ['diverge', 'race', 'error'] as const) {
    const listed = outcomes.filter((outcome) => outcome.status === status);
    if (listed.length === 0) continue;
    lines.push(`## ${status === 'diverge' ? 'Divergences' : status === 'race' ? "keepalived's races" : 'Not run'}`, '');
    for (const outcome of listed) {
      lines.push(`- case ${outcome.index} (\`${outcome.file}\`): ${outcome.description}`);
      if (outcome.divergence !== undefined) lines.push(`  - first divergence ${outcome.divergence}`);
      for (const line of outcome.outcomes ?? []) lines.push(`  - ${line}`);
      if (outcome.error !== undefined) lines.push(`  - ${outcome.error}`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
