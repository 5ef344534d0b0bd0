/**
 * Running tracked and notify scripts the way keepalived does: the command line is split into
 * words by keepalived's rules (single/double quotes, backslash escapes, no shell), the program
 * is exec'd directly in its own process group, and a timeout kills the whole group (SIGTERM,
 * then SIGKILL). Nothing here blocks the event loop; results come back through callbacks.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string };

const WHITE_SPACE = ' \t\f\n\r\v';

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/**
 * keepalived's alloc_strvec_quoted_escaped rules: words split on white space; '...' and "..."
 * group (quotes may start mid-word); backslash escapes \xHH, \cX, \NNN octal, \a \b \E \f \n \r
 * \t \v, anything else stands for itself (also inside single quotes, as keepalived does).
 */
export function splitCommandLine(line: string): SplitResult {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && WHITE_SPACE.includes(line[i])) i++;
    if (i >= line.length) break;
    let word = '';
    let quote = '';
    while (i < line.length) {
      const c = line[i];
      if (c === '\\') {
        i++;
        if (i >= line.length) return { ok: false, error: `Missing escape char at end: '${line}'` };
        const e = line[i];
        if (e === 'x' && /[0-9a-fA-F]/.test(line[i + 1] ?? '')) {
          i++;
          let value = 0;
          while (i < line.length && /[0-9a-fA-F]/.test(line[i])) value = ((value << 4) | parseInt(line[i++], 16)) & 0xff;
          word += String.fromCharCode(value);
        } else if (e === 'c' && i + 1 < line.length) {
          word += String.fromCharCode(line.charCodeAt(i + 1) & 0x1f);
          i += 2;
        } else if (e >= '0' && e <= '7') {
          let value = 0;
          for (let n = 0; n < 3 && i < line.length && line[i] >= '0' && line[i] <= '7'; n++) value = (value << 3) + Number(line[i++]);
          word += String.fromCharCode(value & 0xff);
        } else {
          word += SIMPLE_ESCAPES[e] ?? e;
          i++;
        }
        continue;
      }
      if (quote) {
        if (c === quote) quote = '';
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (WHITE_SPACE.includes(c)) break;
      word += c;
      i++;
    }
    if (quote) return { ok: false, error: `String '${line}': missing terminating ${quote}` };
    words.push(word);
  }
  if (words.length === 0) return { ok: false, error: 'empty command' };
  return { ok: true, words };
}

export interface ScriptOutcome {
  /** Exit status; a killed child reports 128 + signal number, a program that could not start 127. */
  exitCode: number;
  timedOut: boolean;
  /** Why it could not start, if it did not. */
  spawnError?: string;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  uid?: number;
  gid?: number;
  /** Grace after SIGTERM before SIGKILL (keepalived: the script's timeout again, capped here). */
  killGraceMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Told the child's PID once it runs (onSpawn) and when it has exited (onExit). */
  onSpawn?: (pid: number) => void;
  onExit?: (pid: number) => void;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/** Runs `argv` without a shell. Always resolves; never throws. */
export function runProgram(argv: string[], options: RunOptions = {}): Promise<ScriptOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const finish = (outcome: Omit<ScriptOutcome, 'durationMs' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ ...outcome, timedOut, durationMs: performance.now() - started });
    };
    let timer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), {
        stdio: 'ignore',
        detached: true, // own process group, so a timeout kills the script's children too
        uid: options.uid,
        gid: options.gid,
        env: options.env ?? process.env,
      });
    } catch (error) {
      finish({ exitCode: 127, spawnError: (error as Error).message });
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) {
      options.onSpawn?.(pid);
      child.once('exit', () => options.onExit?.(pid));
    }
    const killGroup = (signal: NodeJS.Signals) => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    child.on('error', (error) => finish({ exitCode: 127, spawnError: error.message }));
    child.on('exit', (code, signal) => {
      finish({ exitCode: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0) });
    });
    if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup('SIGTERM');
        killTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? 1000);
      }, options.timeoutMs);
    }
  });
}

/**
 * keepalived's state of a tracked script (vrrp_script_t.state): one value for the script, shared
 * by all its runs. keepalived 2.2.7 starts a run every interval whatever the state; when the state
 * is not idle it logs "Track script X is already running" / "is being timed out, expect idle -
 * skipping run" and runs it all the same (netns lab: a script that ignores SIGTERM, interval 1 s,
 * timeout 2 s, had four runs alive at once, each TERM'd 2 s and KILLed 4 s after it started; the
 * line came at the four ticks after the first hung run, then no more).
 */
export type TrackStateName = 'idle' | 'running' | 'requesting-termination' | 'forcing-termination';

export interface TrackRunState {
  name: string;
  state: TrackStateName;
}

export interface TrackRunHooks {
  log(message: string): void;
  /** The run ended and keepalived reads its status: exit code (128 + signal when killed) and timed_out. */
  result(outcome: { exitCode: number; timedOut: boolean; spawnError?: string }): void;
  /** A timer at an absolute time of `now()`'s clock. */
  now(): number;
  onSpawn?(pid: number): void;
  onExit?(pid: number): void;
  /** keepalived dropped the run (its timeout fell while the script was idle): no longer its child. */
  onForget?(pid: number): void;
}

/** keepalived's grace between SIGTERM, SIGKILL and the next SIGKILL of a timed-out script: 2 s, then 10 s. */
const TERM_GRACE_MS = 2000;
const KILL_AGAIN_MS = 10_000;
/**
 * keepalived re-arms a run's timer from the moment its timeout callback ran, so it falls due just
 * after the first timeout of the run started two ticks later (due at the same nominal time): the
 * margin keeps that order with setTimeout's millisecond granularity.
 */
const REARM_AFTER_MS = 3;

/**
 * One run of a tracked script as keepalived's vrrp_script_child_thread handles it: at the timeout
 * the shared state decides (running: SIGTERM to the process group, requesting termination: SIGKILL,
 * forcing termination: log and SIGKILL again; idle: keepalived drops the run and never reads its
 * status). A run killed by SIGTERM while termination was requested, or by SIGKILL/SIGTERM while
 * forcing it, counts as timed out. Any run that ends leaves the state idle.
 */
export function startTrackRun(script: TrackRunState, argv: string[], options: RunOptions & { startedAt: number }, hooks: TrackRunHooks): void {
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), { stdio: 'ignore', detached: true, uid: options.uid, gid: options.gid, env: options.env ?? process.env });
  } catch (error) {
    hooks.result({ exitCode: 127, timedOut: false, spawnError: (error as Error).message });
    return;
  }
  const pid = child.pid;
  let read = true;
  let timer: NodeJS.Timeout | undefined;
  let spawnFailed = false;
  child.on('error', (error) => {
    if (spawnFailed || pid !== undefined) return;
    spawnFailed = true;
    hooks.result({ exitCode: 127, timedOut: false, spawnError: error.message });
  });
  if (pid === undefined) return;
  script.state = 'running';
  hooks.onSpawn?.(pid);
  const at = (deadline: number, fn: () => void) => {
    timer = setTimeout(fn, Math.max(0, deadline - hooks.now()));
  };
  const onTimeout = (deadline: number) => () => {
    let signal: NodeJS.Signals;
    let next: number;
    if (script.state === 'running') {
      script.state = 'requesting-termination';
      signal = 'SIGTERM';
      next = TERM_GRACE_MS;
    } else if (script.state === 'requesting-termination') {
      script.state = 'forcing-termination';
      signal = 'SIGKILL';
      next = TERM_GRACE_MS;
    } else if (script.state === 'forcing-termination') {
      hooks.log(`Script ${script.name} child (PID ${pid}) failed to terminate after kill`);
      signal = 'SIGKILL';
      next = KILL_AGAIN_MS;
    } else {
      // keepalived: no signal and no new timer, and the run's status is never read.
      read = false;
      hooks.onForget?.(pid);
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
        hooks.log(`Script ${script.name} child (PID ${pid}) lost`);
        script.state = 'idle';
        read = false;
        hooks.onForget?.(pid);
        return;
      }
      next = 1_000_000;
    }
    const again = deadline + next + REARM_AFTER_MS;
    at(again, onTimeout(again));
  };
  if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
    const first = options.startedAt + options.timeoutMs;
    at(first, onTimeout(first));
  }
  child.on('exit', (code, signal) => {
    if (timer) clearTimeout(timer);
    if (!read) return;
    hooks.onExit?.(pid);
    let timedOut = false;
    if (signal) {
      if (script.state === 'requesting-termination' && signal === 'SIGTERM') {
        // Its children too (keepalived: kill(-pid, SIGKILL)).
        try {
          process.kill(-pid, 'SIGKILL');
        } catch { /* gone */ }
      }
      timedOut = (script.state === 'requesting-termination' && signal === 'SIGTERM')
        || (script.state === 'forcing-termination' && (signal === 'SIGKILL' || signal === 'SIGTERM'));
    }
    script.state = 'idle';
    hooks.result({ exitCode: code ?? 128 + (signal ? (SIGNAL_NUMBERS[signal] ?? 0) : 0), timedOut });
  });
}

export type UserLookup = { ok: true; uid: number; gid: number } | { ok: false; error: string };

const userCache = new Map<string, UserLookup>();

/** uid/gid of a user (and optional group) name, via getent; cached. */
export function lookupUser(user: string, group?: string): UserLookup {
  const key = `${user}:${group ?? ''}`;
  const cached = userCache.get(key);
  if (cached) return cached;
  let result: UserLookup;
  try {
    const pw = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':');
    let gid = Number(pw[3]);
    if (group) gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
    result = { ok: true, uid: Number(pw[2]), gid };
  } catch {
    result = { ok: false, error: `Script user '${user}' does not exist` };
  }
  userCache.set(key, result);
  return result;
}
