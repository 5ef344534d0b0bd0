/**
 * Scenario checks that need the hosts' keepalived.conf files, run once they are loaded: names in
 * the scenario (vrrp_script models, services, interfaces) that no config uses.
 *
 * Error or warning: a name that is a near miss of one a config uses (`chk_nginxx` for chk_nginx,
 * `ngnix` for nginx) is an error, since the scenario then quietly tests something else than it
 * says (the real check falls back to an inferred model; the service stop changes nothing). A name
 * that resembles nothing is a warning, as keepalived warns and goes on about a track_script
 * naming no vrrp_script. An interface that the host's config neither runs VRRP on nor tracks is
 * an error: the link event could not reach keepalived at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkedService, inferNotifyEffects } from '../analysis/notify.js';
import { onHostDisk } from '../config/load.js';
import type { KeepalivedConfig, NotifyScripts } from '../config/model.js';
import { splitCommandLine } from '../engine/command-line.js';
import { didYouMean, located, type Scenario, type ScenarioHost, type TimelineEntry } from './scenario.js';
import { processService, trackedProcesses } from './processes.js';

export interface ValidationHost {
  name: string;
  config: KeepalivedConfig;
}

export interface ScenarioValidation {
  errors: string[];
  warnings: string[];
}

/** Reads a file as the host names it (a notify program); undefined when it cannot be read. */
export type HostFileReader = (host: ScenarioHost, file: string) => string | undefined;

export function validateScenario(scenario: Scenario, hosts: ValidationHost[], readFile: HostFileReader = defaultReader(scenario)): ScenarioValidation {
  const errors: string[] = [];
  const warnings: string[] = [];
  const label = scenario.source?.file ?? scenario.name;
  const atKey = (key: string, message: string): string => located(scenario.source, label, key, `${key}: ${message}`);
  const atEntry = (entry: TimelineEntry, message: string): string =>
    `${label}${entry.line !== undefined ? `:${entry.line}` : ''}: timeline (${entry.do} at ${entry.atMs / 1000}s): ${message}`;

  if (scenario.scripts === 'model') {
    // vrrp_script names the scenario gives a model for.
    const scripts = new Set(hosts.flatMap((host) => host.config.scripts.map((script) => script.name)));
    // A script keepalived never runs (nothing tracks it: "Warning - script X is not used").
    const run = new Set(hosts.flatMap((host) => host.config.scripts.filter((script) => script.unused !== true).map((script) => script.name)));
    for (const name of Object.keys(scenario.checks)) {
      if (scripts.has(name) && !run.has(name)) {
        warnings.push(atKey(`checks.${name}`, `vrrp_script ${name} is tracked by nothing keepalived keeps (keepalived: "Warning - script ${name} is not used"), so it never runs and this model is never used`));
        continue;
      }
      if (scripts.has(name)) continue;
      const near = didYouMean(name, scripts);
      if (near !== undefined) {
        errors.push(atKey(`checks.${name}`, `no host config defines vrrp_script ${name} (did you mean ${near}?); as written, ${near}'s result would be inferred and this model never used`));
      } else {
        warnings.push(atKey(`checks.${name}`, `no host config defines vrrp_script ${name}, so this model is never used${scripts.size > 0 ? ` (scripts: ${[...scripts].sort().join(', ')})` : ''}`));
      }
    }

    // Services something follows or changes: checks (given or inferred) and notify effects (given or read from the scripts).
    const services = new Set<string>();
    for (const model of Object.values(scenario.checks)) if (model.kind === 'service') services.add(model.service);
    const scenarioHosts = new Map(scenario.hosts.map((host) => [host.name, host]));
    for (const host of hosts) {
      const scenarioHost = scenarioHosts.get(host.name);
      const readProgram = scenarioHost === undefined ? undefined : (file: string) => readFile(scenarioHost, file);
      for (const script of host.config.scripts) {
        const model = scenario.checks[script.name];
        const service = model !== undefined ? (model.kind === 'service' ? model.service : undefined) : checkedService(script.script, readProgram);
        if (service !== undefined) services.add(service);
      }
    }
    for (const effects of Object.values(scenario.notify)) for (const effect of effects ?? []) services.add(effect.service);
    // A vrrp_track_process follows the service of its process name (./processes.ts).
    for (const host of hosts) for (const process of trackedProcesses(host.config)) services.add(processService(process));
    // The notify scripts are read only when a name is not known otherwise (explore runs this per schedule).
    let notifiesRead = false;
    const readNotifies = (): void => {
      notifiesRead = true;
      const hostsByName = new Map(scenario.hosts.map((host) => [host.name, host]));
      for (const host of hosts) {
        const scenarioHost = hostsByName.get(host.name);
        if (scenarioHost === undefined) continue;
        for (const program of notifyPrograms(host.config)) {
          const text = readFile(scenarioHost, program);
          if (text !== undefined) for (const effect of inferNotifyEffects(text)) services.add(effect.service);
        }
      }
    };
    const unusedService = (service: string): { error: boolean; message: string } | undefined => {
      if (!services.has(service) && !notifiesRead) readNotifies();
      if (services.has(service)) return undefined;
      const near = didYouMean(service, services);
      if (near !== undefined) return { error: true, message: `no check, notify script or track_process uses service ${service} (did you mean ${near}?)` };
      return { error: false, message: `no check, notify script or track_process uses service ${service}, so its state changes nothing${services.size > 0 ? ` (services used: ${[...services].sort().join(', ')})` : ''}` };
    };
    const referenced = new Set<string>();
    for (const [hostName, states] of Object.entries(scenario.services)) {
      for (const service of Object.keys(states)) {
        // `services: { haproxy: up }` lands on every host: name it once, at the key as written.
        const perHost = `services.${hostName}.${service}`;
        const key = scenario.source !== undefined && Object.hasOwn(scenario.source.lines, perHost) ? perHost : `services.${service}`;
        if (referenced.has(key)) continue;
        referenced.add(key);
        const problem = unusedService(service);
        if (problem !== undefined) (problem.error ? errors : warnings).push(atKey(key, problem.message));
      }
    }
    for (const entry of scenario.timeline) {
      if (entry.do !== 'service-stop' && entry.do !== 'service-start') continue;
      const problem = unusedService(entry.service);
      if (problem !== undefined) (problem.error ? errors : warnings).push(atEntry(entry, problem.message));
    }
  }

  // link-down/link-up on one interface: it must be one keepalived on that host watches.
  const configs = new Map(hosts.map((host) => [host.name, host.config]));
  for (const entry of scenario.timeline) {
    if ((entry.do !== 'link-down' && entry.do !== 'link-up') || entry.interface === undefined) continue;
    const config = configs.get(entry.host);
    if (config === undefined) continue;
    const used = usedInterfaces(config);
    if (used.has(entry.interface)) continue;
    const near = didYouMean(entry.interface, used);
    errors.push(
      atEntry(
        entry,
        `interface ${entry.interface}: ${entry.host}'s config neither runs VRRP on it nor tracks it${near !== undefined ? ` (did you mean ${near}?)` : ''}; it uses ${[...used].sort().join(', ') || 'no interface'}`,
      ),
    );
  }
  // script-hang/script-resume name a vrrp_script of that host.
  for (const entry of scenario.timeline) {
    if (entry.do !== 'script-hang' && entry.do !== 'script-resume') continue;
    const config = hosts.find((host) => host.name === entry.host)?.config;
    const names = new Set(config?.scripts.map((script) => script.name) ?? []);
    if (names.has(entry.script)) continue;
    const near = didYouMean(entry.script, names);
    errors.push(atEntry(entry, `script ${entry.script}: ${entry.host}'s config has no such vrrp_script${near !== undefined ? ` (did you mean ${near}?)` : ''}`));
  }
  return { errors, warnings };
}

/** Interfaces keepalived watches on a host: those its instances run on and those tracked (track_interface). */
export function usedInterfaces(config: KeepalivedConfig): Set<string> {
  const used = new Set<string>();
  for (const instance of config.instances) {
    used.add(instance.interface);
    for (const ref of instance.trackInterfaces) used.add(ref.name);
  }
  for (const group of config.syncGroups) for (const ref of group.trackInterfaces) used.add(ref.name);
  return used;
}

function notifyPrograms(config: KeepalivedConfig): Set<string> {
  const programs = new Set<string>();
  const add = (notify: NotifyScripts): void => {
    for (const command of [notify.master, notify.backup, notify.fault, notify.stop, notify.generic, notify.masterRxLowerPri]) {
      const program = command === undefined ? undefined : splitCommandLine(command)[0];
      if (program !== undefined) programs.add(program);
    }
  };
  for (const instance of config.instances) add(instance.notify);
  for (const group of config.syncGroups) add(group.notify);
  return programs;
}

function defaultReader(scenario: Scenario): HostFileReader {
  return (host, file) => {
    const onDisk = onHostDisk(host.root, file);
    try {
      return fs.readFileSync(path.isAbsolute(onDisk) ? onDisk : path.resolve(scenario.directory, onDisk), 'utf8');
    } catch {
      return undefined;
    }
  };
}
