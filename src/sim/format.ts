/**
 * Simulation output: a keepalived-style human timeline with virtual timestamps, or JSON lines.
 */
import type { SimRecord } from './cluster.js';
import type { SimFinding } from './findings.js';
import type { SimulationResult } from './run.js';

/** keepalived log lines worth a human's attention in a timeline (the rest is detail). */
const INTERESTING_LOG = /Entering|Changing effective priority|VRRP_Script\(|Receive advertisement timeout|higher priority|lower priority|priority 0|sent 0 priority|Stopping|Netlink reports|VRRP_Group/;

export function formatTimeline(result: SimulationResult): string {
  const { scenario } = result;
  const lines: string[] = [];
  lines.push(`${scenario.name}: ${scenario.hosts.length} hosts, ${formatSeconds(scenario.durationMs / 1000)} virtual, ${scenario.scripts} mode, seed ${result.seed}`);
  if (scenario.scripts === 'model') {
    for (const [script, description] of Object.entries(result.checkModels)) lines.push(`  script ${script}: ${description}`);
  }
  for (const { host, diagnostic } of result.diagnostics) {
    const where = diagnostic.location ? `(${diagnostic.location.file}: Line ${diagnostic.location.line}) ` : '';
    lines.push(`  ${host} keepalived.conf: ${where}${diagnostic.message}`);
  }
  lines.push('');
  const width = Math.max(...scenario.hosts.map((host) => host.name.length), 4);
  for (const record of result.records) {
    const text = describeRecord(record);
    if (text === undefined) continue;
    const host = 'host' in record && record.host !== undefined ? record.host : '*';
    lines.push(`${record.t.toFixed(3).padStart(10)}  ${host.padEnd(width)}  ${text}`);
  }
  lines.push('');
  lines.push('VIPs at the end');
  for (const host of scenario.hosts) {
    const vips = result.vips[host.name] ?? [];
    const services = Object.entries(result.services[host.name] ?? {}).map(([name, up]) => `${name} ${up ? 'up' : 'DOWN'}`);
    lines.push(`  ${host.name.padEnd(width)}  ${(vips.length > 0 ? vips.join(' ') : '-').padEnd(34)}${services.join(', ')}`);
  }
  lines.push('');
  lines.push(result.findings.length === 0 ? 'Findings: none' : `Findings (${result.findings.length})`);
  for (const finding of result.findings) lines.push(`  ${formatFinding(finding)}`);
  return lines.join('\n') + '\n';
}

export function formatFinding(finding: SimFinding): string {
  return `[${finding.kind}] ${finding.from.toFixed(3)}-${finding.to.toFixed(3)} s: ${finding.message}`;
}

function describeRecord(record: SimRecord): string | undefined {
  switch (record.type) {
    case 'log':
      return INTERESTING_LOG.test(record.message) ? record.message : undefined;
    case 'notify':
      return `notify ${record.state.toLowerCase()}: ${record.args.join(' ')}`;
    case 'service':
      return `${record.service} ${record.up ? 'started' : 'STOPPED'} (${record.cause})`;
    case 'fault':
      return `== ${record.action}${record.detail !== undefined ? ` ${record.detail}` : ''}`;
    case 'vip':
      return `${record.held ? 'added' : 'removed'} VIP ${record.address} (${record.instance})`;
    case 'transition':
    case 'priority':
    case 'script':
      // Printed through the engine's own log lines ("Entering MASTER STATE", "Changing effective priority", "VRRP_Script(x) failed").
      return undefined;
  }
}

/** JSON lines: transitions, notifies, faults and services as they happen, then a summary. */
export function formatJsonLines(result: SimulationResult): string {
  const lines: string[] = [];
  for (const record of result.records) {
    switch (record.type) {
      case 'transition':
        lines.push(JSON.stringify({ type: 'transition', t: record.t, host: record.host, instance: record.instance, vrid: record.vrid, from: record.from, to: record.to, priority: record.priority }));
        break;
      case 'notify':
        lines.push(JSON.stringify({ type: 'notify', t: record.t, host: record.host, instance: record.instance, state: record.state, command: record.command, args: record.args }));
        break;
      case 'priority':
        lines.push(JSON.stringify({ type: 'priority', t: record.t, host: record.host, instance: record.instance, vrid: record.vrid, from: record.from, to: record.to }));
        break;
      case 'fault':
        lines.push(JSON.stringify({ type: 'event', t: record.t, host: record.host, action: record.action, detail: record.detail }));
        break;
      case 'service':
        lines.push(JSON.stringify({ type: 'service', t: record.t, host: record.host, service: record.service, up: record.up, cause: record.cause }));
        break;
      case 'vip':
      case 'log':
        break;
    }
  }
  lines.push(JSON.stringify({ type: 'summary', name: result.scenario.name, seed: result.seed, vips: result.vips, services: result.services, findings: result.findings }));
  return lines.join('\n') + '\n';
}

function formatSeconds(seconds: number): string {
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 2)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(seconds % 60 === 0 ? 0 : 2)} min`;
  return `${seconds} s`;
}
