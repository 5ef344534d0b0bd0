/**
 * A MetricsSnapshot in the Prometheus text exposition format, version 0.0.4: each family's HELP
 * and TYPE lines, then its samples; label values escaped (backslash, double quote, newline);
 * counters end in `_total`. No timestamps: Prometheus stamps a scrape itself.
 *
 * Names and labels are mehdy/keepalived-exporter's where they mean the same thing (its
 * collector.go: `keepalived_up`, `keepalived_vrrp_state{iname,intf,vrid,ip_address}` with INIT 0,
 * BACKUP 1, MASTER 2, FAULT 3, and one counter per keepalived stats field with the labels
 * iname, intf, vrid), so dashboards and rules written for it keep working. Every per-VRID series
 * also carries `family` ("4" or "6"): watch sees one VRID over IPv4 and IPv6 on a link as two, and
 * without it the two would be one series twice. A label added is harmless to the exporter's
 * queries (matchers and `by` name the labels they use). What the exporter has no metric for is
 * named `vrrplab_*`.
 *
 * Written by hand rather than with prom-client: a scrape renders one snapshot (the producers keep
 * the state), where prom-client keeps live registries that would have to be cleared and refilled
 * on every scrape, and `vrrplab run` would load a dependency at start-up for a format of a few
 * rules. The lab tier checks the output with `promtool check metrics` (test/lab/metrics.test.ts).
 */
import type { MetricsSnapshot, SnapshotState, VridSnapshot, VrrpCounterName } from './snapshot.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** keepalived-exporter's encoding of keepalived_vrrp_state (its VRRPStates list: the index). */
export const STATE_VALUE: Partial<Record<SnapshotState, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

/** keepalived's stats field -> keepalived-exporter's counter name and help, in its order. */
export const COUNTERS: ReadonlyArray<readonly [VrrpCounterName, string, string]> = [
  ['advert_rcvd', 'keepalived_advertisements_received_total', 'Advertisements received'],
  ['advert_sent', 'keepalived_advertisements_sent_total', 'Advertisements sent'],
  ['become_master', 'keepalived_become_master_total', 'Became master'],
  ['release_master', 'keepalived_release_master_total', 'Released master'],
  ['packet_len_err', 'keepalived_packet_length_errors_total', 'Packet length errors'],
  ['advert_interval_err', 'keepalived_advertisements_interval_errors_total', 'Advertisement interval errors'],
  ['ip_ttl_err', 'keepalived_ip_ttl_errors_total', 'TTL errors'],
  ['invalid_type_rcvd', 'keepalived_invalid_type_received_total', 'Invalid type errors'],
  ['addr_list_err', 'keepalived_address_list_errors_total', 'Address list errors'],
  ['invalid_authtype', 'keepalived_authentication_invalid_total', 'Authentication invalid'],
  ['authtype_mismatch', 'keepalived_authentication_mismatch_total', 'Authentication mismatch'],
  ['auth_failure', 'keepalived_authentication_failure_total', 'Authentication failure'],
  ['pri_zero_rcvd', 'keepalived_priority_zero_received_total', 'Priority zero received'],
  ['pri_zero_sent', 'keepalived_priority_zero_sent_total', 'Priority zero sent'],
  // Not the exporter's: it has keepalived_gratuitous_arp_delay_total, the configured garp delay.
  ['garp_sent', 'vrrplab_gratuitous_arps_sent_total', 'Gratuitous ARPs and unsolicited NAs sent (vrrplab)'],
];

type Labels = ReadonlyArray<readonly [string, string]>;

interface Family {
  type: 'gauge' | 'counter';
  help: string;
  lines: string[];
  /** Label sets already written, so a repeated one is not written twice (invalid exposition). */
  seen: Set<string>;
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped (a quote is literal there). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: Go's float formatting for the special values, plain digits otherwise. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Object.is(value, -0)) return '-0'; // String(-0) is '0'
  return String(value);
}

/** `k="v",k="v"`, escaped: rendered once per VRID and reused by each of its series. */
function labelText(labels: Labels): string {
  return labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',');
}

class Families {
  private readonly byName = new Map<string, Family>();

  /** A sample; `labels` as labelText renders them ('' for none). */
  add(name: string, type: Family['type'], help: string, labels: string, value: number): void {
    let family = this.byName.get(name);
    if (family === undefined) {
      family = { type, help, lines: [], seen: new Set() };
      this.byName.set(name, family);
    }
    if (family.seen.has(labels)) return;
    family.seen.add(labels);
    family.lines.push(labels === '' ? `${name} ${formatValue(value)}` : `${name}{${labels}} ${formatValue(value)}`);
  }

  render(): string {
    let out = '';
    for (const [name, f] of this.byName) out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}\n`;
    return out;
  }
}

function vridLabels(v: VridSnapshot): string {
  return labelText([['iname', v.instance ?? ''], ['intf', v.iface], ['vrid', String(v.vrid)], ['family', String(v.family)]]);
}

/** The snapshot as a /metrics body. Never throws on odd values: they are escaped or written as they are. */
export function renderExposition(snapshot: MetricsSnapshot): string {
  const f = new Families();
  f.add('vrrplab_up', 'gauge', 'vrrplab is up (label source: watch or run)', labelText([['source', snapshot.source]]), 1);
  // keepalived-exporter's: 1 when it could read keepalived's stats. Only run is a keepalived.
  if (snapshot.source === 'run') f.add('keepalived_up', 'gauge', 'Status', '', 1);
  const labelsOf = new Map<VridSnapshot, string>();
  for (const v of snapshot.vrids) {
    const labels = vridLabels(v);
    labelsOf.set(v, labels);
    const state = STATE_VALUE[v.state];
    // The exporter writes one series per VIP (ip_address), or one with ip_address="" when there is
    // none. STOP and watch's UNKNOWN have no value in its encoding: no series (vrrplab_master says
    // whether a master is heard).
    if (state !== undefined) {
      const addresses = v.addresses !== undefined && v.addresses.length > 0 ? v.addresses : [''];
      for (const ip of addresses) f.add('keepalived_vrrp_state', 'gauge', 'State of vrrp (INIT 0, BACKUP 1, MASTER 2, FAULT 3)', `${labels},${labelText([['ip_address', ip]])}`, state);
    }
    f.add('vrrplab_master', 'gauge', 'The address the current master advertises from (label master), 1 while a master is known, else 0 with master=""', `${labels},${labelText([['master', v.master ?? '']])}`, v.master === undefined ? 0 : 1);
    if (v.priority !== undefined) f.add('vrrplab_priority', 'gauge', "The master's advertised priority (watch) or the instance's effective priority (run)", labels, v.priority);
    if (v.advertIntervalMs !== undefined) f.add('vrrplab_advert_interval_seconds', 'gauge', 'The advert interval in use', labels, v.advertIntervalMs / 1000);
    if (v.lastTransitionSec !== undefined) f.add('vrrplab_last_transition_timestamp_seconds', 'gauge', 'Unix time of the last change of state or master', labels, v.lastTransitionSec);
    if (v.backups !== undefined) f.add('vrrplab_backups', 'gauge', 'Senders of this VRID heard recently besides the master', labels, v.backups.length);
  }
  for (const [key, name, help] of COUNTERS) {
    for (const v of snapshot.vrids) {
      const value = v.counters[key];
      if (value !== undefined) f.add(name, 'counter', help, labelsOf.get(v) ?? vridLabels(v), value);
    }
  }
  // One gauge per (kind, intf, vrid): 1 while any such alert is active.
  const alerts = new Map<string, boolean>();
  for (const a of snapshot.alerts) {
    const labels = labelText([['kind', a.kind], ['intf', a.iface], ['vrid', String(a.vrid)]]);
    alerts.set(labels, (alerts.get(labels) ?? false) || a.active);
  }
  for (const [labels, active] of alerts) f.add('vrrplab_alert', 'gauge', 'A vrrplab watch alert: 1 while active, 0 once cleared', labels, active ? 1 : 0);
  if (snapshot.packetsSeen !== undefined) f.add('vrrplab_packets_total', 'counter', 'Packets read', '', snapshot.packetsSeen);
  for (const [reason, n] of Object.entries(snapshot.malformed ?? {})) f.add('vrrplab_malformed_packets_total', 'counter', 'Packets dropped as malformed, by reason', labelText([['reason', reason]]), n);
  return f.render();
}
