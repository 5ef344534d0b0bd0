import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { formatFinding } from '../../sim/format.js';
import type { Shrunk } from '../../explore/explorer.js';
import { runScenario, type SimulationResult } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario.js';

/** The repository (or installed package) root: examples/ lives there. */
function packageRoot(): string {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(directory, 'examples', 'scenarios')) && path.dirname(directory) !== directory) directory = path.dirname(directory);
  return directory;
}

const FAULTS = [
  { id: 'keepalived-restart', title: 'Fault 1: keepalived on A stops at 12 s and starts again at 20 s' },
  { id: 'haproxy-restart', title: 'Fault 2: haproxy on A stops at 12 s and is started again at 20 s' },
] as const;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the seed story: both faults with the buggy and the fixed notify script, side by side')
    .option('--out <dir>', 'where to write the HTML reports', 'out')
    .option('--no-html', 'skip the HTML reports')
    .action(async (options: { out: string; html: boolean }) => {
      const root = packageRoot();
      const write = (text: string) => process.stdout.write(text);
      write('vrrplab demo: the "VIP collective drift" (examples/seed, examples/scenarios)\n');
      write('Two hosts, VI_1 (VIP .10) at home on A and VI_2 (VIP .11) at home on B; both track chk_haproxy with weight 2.\n');
      write('The buggy notify.sh stops haproxy on BACKUP and FAULT; the fixed one only notifies.\n\n');
      let failures = 0;
      for (const fault of FAULTS) {
        const results: SimulationResult[] = [];
        for (const variant of ['buggy', 'fixed'] as const) {
          const file = path.join(root, 'examples', 'scenarios', `seed-${variant}-${fault.id}.yaml`);
          const loaded = loadScenario(file);
          if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
          const outcome = runScenario(loaded.scenario);
          if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
          results.push(outcome.result);
        }
        const [buggy, fixed] = results as [SimulationResult, SimulationResult];
        write(`${fault.title}\n`);
        write(sideBySide(buggy, fixed));
        write('\n  buggy, what happened:\n');
        for (const finding of buggy.findings) write(`    ${formatFinding(finding)}\n`);
        write(`  fixed: ${fixed.findings.length === 0 ? 'no findings, the VIPs are back home' : fixed.findings.map((finding) => finding.kind).join(', ')}\n`);
        if (!buggy.findings.some((finding) => finding.kind === 'collective-drift') || fixed.findings.length > 0) failures++;
        if (options.html) {
          try {
            const { writeComparisonReport } = await import('../../report/simulation.js');
            fs.mkdirSync(options.out, { recursive: true });
            const target = path.join(options.out, `demo-${fault.id}.html`);
            writeComparisonReport(buggy, fixed, target);
            write(`  report: ${target} (buggy and fixed side by side)\n`);
          } catch (error) {
            write(`  (no HTML report: ${error instanceof Error ? error.message : String(error)})\n`);
          }
        }
        write('\n');
      }
      write('Why: every BACKUP transition runs notify_backup, which stops haproxy on that host. chk_haproxy then fails there and\n');
      write('lowers the effective priority of *every* instance on the host at once, so one host wins them all and the other\n');
      write('cannot win any back. Try it: vrrplab simulate examples/scenarios/seed-buggy-keepalived-restart.yaml\n');
      write('and: vrrplab check --host A=examples/seed/buggy/A --host B=examples/seed/buggy/B\n\n');
      if (!(await exploreSeed(root, write))) failures++;
      if (failures > 0) process.exitCode = 1;
    });
}

/** Schedules explore runs per pair in the demo: every single fault and pair, and some random ones. */
const EXPLORE_BUDGET = 2000;

/**
 * The demo's last part: the same failures found by `explore` from the host directories alone,
 * before any scenario was written; the fixed pair stays clean. True when that is what happened.
 */
async function exploreSeed(root: string, write: (text: string) => void): Promise<boolean> {
  const { explore } = await import('../../explore/explore.js');
  const { scenarioFromHosts } = await import('../../explore/space.js');
  write('Explore: the same failures, found from the configs alone before any scenario was written\n');
  let asExpected = true;
  for (const variant of ['buggy', 'fixed'] as const) {
    const hosts = ['A', 'B'].map((name) => ({ name, root: path.join(root, 'examples', 'seed', variant, name) }));
    write(`  vrrplab explore --host A=examples/seed/${variant}/A --host B=examples/seed/${variant}/B --budget ${EXPLORE_BUDGET}\n`);
    const { failures, summary } = await explore(scenarioFromHosts(hosts, 1), { seed: 1, depth: 2, budget: { kind: 'count', schedules: EXPLORE_BUDGET }, workers: Math.min(2, os.availableParallelism()) });
    const depth = summary.exhaustiveDepth >= 2 ? 'every single fault and every pair tried' : `exhaustive to depth ${summary.exhaustiveDepth}`;
    write(`  ${variant}: ${failures.length === 0 ? 'no failure' : `${failures.length} distinct failures`} in ${summary.schedules} schedules (${depth})\n`);
    const single = failures.filter((failure) => failure.schedule.faults.length <= 1);
    // One line per set of kinds, naming the single faults (or start orders) that cause it.
    const byKinds = new Map<string, string[]>();
    for (const failure of single) {
      const kinds = failure.kinds.join(', ');
      byKinds.set(kinds, [...(byKinds.get(kinds) ?? []), shortFault(failure)]);
    }
    for (const [kinds, causes] of byKinds) write(`    ${kinds}, after any one of:\n${wrap(causes.join(', '), 6, 100)}\n`);
    const more = failures.length - single.length;
    if (more > 0) write(`    ... and ${more} more that ${more === 1 ? 'needs' : 'need'} two faults (vrrplab explore lists ${more === 1 ? 'it' : 'them all'})\n`);
    const found = (what: string) => single.some((failure) => failure.schedule.faults.some((fault) => fault.do === what) && failure.kinds.includes('collective-drift') && failure.kinds.includes('stranded-service'));
    if (variant === 'buggy' && !(found('stop') && found('service-stop'))) asExpected = false;
    if (variant === 'fixed' && (failures.length > 0 || summary.exhaustiveDepth < 2)) asExpected = false;
  }
  return asExpected;
}

/** A failure's one fault (or start race) in a few words, for the demo's summary. */
function shortFault(failure: Shrunk): string {
  const start = failure.schedule.start;
  if (start !== undefined) return `${start.order.slice(1).join(', ')} started ${start.skewMs >= 1000 ? `${start.skewMs / 1000} s` : `${start.skewMs} ms`} after ${start.order[0] ?? ''}`;
  const fault = failure.schedule.faults[0];
  if (fault === undefined) return 'no fault at all';
  const forGood = fault.until === undefined;
  switch (fault.do) {
    case 'stop':
      return forGood ? `keepalived stopped on ${fault.host}` : `keepalived restart on ${fault.host}`;
    case 'kill':
      return forGood ? `keepalived killed on ${fault.host}` : `kill -9 and restart on ${fault.host}`;
    case 'service-stop':
      return `${fault.service} restart on ${fault.host}`;
    case 'link-down':
      return `link flap on ${fault.host}${fault.interface !== undefined ? ` ${fault.interface}` : ''}`;
    case 'touch':
    case 'rm':
      return `${fault.do} ${fault.path} on ${fault.host}`;
    case 'script-hang':
      return `${fault.script} hanging on ${fault.host}`;
    case 'write':
      return `${fault.value} in ${fault.path} on ${fault.host}`;
    case 'partition':
      return 'a partition';
    case 'loss':
      return forGood ? "lasting packet loss" : `a ${((fault.until ?? fault.at) - fault.at) / 1000} s loss burst`;
    case 'delay':
      return 'delayed packets';
    case 'clock-step':
      return `a clock step on ${fault.host}`;
  }
}

function wrap(text: string, indent: number, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines.map((item) => `${' '.repeat(indent)}${item}`).join('\n');
}

function sideBySide(buggy: SimulationResult, fixed: SimulationResult): string {
  const rows: [string, string, string][] = [['', 'buggy notify.sh', 'fixed notify.sh']];
  for (const host of buggy.scenario.hosts) {
    const list = (result: SimulationResult) => (result.vips[host.name] ?? []).join(' ') || '-';
    rows.push([`VIPs on ${host.name} at the end`, list(buggy), list(fixed)]);
  }
  const services = (result: SimulationResult) =>
    result.scenario.hosts.map((host) => `${host.name} ${result.services[host.name]?.['haproxy'] === false ? 'DOWN' : 'up'}`).join(', ');
  rows.push(['haproxy at the end', services(buggy), services(fixed)]);
  const findings = (result: SimulationResult) => {
    const counts = new Map<string, number>();
    for (const finding of result.findings) counts.set(finding.kind, (counts.get(finding.kind) ?? 0) + 1);
    return counts.size === 0 ? 'none' : [...counts].map(([kind, count]) => (count > 1 ? `${kind} x${count}` : kind)).join(', ');
  };
  rows.push(['findings', findings(buggy), findings(fixed)]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) => `  ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('   ')}`.trimEnd()).join('\n') + '\n';
}
