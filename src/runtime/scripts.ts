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
