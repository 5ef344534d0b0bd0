/**
 * What a real host did, read back as the simulator's records: keepalived's log lines (states,
 * priorities, script results, VIPs set and removed) as they arrive, and the notify stand-ins' log.
 * The records are the simulator's own types, so the timeline, findings and HTML of a lab run are
 * made by the same code as a simulation's.
 */
import type { KeepalivedConfig } from '../config/model.js';
import type { VrrpState } from '../engine/types.js';
import type { SimRecord } from '../sim/cluster.js';

const TRANSITION = /\((\S+?)\):? [Ee]ntering (MASTER|BACKUP|FAULT) (?:STATE|state)/;
const PRIORITY = /\((\S+?)\) Changing effective priority from (\d+) to (\d+)/;
const SCRIPT = /VRRP_Script\((\S+?)\) (succeeded|failed|timed_out)/;
const VIPS = /\((\S+?)\) (setting|removing) VIPs\./;
const GROUP_FAULT = /VRRP_Group\((\S+?)\) Syncing instances to FAULT state/;

interface InstanceView {
  vrid: number;
  vips: string[];
  state: VrrpState;
  priority: number;
  basePriority: number;
}

/** One host's instances as its log shows them; `line()` turns a log line into records. */
export class HostObserver {
  private readonly instances = new Map<string, InstanceView>();
  private readonly groups = new Map<string, string[]>();
  /** VIPs the host holds now (keepalived leaves them behind when it is killed). */
  readonly held = new Map<string, string>();

  constructor(
    readonly host: string,
    config: KeepalivedConfig,
    private readonly records: SimRecord[],
  ) {
    for (const instance of config.instances) {
      this.instances.set(instance.name, {
        vrid: instance.vrid,
        vips: instance.virtualIpaddresses.map((vip) => vip.address),
        state: 'STOP',
        priority: instance.priority,
        basePriority: instance.priority,
      });
    }
    for (const group of config.syncGroups) this.groups.set(group.name, group.members);
  }

  /** keepalived (re)started: every instance is in INIT until its first line. */
  started(): void {
    for (const view of this.instances.values()) {
      view.state = 'INIT';
      view.priority = view.basePriority;
    }
  }

  /** keepalived stopped or was killed at `t`: instances not yet stopped are. */
  stopped(t: number): void {
    for (const [name, view] of this.instances) {
      if (view.state === 'STOP') continue;
      this.records.push({ type: 'transition', t, host: this.host, instance: name, vrid: view.vrid, from: view.state, to: 'STOP', priority: view.priority });
      view.state = 'STOP';
    }
  }

  line(t: number, text: string): void {
    const message = text.replace(/^\w{3} \w{3} +\d+ [\d:]+ \d{4}: /, '').trim();
    if (message === '') return;
    this.records.push({ type: 'log', t, host: this.host, message });
    let match = TRANSITION.exec(message);
    if (match !== null) {
      const view = this.instances.get(match[1]);
      const to = match[2] as VrrpState;
      if (view !== undefined && view.state !== to) {
        this.records.push({ type: 'transition', t, host: this.host, instance: match[1], vrid: view.vrid, from: view.state, to, priority: view.priority });
        view.state = to;
      }
      return;
    }
    // keepalived 2.2.7 logs no "Entering FAULT STATE" for the members a sync group takes to FAULT.
    match = GROUP_FAULT.exec(message);
    if (match !== null) {
      for (const member of this.groups.get(match[1]) ?? []) {
        const view = this.instances.get(member);
        if (view === undefined || view.state === 'FAULT') continue;
        this.records.push({ type: 'transition', t, host: this.host, instance: member, vrid: view.vrid, from: view.state, to: 'FAULT', priority: view.priority });
        view.state = 'FAULT';
      }
      return;
    }
    match = PRIORITY.exec(message);
    if (match !== null) {
      const view = this.instances.get(match[1]);
      if (view === undefined) return;
      view.priority = Number(match[3]);
      this.records.push({ type: 'priority', t, host: this.host, instance: match[1], vrid: view.vrid, from: Number(match[2]), to: view.priority });
      return;
    }
    match = SCRIPT.exec(message);
    if (match !== null) {
      this.records.push({ type: 'script', t, host: this.host, script: match[1], ok: match[2] === 'succeeded' });
      return;
    }
    match = VIPS.exec(message);
    if (match !== null) {
      const view = this.instances.get(match[1]);
      if (view === undefined) return;
      const setting = match[2] === 'setting';
      for (const address of view.vips) {
        if (setting === this.held.has(address)) continue;
        if (setting) this.held.set(address, match[1]);
        else this.held.delete(address);
        this.records.push({ type: 'vip', t, host: this.host, instance: match[1], address, held: setting });
      }
    }
  }
}

/** Splits a stream into lines, each stamped with the time its chunk arrived. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
}

/**
 * The notify stand-ins' log (`N EPOCH KIND OWNER ARGS…`, `S EPOCH SERVICE 0|1 CAUSE`) as records;
 * `t0Epoch` is the scenario's time 0 in epoch seconds. `commands` maps owner and kind to the command
 * as configured.
 */
export function notifyRecords(host: string, text: string, t0Epoch: number, commands: (owner: string, kind: string) => string | undefined): SimRecord[] {
  const records: SimRecord[] = [];
  for (const line of text.split('\n')) {
    const words = line.split(' ');
    const t = Math.round((Number(words[1]) - t0Epoch) * 1e6) / 1e6;
    if (!Number.isFinite(t)) continue;
    if (words[0] === 'N' && words.length >= 4) {
      const [, , kind, owner, ...passed] = words;
      const command = commands(owner, kind) ?? '';
      const program = command.split(/\s+/)[0] ?? '';
      const generic = kind === 'generic';
      // The generic notify's arguments end with TYPE NAME STATE PRIORITY; the specific one's state is its kind.
      const state = (generic ? passed[passed.length - 2] : kind === 'master_rx_lower_pri' ? 'MASTER' : kind.toUpperCase()) as VrrpState;
      records.push({ type: 'notify', t, host, instance: owner, state, command, args: [program, ...passed.filter((word) => word !== '')] });
    } else if (words[0] === 'S' && words.length >= 4) {
      records.push({ type: 'service', t, host, service: words[2], up: words[3] === '1', cause: words.slice(4).join(' ') });
    }
  }
  return records;
}
