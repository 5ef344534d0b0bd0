/**
 * A lab run as it is kept on disk, read back as a simulation's result: `run.json` (when the run
 * began, what the lab did and when, the services at start), each host's keepalived log
 * (`HOST.log`, a line per log line, prefixed with the seconds since the start) and its notify
 * stand-ins' log (`HOST/notify.log`). `vrrplab lab` makes its result this way, and a recording
 * kept as a regression fixture is read back by the same code, with no root and no keepalived.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KeepalivedConfig } from '../config/model.js';
import type { SimRecord } from '../sim/cluster.js';
import { findSimulationFindings } from '../sim/findings.js';
import type { SimulationResult } from '../sim/run.js';
import type { Scenario } from '../sim/scenario.js';
import { HostObserver, notifyRecords } from './observe.js';

/** What `run.json` holds. */
export interface RunFile {
  /** Epoch seconds of the scenario's time 0. */
  t0Epoch: number;
  /** The lab's own records, in time order: `fault` for each timeline event played, `service` for a service the timeline stopped or started. */
  played: SimRecord[];
  /** Services each host ran at start (model mode). */
  services: Record<string, Record<string, boolean>>;
  /** What each host ran. */
  impl: Record<string, string>;
}

export const RUN_FILE = 'run.json';

/** A file's text, or '' when it cannot be read (a log not written yet, a pid file gone). */
export function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Each notify command as configured, by owner (instance or sync group) and kind. */
function notifyCommands(config: KeepalivedConfig): Map<string, string> {
  const commands = new Map<string, string>();
  const add = (owner: string, notify: KeepalivedConfig['instances'][number]['notify']): void => {
    for (const [key, kind] of [['master', 'master'], ['backup', 'backup'], ['fault', 'fault'], ['stop', 'stop'], ['generic', 'generic'], ['masterRxLowerPri', 'master_rx_lower_pri']] as const) {
      const command = notify[key];
      if (command !== undefined) commands.set(`${owner}\0${kind}`, command);
    }
  };
  for (const instance of config.instances) add(instance.name, instance.notify);
  for (const group of config.syncGroups) add(group.name, group.notify);
  return commands;
}

/**
 * The run in `dir` as a simulation result of `scenario`, whose hosts' configurations are `configs`
 * (by host name). Records after the scenario's duration are left out, as a simulation has none.
 */
export function readRecording(dir: string, scenario: Scenario, configs: ReadonlyMap<string, KeepalivedConfig>): SimulationResult {
  const run = JSON.parse(readText(path.join(dir, RUN_FILE))) as RunFile;
  const end = scenario.durationMs / 1000;
  const records: SimRecord[] = run.played.filter((record) => record.type === 'fault' && record.host === undefined);
  const vips: Record<string, string[]> = {};
  const endServices: Record<string, Record<string, boolean>> = {};
  for (const host of scenario.hosts) {
    const config = configs.get(host.name);
    if (config === undefined) continue;
    const observer = new HostObserver(host.name, config, records);
    const services = new Map(Object.entries(run.services[host.name] ?? {}));
    // The host's own events and its log lines, in time order; at one instant what the lab did comes first.
    const played = run.played.filter((record) => record.type === 'fault' && record.host === host.name);
    const lines = readText(path.join(dir, `${host.name}.log`)).split('\n').flatMap((line) => {
      const space = line.indexOf(' ');
      const t = Number(line.slice(0, space));
      return space > 0 && Number.isFinite(t) ? [{ t, line: line.slice(space + 1) }] : [];
    });
    let next = 0;
    const playUntil = (t: number): void => {
      for (; next < played.length && (played[next]?.t ?? Infinity) <= t; next++) {
        const record = played[next] as SimRecord;
        records.push(record);
        if (record.type !== 'fault') continue;
        if (record.action === 'start') observer.started();
        if (record.action === 'stop' || record.action === 'kill') observer.stopped(record.t);
      }
    };
    for (const { t, line } of lines) {
      if (t > end) break;
      playUntil(t);
      observer.line(t, line);
    }
    playUntil(Number.POSITIVE_INFINITY);
    // Services change by the timeline and by notifies: in time order, a change only when it is one.
    const commands = notifyCommands(config);
    const notified = notifyRecords(host.name, readText(path.join(dir, host.name, 'notify.log')), run.t0Epoch, (owner, kind) => commands.get(`${owner}\0${kind}`));
    const changes = [...run.played.filter((record) => record.type === 'service' && record.host === host.name), ...notified].sort((a, b) => a.t - b.t);
    for (const record of changes) {
      if (record.type === 'service') {
        if ((services.get(record.service) ?? false) === record.up) continue;
        services.set(record.service, record.up);
      }
      records.push(record);
    }
    vips[host.name] = [...observer.held.keys()].sort();
    endServices[host.name] = Object.fromEntries([...services.entries()].sort());
  }
  const kept = records.filter((record) => record.t <= end);
  // Stable: records of one instant keep the order they were read in.
  kept.sort((a, b) => a.t - b.t);
  const findings = findSimulationFindings(kept, {
    hosts: scenario.hosts.flatMap((host) => {
      const config = configs.get(host.name);
      // The addresses the simulator passes: the lab's hosts have the same ones.
      return config === undefined ? [] : [{ name: host.name, config, address: host.address, ...(host.address6 !== undefined ? { address6: host.address6 } : {}) }];
    }),
    durationMs: scenario.durationMs,
    flapping: scenario.flapping,
    endServices,
    ...(scenario.keepalivedVersion !== undefined ? { keepalivedVersion: scenario.keepalivedVersion } : {}),
  });
  return {
    scenario,
    seed: scenario.seed ?? 1,
    records: kept,
    vips,
    services: endServices,
    findings,
    checkModels: {},
    diagnostics: [],
    events: kept.length,
    ...(scenario.keepalivedVersion !== undefined ? { keepalivedVersion: scenario.keepalivedVersion } : {}),
  };
}
