import * as fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, onHostDisk, type InterfaceProbe } from '../../config/load.js';
import { formatDiagnostic } from '../../config/diagnostics.js';
import type { ConfigLoadResult } from '../../config/model.js';
import { analyzeHosts, type Analysis, type HostConfig } from '../../analysis/index.js';
import { neverMatches, processEventsNote } from '../../analysis/track-process.js';
import { parseHostSpecs } from '../hosts.js';
import { macvlanOf } from '../../runtime/sysfs.js';
import { DEFAULT_KEEPALIVED_VERSION, keepalivedRelease, parseKeepalivedVersion, type KeepalivedVersion } from '../../config/version.js';

const DEFAULT_CONF = '/etc/keepalived/keepalived.conf';

interface CheckOptions {
  file: string[];
  host: string[];
  json?: boolean;
  configId?: string;
  local?: boolean;
  keepalivedVersion?: string;
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
    .option('--local', "look the config's interfaces up on this machine, as keepalived -t does (default: assume they exist and list them)")
    .option('--keepalived-version <2.2|2.4>', 'the keepalived to check as: 2.2 (2.2.7, Debian\'s; the default) or 2.4 (2.4.3: auth_hmac)')
    .option('--json', 'print results as JSON')
    .action((opts: CheckOptions) => {
      process.exitCode = runCheck(opts);
    });
}

function runCheck(opts: CheckOptions): number {
  const version = opts.keepalivedVersion === undefined ? DEFAULT_KEEPALIVED_VERSION : parseKeepalivedVersion(opts.keepalivedVersion);
  if (version === null) {
    process.stderr.write(`vrrplab check: --keepalived-version ${opts.keepalivedVersion}: give 2.2 or 2.4\n`);
    return 2;
  }
  const inputs: HostInput[] = [];
  const specs = parseHostSpecs(opts.host);
  if (!specs.ok) {
    process.stderr.write(`vrrplab check: ${specs.error}\n`);
    return 2;
  }
  for (const { name, root } of specs.hosts) inputs.push({ name, root, file: DEFAULT_CONF });
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

  const interfaces = opts.local ? localInterfaces() : undefined;
  const results = inputs.map((h) => ({
    host: h,
    result: loadConfig(h.file, {
      hostRoot: h.root,
      hostname: opts.configId ?? (h.root ? h.name : undefined),
      interfaces,
      // A host directory holds the host's configuration, not its system (see LoadOptions).
      assumeSystemPrograms: h.root !== undefined,
      keepalivedVersion: version,
    }),
  }));
  const hosts: HostConfig[] = results.map(({ host, result }) => ({ name: host.name, config: result.config, readFile: hostReader(host.root) }));
  const analysis = inputs.length > 1 ? analyzeHosts(hosts, version) : undefined;
  const status = results.map((r) => r.result.exitStatus).find((s) => s !== 0) ?? (analysis?.findings.some((f) => f.severity === 'error') ? 1 : 0);

  if (opts.json) process.stdout.write(`${JSON.stringify(toJson(results, analysis, status, version), null, 2)}\n`);
  else printHuman(results, analysis, version);
  return status;
}

/** This machine's interfaces, as keepalived -t sees them (loopback by its ARP hardware type). */
function localInterfaces(): InterfaceProbe {
  const dir = '/sys/class/net';
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    names = [];
  }
  return (name) => {
    if (!names.includes(name)) return 'missing';
    try {
      const type = fs.readFileSync(`${dir}/${name}/type`, 'utf8').trim();
      if (type === '772') return 'loopback';
      if (type !== '1') return 'non-ethernet'; // ARPHRD_ETHER: keepalived makes VMACs on nothing else
    } catch {
      return 'present';
    }
    return macvlanOf(name)?.mode === 'private' ? 'macvlan-private' : 'present';
  };
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

function printHuman(results: Loaded, analysis: Analysis | undefined, version: KeepalivedVersion): void {
  const many = results.length > 1;
  const release = keepalivedRelease(version);
  for (const { host, result } of results) {
    if (many) process.stdout.write(`== ${host.name} (${onHostDisk(host.root, host.file)}): keepalived ${release} -t would exit ${result.exitStatus}\n`);
    // Info lines are what keepalived says elsewhere than under -t (its start-up log, e.g. "Warning -
    // script chk is not used"): marked, and never part of the exit status.
    for (const d of result.diagnostics) process.stdout.write(`${many ? '  ' : ''}${d.severity === 'info' ? 'info: ' : ''}${formatDiagnostic(d)}\n`);
    for (const line of assumptionLines(result, many)) process.stdout.write(`${many ? '  ' : ''}${line}\n`);
  }
  process.stdout.write(`${versionLine(version)}\n`);
  if (!analysis) return;
  process.stdout.write(`== analysis: ${analysis.findings.length} finding(s)\n`);
  for (const f of analysis.findings) process.stdout.write(`  [${f.severity}] ${f.kind}: ${f.message}\n`);
}

/** What the check took for granted, one line each (info: never part of the exit status). */
function assumptionLines(result: ConfigLoadResult, many: boolean): string[] {
  const lines: string[] = [];
  const { interfaces = [], programs = [] } = result.assumed ?? {};
  if (interfaces.length > 0) {
    lines.push(`info: interfaces assumed to exist: ${interfaces.join(', ')} (keepalived -t looks them up on the machine it runs on${many ? '' : '; --local does that here'})`);
  }
  if (programs.length > 0) lines.push(`info: assumed present on the host: ${programs.join(', ')}`);
  const processes = processEventsNote(result.config);
  if (processes !== undefined) lines.push(`info: ${processes}`);
  for (const process of result.config.trackProcesses ?? []) {
    const never = neverMatches(process);
    if (never !== undefined) lines.push(`warning: vrrp_track_process ${process.name}: ${never}`);
  }
  return lines;
}

/** check's own notes on a config (track_process pitfalls keepalived does not name), for --json. */
function notesOf(config: ConfigLoadResult['config']): { notes?: string[] } {
  const notes = [
    processEventsNote(config),
    ...(config.trackProcesses ?? []).map((p) => {
      const never = neverMatches(p);
      return never === undefined ? undefined : `vrrp_track_process ${p.name}: ${never}`;
    }),
  ].filter((note): note is string => note !== undefined);
  return notes.length > 0 ? { notes } : {};
}

/** Which keepalived the check read the configs as (always said). */
function versionLine(version: KeepalivedVersion): string {
  return version === '2.4'
    ? 'info: checked as keepalived 2.4.3 -t (--keepalived-version 2.4)'
    : 'info: checked as keepalived 2.2.7 -t (--keepalived-version 2.4 checks as 2.4.3: auth_hmac)';
}

function toJson(results: Loaded, analysis: Analysis | undefined, exitStatus: number, version: KeepalivedVersion): unknown {
  return {
    exitStatus,
    keepalivedVersion: keepalivedRelease(version),
    hosts: results.map(({ host, result }) => ({
      name: host.name,
      file: host.file,
      root: host.root,
      keepalivedExitStatus: result.exitStatus,
      diagnostics: result.diagnostics,
      instances: result.config.instances.map((v) => ({
        name: v.name, vrid: v.vrid, priority: v.priority, interface: v.interface,
        // keepalived 2.4's auth_hmac as it stands after -t's checks; keys by id only, never their bytes.
        ...(v.authHmac === undefined ? {} : {
          authHmac: { mode: v.authHmac.mode, activeKey: v.authHmac.activeKey, antiReplay: v.authHmac.antiReplay, timeWindowS: v.authHmac.timeWindowS, keyIds: v.authHmac.keys.map((k) => k.id) },
        }),
      })),
      ignored: result.config.ignored,
      assumed: result.assumed,
      ...notesOf(result.config),
    })),
    findings: analysis?.findings ?? [],
    priorities: analysis?.priorities ?? [],
  };
}
