import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { explore, mergeShrunk, type Budget, type ExploreResult, type ExploreSummary } from '../../explore/explore.js';
import type { Shrunk } from '../../explore/explorer.js';
import { failureKey } from '../../explore/judge.js';
import { scheduleScenario } from '../../explore/plan.js';
import { failureJson, failureReports, formatText, racesFromJson, summaryJson, type FailureReport } from '../../explore/report.js';
import { exploreSpace, modelNotes, scenarioFromHosts, type Fault } from '../../explore/space.js';
import { parseDuration, loadScenario, parseScenario, type Scenario } from '../../sim/scenario.js';
import { parseHostSpecs } from '../hosts.js';
import { DEFAULT_KEEPALIVED_VERSION, keepalivedRelease, parseKeepalivedVersion, type KeepalivedVersion } from '../../config/version.js';
import { loadHostConfig, runScenario } from '../../sim/run.js';
import { progressReporter } from '../progress.js';
import { UsageError } from '../usage.js';

interface ExploreCliOptions {
  host: string[];
  to: string[];
  keepalivedVersion?: string;
  budget: string;
  depth: string;
  seed: string;
  workers?: string;
  shard?: string;
  out: string;
  json?: boolean;
  html?: string;
  failOn?: string;
  confirm?: boolean;
  confirmJobs?: string;
  keepalived?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('search the space of faults for the ways a cluster ends up wrong, from its configs alone; `explore merge RESULT.jsonl ...` joins shards')
    .argument('[inputs...]', 'a scenario file (its hosts, models and timeline prefix), or: merge RESULT.jsonl ...')
    .option('--host <NAME=DIR>', 'a host as a directory copy of its files, as for check --host (repeat)', collect, [])
    .option('--to <NAME=DIR>', 'a rollout: the host\'s new configuration as a directory copy (repeat); searches the orders, reload or restart, and gaps of rolling it out over the --host cluster', collect, [])
    .option('--budget <60s|N>', 'wall time (60s, 2m, 1m30s) or a number of schedules (deterministic output)', '60s')
    .option('--depth <n>', 'most faults in one schedule', '2')
    .option('--seed <n>', 'seed for the random phase and the simulator', '1')
    .option('--workers <n>', 'worker processes (default: one per core)')
    .option('--shard <I/N>', 'explore shard I (0-based) of N; join the --json outputs with explore merge')
    .option('--out <dir>', 'where the failing scenarios are written', 'explore-out')
    .option('--keepalived-version <v>', "the keepalived the hosts run: 2.2 (2.2.7) or 2.4 (2.4.3: auth_hmac); default the scenario's keepalived-version, else 2.2")
    .option('--json', 'JSON lines: one per failure, then a summary')
    .option('--html <file>', 'write the timelines of the minimal failing scenarios')
    .option('--fail-on <kinds>', 'exit 1 when a failure of these kinds is found (comma-separated)')
    .option('--confirm', 'run each failure\'s scenario on real keepalived in network namespaces (root) and mark it confirmed or not reproduced')
    .option('--confirm-jobs <n>', 'with --confirm: lab runs at once', '4')
    .option('--keepalived <path>', 'with --confirm: the keepalived binary (default: keepalived on PATH)')
    .action(async (inputs: string[], options: ExploreCliOptions) => {
      try {
        process.exitCode = inputs[0] === 'merge' ? await merge(inputs.slice(1), options) : options.to.length > 0 ? await runRollout(inputs, options) : await run(inputs, options);
      } catch (error) {
        process.stderr.write(`vrrplab explore: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 2;
      }
    });
}


/**
 * The keepalived version the search models (--keepalived-version), and with --confirm what real
 * keepalived needs: root, and a binary of that version (a 2.4 config's auth_hmac block means
 * nothing to 2.2.7, so its runs would not be the ones simulated).
 */
async function versionAndConfirm(options: ExploreCliOptions): Promise<KeepalivedVersion | undefined> {
  const version = options.keepalivedVersion === undefined ? undefined : parseKeepalivedVersion(options.keepalivedVersion);
  if (version === null) throw new UsageError(`--keepalived-version ${options.keepalivedVersion}: give 2.2 or 2.4`);
  if (options.confirm !== true) return version;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new UsageError('--confirm needs root (network namespaces, keepalived)');
  const { keepalivedBinaryRelease } = await import('../../lab/run.js');
  const binary = options.keepalived ?? 'keepalived';
  const release = keepalivedBinaryRelease(binary);
  const wanted = version ?? DEFAULT_KEEPALIVED_VERSION;
  if (release !== undefined && !release.startsWith(`${wanted}.`)) {
    throw new UsageError(`--confirm: ${binary} is keepalived ${release}, and the search modelled ${keepalivedRelease(wanted)}: give --keepalived PATH of a keepalived ${wanted} build${release.startsWith('2.2.') || release.startsWith('2.4.') ? `, or --keepalived-version ${release.slice(0, 3)}` : ''}`);
  }
  return version;
}

async function run(inputs: string[], options: ExploreCliOptions): Promise<number> {
  const seed = integer(options.seed, '--seed');
  const depth = integer(options.depth, '--depth', 1);
  const budget = parseBudget(options.budget);
  const workers = options.workers === undefined ? Math.max(1, os.availableParallelism()) : integer(options.workers, '--workers', 1);
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const failOn = parseKinds(options.failOn);
  const confirmJobs = integer(options.confirmJobs ?? '4', '--confirm-jobs', 1);
  const version = await versionAndConfirm(options);
  const loadedBase = baseScenario(inputs, options.host, seed);
  if (loadedBase === undefined) return 2;
  const base = version !== undefined ? { ...loadedBase, keepalivedVersion: version } : loadedBase;

  const progress = progressReporter('exploring');
  const started = Date.now();
  const result = await explore(base, {
    seed,
    depth,
    budget,
    workers,
    ...(shard !== undefined ? { shard } : {}),
    onProgress: ({ done, total, failures, elapsedMs }) => {
      const fraction = Math.min(1, total !== undefined ? done / total : budget.kind === 'time' ? elapsedMs / budget.ms : 0);
      const left = total !== undefined ? (done > 0 ? ((total - done) * elapsedMs) / done : 0) : budget.kind === 'time' ? budget.ms - elapsedMs : 0;
      progress.update(fraction, `${done} schedules, ${failures} failing, ${Math.max(0, Math.round(left / 1000))} s left`);
    },
  });
  progress.done();
  const space = exploreSpace(base);
  const reports = failureReports(result, (schedule) => scheduleScenario(space, schedule), base.timeline.length > 0);
  await emit(reports, result.summary, options, modelNotes(space));
  if (!options.json) process.stderr.write(`explore: ${result.summary.schedules} schedules in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (options.confirm === true && reports.length > 0) {
    const { confirmFailures, formatConfirmations } = await import('../../explore/confirm.js');
    const confirming = progressReporter('confirming on keepalived');
    const confirmations = await confirmFailures(space, reports.map((report) => ({
      name: report.name,
      file: path.join(options.out, `${report.name}.yaml`),
      kinds: report.kinds,
      schedule: { faults: report.faults, ...(report.start !== undefined ? { start: report.start } : {}) },
      ...(report.races !== undefined ? { races: report.races } : {}),
    })), { jobs: confirmJobs, keepalived: options.keepalived, onProgress: (done, total) => confirming.update(done / total, `${done} of ${total} lab runs`) });
    confirming.done();
    if (options.json) for (const confirmation of confirmations) process.stdout.write(`${JSON.stringify({ type: 'confirmation', ...confirmation })}\n`);
    else process.stdout.write(formatConfirmations(confirmations));
    // Only what keepalived confirmed fails the gate.
    const confirmedKinds = confirmations.filter((c) => c.status === 'confirmed').flatMap((c) => c.kinds);
    return confirmedKinds.some((kind) => failOn.has(kind)) ? 1 : 0;
  }
  return reports.some((report) => report.kinds.some((kind) => failOn.has(kind))) ? 1 : 0;
}

/** `explore --host A=old/A ... --to A=new/A ...`: the ways to roll a change out (../../explore/rollout.ts). */
async function runRollout(inputs: string[], options: ExploreCliOptions): Promise<number> {
  if (inputs.length > 0) throw new UsageError('--to explores a rollout over the cluster given with --host NAME=DIR, not a scenario file');
  if (options.shard !== undefined) throw new UsageError('--to does not take --shard: the rollout search runs in one process');
  const seed = integer(options.seed, '--seed');
  const budget = parseBudget(options.budget);
  const failOn = parseKinds(options.failOn);
  const confirmJobs = integer(options.confirmJobs ?? '4', '--confirm-jobs', 1);
  const directories = (specs: string[], flag: string) => {
    const parsed = parseHostSpecs(specs);
    if (!parsed.ok) throw new UsageError(parsed.error.replace('--host', flag));
    return parsed.hosts.map(({ name, root }) => {
      if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`${flag} ${name}: host directory ${root} not found`);
      return { name, root };
    });
  };
  const { rolloutSpace, exploreRollout, RolloutRunner } = await import('../../explore/rollout.js');
  const { rolloutReportItems, formatRolloutText, rolloutJsonLines } = await import('../../explore/rollout-report.js');
  const version = await versionAndConfirm(options);
  const space = rolloutSpace({ from: directories(options.host, '--host'), to: directories(options.to, '--to'), seed, ...(version !== undefined ? { keepalivedVersion: version } : {}) });
  const progress = progressReporter('exploring rollouts');
  const result = exploreRollout(space, {
    ...(budget.kind === 'time' ? { budgetMs: budget.ms } : { maxSchedules: budget.schedules }),
    onProgress: (done, total, failing) => progress.update(total > 0 ? done / total : 1, `${done} of ${total} schedules, ${failing} failing`),
  });
  progress.done();
  const items = rolloutReportItems(result);
  const files = new Map<string, string>();
  if (items.length > 0) fs.mkdirSync(options.out, { recursive: true });
  for (const item of items) {
    const file = path.join(options.out, `${item.name}.yaml`);
    fs.writeFileSync(file, item.yaml);
    files.set(item.name, file);
  }
  process.stdout.write(options.json ? rolloutJsonLines(result, items, files) : formatRolloutText(result, items, files));
  // The timelines of the rollouts shown (the safe one's kinds are none).
  if (options.html !== undefined) await writeHtml(items.map((item) => ({ name: item.name, yaml: item.yaml, kinds: item.kind === 'safe' ? ['safe'] : item.kinds })), options.html, `vrrplab explore --to: ${result.unsafe.length} unsafe rollout${result.unsafe.length === 1 ? '' : 's'}${result.safe !== undefined ? ', one safe' : ', none safe'}`);
  const failing = result.unsafe.some((failure) => failure.kinds.some((kind) => failOn.has(kind)));
  if (options.confirm !== true || items.length === 0) return failing ? 1 : 0;
  const { confirmRollouts, formatRolloutConfirmations } = await import('../../explore/rollout-confirm.js');
  const confirming = progressReporter('confirming on keepalived');
  const confirmations = await confirmRollouts(new RolloutRunner(space), items.map((item) => ({ ...item, file: files.get(item.name) ?? '' })), {
    jobs: confirmJobs,
    keepalived: options.keepalived,
    onProgress: (done, total) => confirming.update(done / total, `${done} of ${total} lab runs`),
  });
  confirming.done();
  if (options.json) for (const confirmation of confirmations) process.stdout.write(`${JSON.stringify({ type: 'rollout-confirmation', ...confirmation })}\n`);
  else process.stdout.write(formatRolloutConfirmations(confirmations));
  // Only what keepalived confirmed fails the gate.
  return confirmations.some((c) => c.status === 'confirmed' && c.kinds.some((kind) => failOn.has(kind))) ? 1 : 0;
}

/** Join the --json outputs of shards: the same failures one unsharded run would report. */
async function merge(files: string[], options: ExploreCliOptions): Promise<number> {
  if (files.length === 0) throw new UsageError('explore merge: give the RESULT.jsonl files of the shards');
  const failOn = parseKinds(options.failOn);
  const shrunk: Shrunk[] = [];
  const yamlByKey = new Map<string, FailureReport>();
  const summaries: ExploreSummary[] = [];
  for (const file of files) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new UsageError(`${file}:${index + 1}: not a JSON line`);
      }
      if (!isRecord(value)) throw new UsageError(`${file}:${index + 1}: expected a JSON object`);
      if (value['type'] === 'summary') summaries.push(value as unknown as ExploreSummary);
      else if (value['type'] === 'failure') {
        const report = reportFromJson(value, `${file}:${index + 1}`);
        const schedule = { phase: 'single' as const, faults: report.faults, ...(report.start !== undefined ? { start: report.start } : {}) };
        const item: Shrunk = {
          origin: { index: report.origin.schedule, phase: report.origin.phase as Shrunk['origin']['phase'], kinds: report.kinds, key: report.origin.key },
          key: failureKey(report.kinds, schedule),
          kinds: report.kinds,
          schedule,
          findings: report.findings,
        };
        shrunk.push(item);
        yamlByKey.set(`${item.key}\0${item.origin.index}`, report);
      }
    });
  }
  const merged = mergeShrunk(shrunk);
  const reports = merged.map((item, i) => {
    const report = yamlByKey.get(`${item.key}\0${item.origin.index}`) as FailureReport;
    const name = `${String(i + 1).padStart(2, '0')}-${report.name.replace(/^\d+-/, '')}`;
    return { ...report, name, yaml: report.yaml.replace(/^name: .*$/m, `name: ${name}`), ...(item.alike !== undefined ? { alike: item.alike } : {}) };
  });
  const summary: ExploreSummary = {
    schedules: summaries.reduce((sum, item) => sum + item.schedules, 0),
    seconds: Math.max(0, ...summaries.map((item) => item.seconds)),
    failures: reports.length,
    exhaustiveDepth: summaries.length === 0 ? -1 : Math.min(...summaries.map((item) => item.exhaustiveDepth)),
    phases: summaries[0]?.phases ?? [],
    excused: {},
  };
  const excused: Record<string, number> = {};
  for (const item of summaries) for (const [kind, count] of Object.entries(item.excused)) excused[kind] = (excused[kind] ?? 0) + count;
  // Sorted by kind, as one unsharded run writes them.
  for (const kind of Object.keys(excused).sort()) summary.excused[kind] = excused[kind];
  const shards = new Set(summaries.map((item) => item.shard?.count));
  if (summaries.some((item) => item.shard === undefined) || shards.size !== 1 || new Set(summaries.map((item) => item.shard?.index)).size !== summaries.length) {
    process.stderr.write(`explore merge: warning: the inputs are not one complete set of shards (${summaries.length} summaries)\n`);
  }
  await emit(reports, summary, { ...options, html: undefined });
  return reports.some((report) => report.kinds.some((kind) => failOn.has(kind))) ? 1 : 0;
}

async function emit(reports: FailureReport[], summary: ExploreSummary, options: ExploreCliOptions, notes: readonly string[] = []): Promise<void> {
  const files = new Map<string, string>();
  if (reports.length > 0) {
    fs.mkdirSync(options.out, { recursive: true });
    for (const report of reports) {
      const file = path.join(options.out, `${report.name}.yaml`);
      fs.writeFileSync(file, report.yaml);
      files.set(report.name, file);
    }
  }
  const chunks: string[] = [];
  if (options.json) {
    for (const report of reports) chunks.push(`${failureJson(report)}\n`);
    chunks.push(`${summaryJson(summary)}\n`);
  } else {
    // What the simulation leaves out comes first, where a reader starts.
    if (notes.length > 0) chunks.push(`Not modelled (keepalived would do this; the search did not):\n${notes.map((note) => `  ${note}\n`).join('')}\n`);
    chunks.push(formatText(reports, summary, files));
  }
  process.stdout.write(chunks.join(''));
  if (options.html !== undefined) await writeHtml(reports, options.html);
}

async function writeHtml(reports: readonly Pick<FailureReport, 'name' | 'yaml' | 'kinds'>[], file: string, title?: string): Promise<void> {
  const { renderReport, writeReportFile } = await import('../../report/html.js');
  const { simulationTimeline } = await import('../../report/simulation.js');
  const timelines = reports.flatMap((report) => {
    const parsed = parseScenario(report.yaml, process.cwd(), `${report.name}.yaml`);
    if (!parsed.ok) return [];
    const outcome = runScenario(parsed.scenario);
    return outcome.ok ? [simulationTimeline(outcome.result, `${report.name}: ${report.kinds.join(', ')}`)] : [];
  });
  writeReportFile(file, renderReport({ title: title ?? `vrrplab explore: ${reports.length} failure${reports.length === 1 ? '' : 's'}`, timelines }));
}

function baseScenario(inputs: string[], hosts: string[], seed: number): Scenario | undefined {
  if (inputs.length > 1) throw new UsageError('give one scenario file, or --host NAME=DIR for each host');
  const file = inputs[0];
  if (file !== undefined && hosts.length > 0) throw new UsageError('give a scenario file or --host NAME=DIR, not both');
  if (file !== undefined) {
    const loaded = loadScenario(file);
    if (!loaded.ok) {
      for (const error of loaded.errors) process.stderr.write(`${error}\n`);
      return undefined;
    }
    return { ...loaded.scenario, seed };
  }
  if (hosts.length === 0) throw new UsageError('give a scenario file or --host NAME=DIR for each host');
  const specs = parseHostSpecs(hosts);
  if (!specs.ok) throw new UsageError(specs.error);
  const directories = specs.hosts.map(({ name, root }) => {
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`host directory ${root} not found`);
    return { name, root };
  });
  return scenarioFromHosts(directories, seed);
}

function parseBudget(text: string): Budget {
  if (/^\d+$/.test(text)) return { kind: 'count', schedules: Number(text) };
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0 || /^\s*\d+(\.\d+)?\s*$/.test(text)) throw new UsageError(`--budget: expected a time such as 60s or a number of schedules (got ${text})`);
  return { kind: 'time', ms };
}

function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) throw new UsageError(`--shard: expected I/N with 0 <= I < N (got ${text})`);
  return { index, count };
}

function parseKinds(text: string | undefined): Set<string> {
  return new Set((text ?? '').split(',').map((kind) => kind.trim()).filter((kind) => kind !== ''));
}

function integer(text: string, flag: string, minimum = 0): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw new UsageError(`${flag}: expected an integer >= ${minimum} (got ${text})`);
  return value;
}

function reportFromJson(value: Record<string, unknown>, where: string): FailureReport {
  const kinds = value['kinds'];
  const faults = value['faults'];
  const origin = value['origin'];
  if (!Array.isArray(kinds) || !Array.isArray(faults) || !isRecord(origin) || typeof value['scenario'] !== 'string' || typeof value['name'] !== 'string') {
    throw new UsageError(`${where}: not a failure line of vrrplab explore --json`);
  }
  const start = isRecord(value['start']) ? { order: value['start']['order'] as string[], skewMs: Number(value['start']['skew']) * 1000 } : undefined;
  const races = racesFromJson(value['race']);
  return {
    name: value['name'],
    kinds: kinds.map(String),
    faults: faults.map((fault: Record<string, unknown>) => {
      const { at, until, ...rest } = fault;
      return { ...rest, at: Math.round(Number(at) * 1000), ...(until !== undefined ? { until: Math.round(Number(until) * 1000) } : {}) } as unknown as Fault;
    }),
    ...(start !== undefined ? { start } : {}),
    findings: Array.isArray(value['findings']) ? (value['findings'] as FailureReport['findings']) : [],
    prefix: value['prefix'] === true,
    yaml: value['scenario'],
    origin: { schedule: Number(origin['schedule']), phase: String(origin['phase']), key: String(origin['key']) },
    ...(races !== undefined ? { races } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type { ExploreResult };

