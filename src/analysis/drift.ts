/**
 * Collective drift: a notify script that stops a service which a track script probes. Entering
 * that state then fails the check, which lowers (or faults) every instance on the host that
 * tracks it, so they all move away together and the host cannot win them back.
 */
import type { VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';
import { checkedService, inferNotifyEffects, type NotifyState } from './notify.js';
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
      .map((s) => ({ script: s, service: checkedService(s.script, host.readFile) }))
      .filter((p): p is { script: typeof p.script; service: string } => p.service !== undefined);
    if (probes.length === 0 || !host.readFile) continue;
    // One finding per stopped service and the check that probes it, naming every state and
    // instance whose notify stops it (the seed's script does it on BACKUP and on FAULT).
    const causes = new Map<string, { service: string; check: string; trackers: VrrpInstance[]; states: Set<NotifyState>; instances: Set<string>; trigger: string }>();
    for (const v of config.instances) {
      for (const { state, service, trigger } of stoppedServices(v, host)) {
        for (const probe of probes.filter((p) => p.service === service)) {
          const trackers = config.instances.filter((i) => i.trackScripts.some((r) => r.name === probe.script.name));
          if (trackers.length === 0) continue;
          const key = `${service}/${probe.script.name}`;
          const cause = causes.get(key) ?? { service, check: probe.script.name, trackers, states: new Set<NotifyState>(), instances: new Set<string>(), trigger };
          cause.states.add(state);
          cause.instances.add(v.name);
          causes.set(key, cause);
        }
      }
    }
    for (const cause of causes.values()) findings.push(driftFinding(host.name, cause));
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

function driftFinding(
  host: string,
  cause: { service: string; check: string; trackers: VrrpInstance[]; states: Set<NotifyState>; instances: Set<string>; trigger: string },
): Finding {
  const names = cause.trackers.map((t) => t.name);
  const states = HOOKS.map((hook) => hook.state).filter((state) => cause.states.has(state));
  const onlyMaster = states.length === 1 && states[0] === 'master';
  return {
    kind: 'collective-drift',
    severity: onlyMaster ? 'warning' : 'error',
    hosts: [host],
    instances: names.map((n) => at(host, n)),
    message:
      `${host}: when ${[...cause.instances].join(' or ')} enters ${states.map((state) => state.toUpperCase()).join(' or ')}, ` +
      `its notify script stops ${cause.service} (e.g. ${cause.trigger}); track script ${cause.check} probes ${cause.service}, ` +
      `so it fails on ${host} and ${names.join(', ')} ${names.length > 1 ? 'all lose priority at once and move together' : 'loses priority'}; ` +
      `${host} cannot win ${names.length > 1 ? 'them' : 'it'} back while ${cause.service} stays stopped.`,
  };
}
