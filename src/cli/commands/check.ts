import * as fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, onHostDisk } from '../../config/load.js';
import { formatDiagnostic } from '../../config/diagnostics.js';
import type { ConfigLoadResult } from '../../config/model.js';
import { analyzeHosts, type Analysis, type HostConfig } from '../../analysis/index.js';

const DEFAULT_CONF = '/etc/keepalived/keepalived.conf';

interface CheckOptions {
  file: string[];
  host: string[];
  json?: boolean;
  configId?: string;
}

interface HostInput {
  name: string;
  file: string;
  root?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `vrrplab check`: keepalived -t's diagnostics and exit status, plus multi-host analysis. */
export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check keepalived.conf files like `keepalived -t`; with several hosts, analyse them together')
    .option('-f, --file <FILE>', 'a keepalived.conf (repeat for several hosts)', collect, [])
    .option('--host <NAME=DIR>', `a host as a directory copy of its files (${DEFAULT_CONF} inside it)`, collect, [])
    .option('-i, --config-id <ID>', 'config id for @ID lines (keepalived -i)')
    .option('--json', 'print results as JSON')
    .action((opts: CheckOptions) => {
      process.exitCode = runCheck(opts);
    });
}

function runCheck(opts: CheckOptions): number {
  const inputs: HostInput[] = [];
  for (const spec of opts.host) {
    const eq = spec.indexOf('=');
    if (eq <= 0) {
      process.stderr.write(`vrrplab check: --host wants NAME=DIR, got '${spec}'\n`);
      return 2;
    }
    inputs.push({ name: spec.slice(0, eq), root: spec.slice(eq + 1), file: DEFAULT_CONF });
  }
  for (const f of opts.file) inputs.push({ name: f, file: f });
  if (inputs.length === 0) {
    process.stderr.write('vrrplab check: give -f FILE or --host NAME=DIR\n');
    return 2;
  }
  for (const h of inputs) {
    if (h.root !== undefined && !fs.existsSync(h.root)) {
      process.stderr.write(`vrrplab check: host directory ${h.root} not found\n`);
      return 2;
    }
  }

  // keepalived -t exits 0 when the file does not exist ("Config files missing"); a check that
  // read nothing must not pass silently in CI, so vrrplab check says so and exits 1.
  for (const h of inputs) {
    const onDisk = onHostDisk(h.root, h.file);
    if (!fs.existsSync(onDisk)) {
      process.stderr.write(`vrrplab check: ${onDisk}: no such file (keepalived -t would only say "Config files missing" and exit 0)\n`);
      return 1;
    }
  }

  const results = inputs.map((h) => ({ host: h, result: loadConfig(h.file, { hostRoot: h.root, hostname: opts.configId ?? (h.root ? h.name : undefined) }) }));
  const hosts: HostConfig[] = results.map(({ host, result }) => ({ name: host.name, config: result.config, readFile: hostReader(host.root) }));
  const analysis = inputs.length > 1 ? analyzeHosts(hosts) : undefined;
  const status = results.map((r) => r.result.exitStatus).find((s) => s !== 0) ?? (analysis?.findings.some((f) => f.severity === 'error') ? 1 : 0);

  if (opts.json) process.stdout.write(`${JSON.stringify(toJson(results, analysis, status), null, 2)}\n`);
  else printHuman(results, analysis);
  return status;
}

function hostReader(root: string | undefined): (p: string) => string | undefined {
  return (p) => {
    try {
      return fs.readFileSync(onHostDisk(root, p), 'utf8');
    } catch {
      return undefined;
    }
  };
}

type Loaded = { host: HostInput; result: ConfigLoadResult }[];

function printHuman(results: Loaded, analysis: Analysis | undefined): void {
  const many = results.length > 1;
  for (const { host, result } of results) {
    if (many) process.stdout.write(`== ${host.name} (${onHostDisk(host.root, host.file)}): keepalived -t would exit ${result.exitStatus}\n`);
    for (const d of result.diagnostics) {
      if (d.severity === 'info' && !many) continue;
      process.stdout.write(`${many ? '  ' : ''}${formatDiagnostic(d)}\n`);
    }
  }
  if (!analysis) return;
  process.stdout.write(`== analysis: ${analysis.findings.length} finding(s)\n`);
  for (const f of analysis.findings) process.stdout.write(`  [${f.severity}] ${f.kind}: ${f.message}\n`);
}

function toJson(results: Loaded, analysis: Analysis | undefined, exitStatus: number): unknown {
  return {
    exitStatus,
    hosts: results.map(({ host, result }) => ({
      name: host.name,
      file: host.file,
      root: host.root,
      keepalivedExitStatus: result.exitStatus,
      diagnostics: result.diagnostics,
      instances: result.config.instances.map((v) => ({ name: v.name, vrid: v.vrid, priority: v.priority, interface: v.interface })),
      ignored: result.config.ignored,
    })),
    findings: analysis?.findings ?? [],
    priorities: analysis?.priorities ?? [],
  };
}
