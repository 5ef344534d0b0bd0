/**
 * A scenario host made ready for real keepalived: its configuration read as keepalived reads it
 * (includes resolved) and written back as one file, with every program it would run replaced by a
 * stand-in the lab generates.
 *
 * - A tracked script's stand-in answers as the simulator's model does (model mode: a service flag,
 *   a file, an exit status) or runs the host's real program (exec mode); either way it hangs while
 *   the timeline says `script-hang`, so keepalived's timeout kills it, as in the simulator.
 * - A notify's stand-in logs the call (time, instance, state, arguments) and then does what the
 *   simulator would: in model mode the services the notify script's `case` arm starts or stops,
 *   in exec mode the real program.
 * - Files the configuration tracks or the timeline touches live under the host's state directory.
 *
 * A script keepalived would disable (its program cannot exist) keeps its command, so keepalived
 * disables it here too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onHostDisk, readConfigStatements } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Statement } from '../config/reader.js';
import { splitCommandLine } from '../engine/command-line.js';
import type { EngineAction } from '../engine/types.js';
import { inferredCheckModel, notifyEffects } from '../sim/run.js';
import type { CheckModel, Scenario, ScenarioHost } from '../sim/scenario.js';

export interface PreparedHost {
  name: string;
  /** The host's state directory: services/, files/, hang/, bin/, notify.log, keepalived.conf. */
  dir: string;
  configFile: string;
  /** The services the host runs at start (model mode). */
  services: Map<string, boolean>;
}

const NOTIFY_KEYWORDS: Record<string, NotifyKind> = {
  notify_master: 'master',
  notify_backup: 'backup',
  notify_fault: 'fault',
  notify_stop: 'stop',
  notify: 'generic',
  notify_master_rx_lower_pri: 'master_rx_lower_pri',
};
type NotifyKind = 'master' | 'backup' | 'fault' | 'stop' | 'generic' | 'master_rx_lower_pri';
const STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP'] as const;

/** Where a file a host's config names is on this disk: exec mode's relative paths from the scenario's directory, absolute ones in the host directory. */
function onHost(scenario: Scenario, host: ScenarioHost, file: string): string {
  return scenario.scripts === 'exec' && !path.isAbsolute(file) ? path.resolve(scenario.directory, file) : onHostDisk(host.root, file);
}

/** Where a file the scenario names (`/etc/keepalived/down`, or `flag` relative in exec mode) is in the lab. */
export function labFilePath(scenario: Scenario, host: ScenarioHost, dir: string, file: string): string {
  if (scenario.scripts === 'exec') return onHost(scenario, host, file);
  return path.join(dir, 'files', path.resolve('/', file));
}

function quote(word: string): string {
  return word === '' || /[\s{}!#"]/.test(word) ? `"${word.replace(/"/g, '')}"` : word;
}

function emit(statements: readonly Statement[], depth = 0): string {
  const pad = '  '.repeat(depth);
  let out = '';
  for (const statement of statements) {
    if (statement.broken !== undefined) continue;
    out += `${pad}${statement.words.map(quote).join(' ')}`;
    out += statement.block !== undefined ? ` {\n${emit(statement.block, depth + 1)}${pad}}\n` : '\n';
  }
  return out;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function writeProgram(file: string, body: string): void {
  fs.writeFileSync(file, `#!/bin/sh\n${body}`, { mode: 0o755 });
}

/**
 * Writes the host's directory under `labDir` and returns where things are. `config` is the model
 * the simulator loaded for the same host (it says which scripts keepalived disables).
 */
export function prepareHost(scenario: Scenario, host: ScenarioHost, config: KeepalivedConfig, labDir: string, again = false): PreparedHost {
  const dir = path.join(labDir, host.name);
  for (const sub of ['bin', 'services', 'files', 'hang']) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o755 });
  const notifyLog = path.join(dir, 'notify.log');
  // `again`: a new configuration for a host already running (a rollout's reload or restart): its
  // keepalived.conf and stand-ins are written anew over the old ones; its notify log and service
  // flags stay as they are.
  if (!again) fs.writeFileSync(notifyLog, '');
  const exec = scenario.scripts === 'exec';
  const statements = readConfigStatements(host.configPath, exec ? {} : { hostRoot: host.root }) ?? [];
  const disabled = new Set(config.scripts.filter((script) => script.disabled === true).map((script) => script.name));
  const readHostFile = (file: string): string | undefined => {
    try {
      return fs.readFileSync(onHost(scenario, host, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const services = new Map<string, boolean>();
  let programs = 0;
  // Exec mode runs the hosts' programs where the simulator does: in the scenario's directory.
  const inScenarioDirectory = `cd ${shellQuote(scenario.directory)} || exit 127\n`;

  const checkProgram = (script: string, command: string): string => {
    const file = path.join(dir, 'bin', `check-${++programs}`);
    const hang = `[ -e ${shellQuote(path.join(dir, 'hang', script))} ] && exec sleep 3600\n`;
    if (exec) {
      const argv = splitCommandLine(command);
      writeProgram(file, `${hang}${inScenarioDirectory}exec ${[onHost(scenario, host, argv[0] ?? ''), ...argv.slice(1)].map(shellQuote).join(' ')}\n`);
      return file;
    }
    const model: CheckModel = scenario.checks[script] ?? inferredCheckModel(command, readHostFile);
    if (model.kind === 'service') services.set(model.service, true);
    const test = model.kind === 'service' ? `[ -e ${shellQuote(path.join(dir, 'services', model.service))} ]`
      : model.kind === 'file-absent' ? `[ ! -e ${shellQuote(labFilePath(scenario, host, dir, model.path))} ]`
      : model.kind === 'file-present' ? `[ -e ${shellQuote(labFilePath(scenario, host, dir, model.path))} ]`
      : `exit ${model.code}`;
    writeProgram(file, `${hang}${test}\n`);
    return file;
  };

  const notifyProgram = (owner: string, kind: NotifyKind, command: string): string => {
    const file = path.join(dir, 'bin', `notify-${++programs}`);
    const argv = splitCommandLine(command);
    const log = `echo "N $(date +%s.%N) ${kind} ${owner} $*" >> ${shellQuote(notifyLog)}\n`;
    if (exec) {
      writeProgram(file, `${log}${inScenarioDirectory}exec ${shellQuote(onHost(scenario, host, argv[0] ?? ''))} "$@"\n`);
      return file;
    }
    // The services each state's call starts or stops, as the simulator reads them from the script.
    const arms = STATES.map((state) => {
      const args = kind === 'generic' ? [...argv, 'INSTANCE', owner, state, '0'] : argv;
      const action: Extract<EngineAction, { type: 'notify' }> = { type: 'notify', kind: kind === 'generic' ? 'generic' : 'specific', instance: owner, state, command, args };
      const effects = notifyEffects(scenario, action, readHostFile);
      const body = effects.map((effect) => {
        const flag = shellQuote(path.join(dir, 'services', effect.service));
        return `${effect.action === 'start' ? `touch ${flag}` : `rm -f ${flag}`}; echo "S $(date +%s.%N) ${effect.service} ${effect.action === 'start' ? 1 : 0} notify ${state.toLowerCase()} (${owner})" >> ${shellQuote(notifyLog)}`;
      });
      return { state, body };
    });
    const byState = kind === 'generic'
      ? `case "$3" in\n${arms.map((arm) => `  ${arm.state}) ${arm.body.join('; ') || ':'} ;;\n`).join('')}esac\n`
      : (arms.find((arm) => arm.state === (kind === 'master_rx_lower_pri' ? 'MASTER' : kind.toUpperCase()))?.body.join('\n') ?? '');
    writeProgram(file, `${log}${byState}\n`);
    return file;
  };

  /** The command with its program replaced by `program`, the arguments as written (quotes and all). */
  const withProgram = (command: string, program: string): string => {
    const trimmed = command.trimStart();
    const argv = splitCommandLine(command);
    const first = argv[0] ?? '';
    if (first !== '' && trimmed.startsWith(first)) return `${program}${trimmed.slice(first.length)}`;
    return [program, ...argv.slice(1)].join(' ');
  };

  const rewrite = (list: readonly Statement[], owner: { kind: 'script' | 'instance' | 'group' | 'track-file' | 'other'; name: string }): Statement[] =>
    list.map((statement) => {
      const [keyword, value] = statement.words;
      let words = statement.words;
      if (owner.kind === 'script' && keyword === 'script' && value !== undefined && !disabled.has(owner.name)) {
        words = [keyword, withProgram(value, checkProgram(owner.name, value))];
      } else if ((owner.kind === 'instance' || owner.kind === 'group') && keyword !== undefined && keyword in NOTIFY_KEYWORDS && value !== undefined) {
        words = [keyword, withProgram(value, notifyProgram(owner.name, NOTIFY_KEYWORDS[keyword], value))];
      } else if (owner.kind === 'track-file' && keyword === 'file' && value !== undefined) {
        const file = labFilePath(scenario, host, dir, value);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        words = [keyword, file];
      }
      if (statement.block === undefined || owner.kind !== 'other') return { ...statement, words };
      const kind = keyword === 'vrrp_script' ? 'script' : keyword === 'vrrp_instance' ? 'instance' : keyword === 'vrrp_sync_group' ? 'group'
        : keyword === 'track_file' || keyword === 'vrrp_track_file' ? 'track-file' : 'other';
      return { ...statement, words, block: kind === 'other' ? statement.block : rewrite(statement.block, { kind, name: value ?? '' }) };
    });

  const text = emit(rewrite(statements, { kind: 'other', name: '' }));
  const configFile = path.join(dir, 'keepalived.conf');
  fs.writeFileSync(configFile, text);
  if (!exec && !again) {
    for (const [service, up] of Object.entries(scenario.services[host.name] ?? {})) services.set(service, up);
    for (const [service, up] of services) if (up) fs.writeFileSync(path.join(dir, 'services', service), '');
  }
  return { name: host.name, dir, configFile, services };
}
