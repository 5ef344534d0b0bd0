/**
 * keepalived's notify fifos (global_defs `notify_fifo`, `vrrp_notify_fifo`), as keepalived 2.2.7
 * keeps them (netns lab, test/fixtures/recordings/notify-fifo):
 * - a fifo that does not exist is made (mode 0600); one that exists is used and left in place. At
 *   exit, what it made goes when a `vrrp_notify_fifo` is configured (then the global `notify_fifo`
 *   it made goes too); a global `notify_fifo` alone stays (lab, 2.2.7, four runs each way, with and
 *   without a reader or a script);
 * - it is opened read-write and non-blocking (close-on-exec, as Node opens every file), so a fifo nobody reads never holds the daemon up
 *   (a line that does not fit is dropped, with a warning);
 * - every line goes into each fifo configured: `INSTANCE "VI_1" MASTER 110`, `GROUP "G" STOP 0`;
 * - `notify_fifo_script` / `vrrp_notify_fifo_script` run once at start with the fifo's path as
 *   their one argument, and get SIGTERM as soon as the daemon gets its own (5 ms after it in the
 *   lab: before the STOP lines, which such a script never reads).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import type { GlobalDefs } from '../config/model.js';

export interface FifoSpec {
  path: string;
  /** notify_fifo (every keepalived process) or vrrp_notify_fifo. */
  kind: 'global' | 'vrrp';
  /** The script given for it (notify_fifo_script for notify_fifo, vrrp_notify_fifo_script for vrrp_notify_fifo). */
  script?: string;
}

/** The fifos a config's global_defs name, each with its script. */
export function fifoSpecs(g: GlobalDefs): FifoSpec[] {
  const specs: FifoSpec[] = [];
  // The same file named twice is one fifo, written once per line (not measured: keepalived may write it twice).
  const same = g.notifyFifo !== undefined && g.notifyFifo === g.vrrpNotifyFifo;
  if (g.notifyFifo !== undefined && !same) specs.push({ path: g.notifyFifo, kind: 'global', ...(g.notifyFifoScript !== undefined ? { script: g.notifyFifoScript } : {}) });
  if (g.vrrpNotifyFifo !== undefined) {
    const script = g.vrrpNotifyFifoScript ?? (same ? g.notifyFifoScript : undefined);
    specs.push({ path: g.vrrpNotifyFifo, kind: 'vrrp', ...(script !== undefined ? { script } : {}) });
  }
  return specs;
}

interface Open {
  spec: FifoSpec;
  fd: number;
  created: boolean;
}

export class NotifyFifos {
  private readonly open: Open[] = [];

  /** Opens (making when missing) each fifo; what went wrong, one message per fifo. */
  private readonly vrrpFifo: boolean;

  constructor(specs: readonly FifoSpec[], warn: (message: string) => void) {
    this.vrrpFifo = specs.some((spec) => spec.kind === 'vrrp');
    for (const spec of specs) {
      let created = false;
      try {
        let isFifo: boolean | undefined;
        try {
          isFifo = lstatSync(spec.path).isFIFO();
        } catch {
          isFifo = undefined;
        }
        if (isFifo === false) {
          warn(`notify fifo ${spec.path} exists and is not a fifo - not using it`);
          continue;
        }
        if (isFifo === undefined) {
          execFileSync('mkfifo', ['-m', '600', spec.path], { stdio: ['ignore', 'ignore', 'pipe'] });
          created = true;
        }
        const fd = openSync(spec.path, constants.O_RDWR | constants.O_NONBLOCK);
        this.open.push({ spec, fd, created });
      } catch (error) {
        warn(`Unable to open notify fifo ${spec.path}: ${(error as Error).message.split('\n')[0] ?? ''}`);
        if (created) safeUnlink(spec.path);
      }
    }
  }

  /** The open fifos that have a script to run, with the argv to run it (the script, then the fifo's path). */
  scripts(): { path: string; argv: string[] }[] {
    return this.open.flatMap((o) => (o.spec.script !== undefined ? [{ path: o.spec.path, argv: [o.spec.script, o.spec.path] }] : []));
  }

  /** One line into every fifo; undefined, or why it was dropped somewhere. */
  write(line: string): string | undefined {
    let problem: string | undefined;
    const bytes = Buffer.from(`${line}\n`);
    for (const o of this.open) {
      try {
        writeSync(o.fd, bytes);
      } catch (error) {
        problem ??= `notify fifo ${o.spec.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}, line dropped: ${line}`;
      }
    }
    return problem;
  }

  /** Closes them, and removes the fifos this process made when a vrrp_notify_fifo is configured. */
  close(): void {
    const removeMade = this.vrrpFifo;
    for (const o of this.open.splice(0)) {
      try {
        closeSync(o.fd);
      } catch { /* already closed */ }
      if (o.created && removeMade) safeUnlink(o.spec.path);
    }
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch { /* already gone */ }
}
