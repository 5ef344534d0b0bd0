/**
 * Collective drift: a notify script that stops a service which a track script probes. Entering
 * that state then fails the check, which lowers (or faults) every instance on the host that
 * tracks it, so they all move away together and the host cannot win them back.
 */
import type { VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';
import { inferNotifyEffects, probedService, type NotifyState } from './notify.js';
import { scriptProgram } from '../config/complete.js';

const HOOKS: { state: NotifyState; key: 'master' | 'backup' | 'fault' | 'stop' }[] = [
  { state: 'backup', key: 'backup' },
  { state: 'fault', key: 'fault' },
  { state: 'stop', key: 'stop' },
  { state: 'master', key: 'master' },
];

export function findCollectiveDrift(hosts: HostConfig[]): Finding[] {
  const findings: Finding[] = [];
  for (const host of hosts) {
    const { config } = host;
    const probes = config.scripts
      .map((s) => ({ script: s, service: probedService(s.script) }))
      .filter((p): p is { script: typeof p.script; service: string } => p.service !== undefined);
    if (probes.length === 0 || !host.readFile) continue;
    const reported = new Set<string>();
    for (const v of config.instances) {
      for (const { state, service, trigger } of stoppedServices(v, host)) {
        for (const probe of probes.filter((p) => p.service === service)) {
          const trackers = config.instances.filter((i) => i.trackScripts.some((r) => r.name === probe.script.name));
          if (trackers.length === 0) continue;
          const key = `${state}/${service}/${probe.script.name}`;
          if (reported.has(key)) continue;
          reported.add(key);
          findings.push(driftFinding(host.name, v, state, service, trigger, probe.script.name, trackers));
        }
      }
    }
  }
  return findings;
}

/** Services the instance's notify scripts (its own and the generic one) stop, per state. */
function stoppedServices(v: VrrpInstance, host: HostConfig): { state: NotifyState; service: string; trigger: string }[] {
  const out: { state: NotifyState; service: string; trigger: string }[] = [];
  for (const { state, key } of HOOKS) {
    for (const line of [v.notify[key], v.notify.generic]) {
      if (!line) continue;
      const text = host.readFile?.(scriptProgram(line));
      if (text === undefined) continue;
      const args = line.trim().split(/\s+/).slice(1).map((a) => a.toLowerCase());
      const dedicated = line === v.notify[key];
      for (const e of inferNotifyEffects(text)) {
        if (e.action !== 'stop' || e.state !== state) continue;
        // A case arm runs when the script gets that state: as its argument, or as the generic script's STATE.
        if (e.conditional && !(args.includes(state) || !dedicated)) continue;
        if (!e.conditional && !dedicated) continue;
        out.push({ state, service: e.service, trigger: `${line} (line ${e.line}: ${e.command})` });
      }
    }
  }
  return out;
}

function driftFinding(host: string, v: VrrpInstance, state: NotifyState, service: string, trigger: string, check: string, trackers: VrrpInstance[]): Finding {
  const names = trackers.map((t) => t.name);
  return {
    kind: 'collective-drift',
    severity: state === 'master' ? 'warning' : 'error',
    hosts: [host],
    instances: names.map((n) => at(host, n)),
    message:
      `${host}: when ${v.name} enters ${state.toUpperCase()}, its notify script stops ${service} (${trigger}); ` +
      `track script ${check} probes ${service}, so it fails on ${host} and ${names.join(', ')} ` +
      `${names.length > 1 ? 'all lose priority at once and move together' : 'loses priority'}; ` +
      `${host} cannot win ${names.length > 1 ? 'them' : 'it'} back while ${service} stays stopped.`,
  };
}
