/**
 * What shell scripts do to services, read from their text: notify scripts that start or stop
 * services, and track scripts that probe whether a service runs. Heuristic and conservative:
 * commented-out lines do nothing; `case "$1" in master) ... ;;` arms give the state.
 */
import { scriptProgram } from '../config/complete.js';
import { splitCommandLine } from '../engine/command-line.js';

export type NotifyState = 'master' | 'backup' | 'fault' | 'stop';
export const NOTIFY_STATES: readonly NotifyState[] = ['master', 'backup', 'fault', 'stop'];

export interface NotifyEffect {
  /** The state the script acts on (a `case` arm label, or every state for unconditional commands). */
  state: NotifyState;
  action: 'start' | 'stop';
  service: string;
  /** True when the command sits in a `case` arm for this state; false when it runs whatever the state. */
  conditional: boolean;
  /** 1-based line of the command in the script. */
  line: number;
  command: string;
}

const NAME = '([A-Za-z0-9_][A-Za-z0-9_@.:-]*?)(?:\\.service)?';
const END = '(?=$|[\\s;&|)`])';

/** Commands that stop a service, with the capture group holding its name. */
const STOP_PATTERNS: RegExp[] = [
  new RegExp(`\\bsystemctl\\s+(?:--\\S+\\s+)*(?:stop|kill)\\s+(?:--\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bservice\\s+${NAME}\\s+stop\\b`),
  new RegExp(`(?:/etc/(?:rc\\.d/)?init\\.d/|\\brc)${NAME}\\s+stop\\b`),
  new RegExp(`\\bkillall\\s+(?:-(?!0\\b)\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bpkill\\s+(?:-(?!0\\b)\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bkill\\s+(?:-(?!0\\b)\\S+\\s+)*(?:\\$\\(|\`)\\s*(?:pidof|pgrep)\\s+(?:-\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bkill\\s+(?:-(?!0\\b)\\S+\\s+)*(?:\\$\\(|\`)\\s*cat\\s+\\S*/${NAME}\\.pid`),
];

const START_PATTERNS: RegExp[] = [
  new RegExp(`\\bsystemctl\\s+(?:--\\S+\\s+)*(?:start|restart|reload-or-restart)\\s+(?:--\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bservice\\s+${NAME}\\s+(?:start|restart)\\b`),
  new RegExp(`(?:/etc/(?:rc\\.d/)?init\\.d/|\\brc)${NAME}\\s+(?:start|restart)\\b`),
];

/** How many texts the memos below keep: the simulator asks about the same few again and again. */
const MEMO_LIMIT = 256;

/** Commands that test whether a service runs, as track scripts do. */
const PROBE_PATTERNS: RegExp[] = [
  new RegExp(`\\bkillall\\s+(?:-\\S+\\s+)*-0\\s+(?:-\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bpkill\\s+(?:-\\S+\\s+)*-0\\s+(?:-\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bpidof\\s+(?:-\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bpgrep\\s+(?:-\\S+\\s+)*${NAME}${END}`),
  new RegExp(`\\bsystemctl\\s+(?:--\\S+\\s+)*is-active\\s+(?:--\\S+\\s+)*${NAME}${END}`),
  new RegExp(`(?:/etc/(?:rc\\.d/)?init\\.d/)${NAME}\\s+status\\b`),
  new RegExp(`\\bservice\\s+${NAME}\\s+status\\b`),
];

/** The service a track script's command checks, if it is a recognisable liveness probe. */
const probedByCommand = new Map<string, string | undefined>();

export function probedService(trackScriptCommand: string): string | undefined {
  if (probedByCommand.has(trackScriptCommand)) return probedByCommand.get(trackScriptCommand);
  if (probedByCommand.size >= MEMO_LIMIT) probedByCommand.clear();
  const service = readProbedService(trackScriptCommand);
  probedByCommand.set(trackScriptCommand, service);
  return service;
}

function readProbedService(trackScriptCommand: string): string | undefined {
  for (const re of PROBE_PATTERNS) {
    const m = re.exec(trackScriptCommand);
    if (m) return m[1];
  }
  return undefined;
}

/** Reads a program's text as the host holds it (a host directory's copy); undefined when it cannot. */
export type ProgramReader = (program: string) => string | undefined;

/**
 * The service a track script checks: a probe on its command line (`killall -0 haproxy`), else,
 * for a wrapper (`/etc/keepalived/check_nginx.sh`), the first probe in the wrapper's text, read
 * as notify scripts are. Undefined when neither probes a service (or the wrapper cannot be read):
 * the check is then taken to succeed.
 */
export function checkedService(trackScriptCommand: string, readProgram?: ProgramReader): string | undefined {
  const direct = probedService(trackScriptCommand);
  if (direct !== undefined || readProgram === undefined) return direct;
  // Only a path names a file to read: a bare word is a program on PATH (`pidof`) or a shell word.
  const program = scriptProgram(trackScriptCommand);
  if (!program.startsWith('/')) return undefined;
  const text = readProgram(program);
  // keepalived passes the line's words as arguments: a generic wrapper's `pidof "$1"` probes the first.
  return text === undefined ? undefined : probedInText(text, splitCommandLine(trackScriptCommand).slice(1));
}

/** Wrapper texts already read, with their arguments: explore asks about the same few on every schedule. */
const probedByText = new Map<string, string | undefined>();

function probedInText(scriptText: string, args: readonly string[]): string | undefined {
  const key = `${args.join('\u0001')}\u0000${scriptText}`;
  if (probedByText.has(key)) return probedByText.get(key);
  if (probedByText.size >= MEMO_LIMIT) probedByText.clear();
  let service: string | undefined;
  for (const line of scriptText.split('\n')) {
    // "$1", ${1}: the argument keepalived gives (an unset one stays as written and matches nothing).
    const text = stripComment(line).replace(/"?\$(?:\{([1-9])\}|([1-9]))"?/g, (whole, braced?: string, bare?: string) => args[Number(braced ?? bare) - 1] ?? whole);
    service = readProbedService(text);
    if (service !== undefined) break;
  }
  probedByText.set(key, service);
  return service;
}

/** Start/stop effects a notify script has, by state. Never throws. */
/** Scripts already read: the simulator asks about the same few texts on every state change. */
const effectsByText = new Map<string, readonly NotifyEffect[]>();

export function inferNotifyEffects(scriptText: string): NotifyEffect[] {
  let effects = effectsByText.get(scriptText);
  if (effects === undefined) {
    if (effectsByText.size >= MEMO_LIMIT) effectsByText.clear();
    effects = readNotifyEffects(scriptText);
    effectsByText.set(scriptText, effects);
  }
  return effects.map((effect) => ({ ...effect }));
}

function readNotifyEffects(scriptText: string): NotifyEffect[] {
  const effects: NotifyEffect[] = [];
  let arm: NotifyState[] | undefined; // states of the case arm we are in
  const lines = scriptText.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let text = stripComment(lines[i]).trim();
    if (text === '') continue;
    const label = /^\(?\s*([^()]*?)\s*\)\s*(.*)$/.exec(text);
    if (label && !/[\s=$]/.test(label[1].replace(/\|/g, '').replace(/"/g, '')) && !/^(if|then|\$\()/.test(text)) {
      arm = armStates(label[1]);
      text = label[2];
    }
    for (const [action, patterns] of [['stop', STOP_PATTERNS], ['start', START_PATTERNS]] as const) {
      const m = patterns.map((re) => re.exec(text)).find((x) => x !== null);
      if (!m) continue;
      for (const state of arm ?? NOTIFY_STATES) {
        effects.push({ state, action, service: m[1], conditional: arm !== undefined, line: i + 1, command: text });
      }
    }
    if (text.includes(';;')) arm = undefined;
    if (/^esac\b/.test(text)) arm = undefined;
  }
  return effects;
}

/** States a case label such as `backup|BACKUP` or `"fault"` names; [] for other labels (e.g. `*`). */
function armStates(label: string): NotifyState[] {
  const words = label.split('|').map((w) => w.replace(/["']/g, '').trim().toLowerCase());
  return NOTIFY_STATES.filter((s) => words.includes(s));
}

function stripComment(line: string): string {
  const t = line.trimStart();
  if (t.startsWith('#')) return '';
  return line.replace(/\s#.*$/, '');
}

/** Services a notify script stops when keepalived calls it for `state` (arguments as configured). */
export function servicesStoppedOn(scriptText: string, state: NotifyState): NotifyEffect[] {
  return inferNotifyEffects(scriptText).filter((e) => e.state === state && e.action === 'stop');
}
