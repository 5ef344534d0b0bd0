import type { Command } from 'commander';
import { formatJsonLines, formatTimeline } from '../../sim/format.js';
import { loadScenario } from '../../sim/scenario.js';
import { progressReporter } from '../progress.js';

interface LabCommandOptions {
  keepalived?: string;
  impl?: string;
  json?: boolean;
  html?: string;
  out?: string;
  compare?: boolean;
  tolerance?: string;
  capture?: boolean;
}

export function registerLab(program: Command): void {
  program
    .command('lab')
    .description('run a simulate scenario for real: real keepalived per host in network namespaces, the faults injected for real (root)')
    .argument('<scenario>', 'scenario file (YAML), as simulate takes it')
    .option('--keepalived <path>', 'keepalived binary (default: keepalived on PATH)')
    .option('--impl <what>', 'what the hosts run: keepalived (default), vrrplab, or per host A=vrrplab,B=keepalived')
    .option('--json', 'JSON lines, as simulate --json')
    .option('--html <file>', 'also write a self-contained HTML timeline')
    .option('--out <dir>', 'keep the run\'s configs, logs, notify logs and capture here (default: a directory under /run/vrrplab-lab)')
    .option('--compare', 'run simulate beside it; exit 1 on the first divergence, explained')
    .option('--tolerance <ms>', 'with --compare: how far apart in time one state change may be (default 500)')
    .option('--no-capture', 'do not record a capture of the bridge')
    .action(async (file: string, options: LabCommandOptions) => {
      const usage = (message: string): void => {
        process.stderr.write(`${message}\n`);
        process.exitCode = 2;
      };
      if (typeof process.getuid === 'function' && process.getuid() !== 0) return usage('vrrplab lab needs root (network namespaces, nftables, keepalived)');
      const impl = parseImpl(options.impl);
      if (impl === undefined) return usage(`--impl: expected keepalived, vrrplab, or NAME=keepalived|vrrplab,… (got ${options.impl})`);
      const tolerance = options.tolerance === undefined ? 500 : Number(options.tolerance);
      if (!Number.isFinite(tolerance) || tolerance < 0) return usage(`--tolerance: expected milliseconds (got ${options.tolerance})`);
      const loaded = loadScenario(file);
      if (!loaded.ok) {
        for (const error of loaded.errors) process.stderr.write(`${error}\n`);
        process.exitCode = 2;
        return;
      }
      for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
      // Everything this command loads is loaded now: a run takes the scenario's duration in real
      // time, and a rebuild of the bundle meanwhile would leave later chunk imports dangling.
      const { asInNamespaces, keepalivedBinaryRelease, runLab } = await import('../../lab/run.js');
      const { runScenario } = await import('../../sim/run.js');
      // The keepalived hosts must be the release the scenario names (keepalived-version: 2.4 for auth_hmac).
      const wanted = loaded.scenario.keepalivedVersion ?? '2.2';
      const binary = options.keepalived ?? 'keepalived';
      const release = impl === 'vrrplab' ? undefined : keepalivedBinaryRelease(binary);
      if (release !== undefined && !release.startsWith(`${wanted}.`)) return usage(`${file}: the scenario runs keepalived ${wanted}, and ${binary} is ${release}: give --keepalived PATH of a keepalived ${wanted} build`);
      const { compareRuns, formatComparison } = await import('../../lab/compare.js');
      const { writeSimulationReport } = await import('../../report/simulation.js');
      // keepalived in the lab's namespaces gets no process events: said before the run, used by --compare.
      const inNamespaces = asInNamespaces(loaded.scenario);
      if (inNamespaces.warning !== undefined) process.stderr.write(`warning: ${inNamespaces.warning}\n`);
      const progress = progressReporter('lab');
      const outcome = await runLab(loaded.scenario, {
        keepalived: options.keepalived,
        impl,
        outDir: options.out,
        capture: options.capture,
        onProgress: (elapsed, total) => progress.update(elapsed / total, `${Math.round(elapsed / 1000)} s of ${Math.round(total / 1000)} s`),
      });
      progress.done();
      if (!outcome.ok) {
        for (const error of outcome.errors) process.stderr.write(`${error}\n`);
        process.exitCode = 2;
        return;
      }
      for (const warning of outcome.warnings) process.stderr.write(`warning: ${warning}\n`);
      const realName = typeof impl === 'string' ? impl : 'the lab';
      let comparison: ReturnType<typeof compareRuns> | undefined;
      if (options.compare === true) {
        const simulated = runScenario(inNamespaces.scenario);
        if (!simulated.ok) {
          for (const error of simulated.errors) process.stderr.write(`${error}\n`);
          process.exitCode = 2;
          return;
        }
        comparison = compareRuns(simulated.result, outcome.result, { toleranceMs: tolerance, realName });
      }
      if (options.json === true) {
        process.stdout.write(formatJsonLines(outcome.result));
        if (comparison !== undefined) process.stdout.write(`${JSON.stringify({ type: 'comparison', ...comparison })}\n`);
        process.stdout.write(`${JSON.stringify({ type: 'artifacts', ...outcome.artifacts })}\n`);
      } else {
        process.stdout.write(formatTimeline(outcome.result));
        if (comparison !== undefined) process.stdout.write(`\n${formatComparison(comparison, realName)}`);
        process.stdout.write(`\nRun files: ${outcome.artifacts.dir} (configs, logs${outcome.artifacts.capture !== undefined ? ', capture.pcap' : ''})\n`);
      }
      if (options.html !== undefined) writeSimulationReport(outcome.result, options.html);
      if (comparison !== undefined && comparison.divergences.length > 0) process.exitCode = 1;
    });
}

type Impl = 'keepalived' | 'vrrplab';
const isImpl = (text: string): text is Impl => text === 'keepalived' || text === 'vrrplab';

function parseImpl(text: string | undefined): Impl | Record<string, Impl> | undefined {
  if (text === undefined) return 'keepalived';
  if (isImpl(text)) return text;
  const map: Record<string, Impl> = {};
  for (const part of text.split(',')) {
    const [name, what] = part.split('=');
    if (name === undefined || name === '' || what === undefined || !isImpl(what)) return undefined;
    map[name] = what;
  }
  return map;
}
