import type { Command } from 'commander';
import { SIM_FINDING_KINDS, type SimFindingKind } from '../../sim/findings.js';
import { formatJsonLines, formatTimeline } from '../../sim/format.js';
import { runScenario } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario.js';
import { progressReporter } from '../progress.js';
import { parseKeepalivedVersion } from '../../config/version.js';

interface SimulateOptions {
  json?: boolean;
  seed?: string;
  failOn?: string;
  html?: string;
  keepalivedVersion?: string;
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('run a cluster of keepalived.conf hosts in virtual time with injected faults, and name what went wrong')
    .argument('<scenario>', 'scenario file (YAML)')
    .option('--json', 'JSON lines: transitions, notifies, events, then a summary')
    .option('--seed <n>', 'PRNG seed for script timing, jitter and loss (default: the scenario\'s, else 1)')
    .option('--fail-on <kinds>', `exit 1 when any of these findings occur (${SIM_FINDING_KINDS.join(', ')})`)
    .option('--html <file>', 'also write a self-contained HTML timeline')
    .option('--keepalived-version <v>', 'the keepalived the hosts run: 2.2 (2.2.7) or 2.4 (2.4.3: auth_hmac); default the scenario\'s keepalived-version, else 2.2')
    .action(async (file: string, options: SimulateOptions) => {
      const keepalivedVersion = options.keepalivedVersion === undefined ? undefined : parseKeepalivedVersion(options.keepalivedVersion);
      if (keepalivedVersion === null) {
        process.stderr.write(`--keepalived-version ${options.keepalivedVersion}: give 2.2 or 2.4\n`);
        process.exitCode = 2;
        return;
      }
      const loaded = loadScenario(file);
      if (!loaded.ok) {
        for (const error of loaded.errors) process.stderr.write(`${error}\n`);
        process.exitCode = 2;
        return;
      }
      for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
      const seed = options.seed === undefined ? undefined : Number(options.seed);
      if (seed !== undefined && !Number.isInteger(seed)) {
        process.stderr.write(`--seed: expected an integer (got ${options.seed})\n`);
        process.exitCode = 2;
        return;
      }
      const failOn = parseFailOn(options.failOn);
      if (failOn === undefined) {
        process.stderr.write(`--fail-on: expected a comma-separated list of ${SIM_FINDING_KINDS.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      const progress = progressReporter('simulating');
      const outcome = runScenario(loaded.scenario, {
        seed,
        ...(keepalivedVersion !== undefined ? { keepalivedVersion } : {}),
        startRaces: true,
        preemptRaces: true,
        onProgress: (virtualMs, totalMs) => progress.update(virtualMs / totalMs, `${Math.round(virtualMs / 1000)} s of ${Math.round(totalMs / 1000)} s`),
      });
      progress.done();
      if (!outcome.ok) {
        for (const error of outcome.errors) process.stderr.write(`${error}\n`);
        process.exitCode = 1;
        return;
      }
      for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
      process.stdout.write(options.json ? formatJsonLines(outcome.result) : formatTimeline(outcome.result));
      if (options.html !== undefined) {
        const { writeSimulationReport } = await import('../../report/simulation.js');
        writeSimulationReport(outcome.result, options.html);
      }
      if (outcome.result.findings.some((finding) => failOn.has(finding.kind))) process.exitCode = 1;
    });
}

function parseFailOn(text: string | undefined): Set<SimFindingKind> | undefined {
  if (text === undefined) return new Set();
  const kinds = text.split(',').map((kind) => kind.trim()).filter((kind) => kind !== '');
  if (!kinds.every((kind): kind is SimFindingKind => (SIM_FINDING_KINDS as readonly string[]).includes(kind))) return undefined;
  return new Set(kinds);
}
