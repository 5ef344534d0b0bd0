/**
 * What keepalived-exporter (mehdy/keepalived-exporter, reading keepalived's SIGUSR1/SIGUSR2 dumps)
 * would export for a keepalived, from keepalived.data and keepalived.stats: the series its
 * collector writes, as `name{label="value",...}` (labels sorted) -> value. Written here from the
 * dumps' format and the exporter's metric list (facts, not its code) to hold vrrplab's exposition
 * against a real keepalived's in the same situation (test/lab/metrics.test.ts records one).
 */
const STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];

/** keepalived.stats lines -> the exporter's counter names, by section ('' at the instance's level). */
const STAT_NAMES: Record<string, string> = {
  'Advertisements/Received': 'keepalived_advertisements_received_total',
  'Advertisements/Sent': 'keepalived_advertisements_sent_total',
  '/Became master': 'keepalived_become_master_total',
  '/Released master': 'keepalived_release_master_total',
  'Packet Errors/Length': 'keepalived_packet_length_errors_total',
  'Packet Errors/TTL': 'keepalived_ip_ttl_errors_total',
  'Packet Errors/Invalid Type': 'keepalived_invalid_type_received_total',
  'Packet Errors/Advertisement Interval': 'keepalived_advertisements_interval_errors_total',
  'Packet Errors/Address List': 'keepalived_address_list_errors_total',
  'Authentication Errors/Invalid Type': 'keepalived_authentication_invalid_total',
  'Authentication Errors/Type Mismatch': 'keepalived_authentication_mismatch_total',
  'Authentication Errors/Failure': 'keepalived_authentication_failure_total',
  'Priority Zero/Received': 'keepalived_priority_zero_received_total',
  'Priority Zero/Sent': 'keepalived_priority_zero_sent_total',
};

export function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

interface DataInstance {
  name: string;
  state: string;
  iface: string;
  vrid: string;
  vips: string[];
}

function readData(data: string): DataInstance[] {
  const out: DataInstance[] = [];
  let current: DataInstance | undefined;
  let inVips = false;
  for (const line of data.split('\n')) {
    const instance = /^ VRRP Instance = (\S+)/.exec(line);
    if (instance) {
      current = { name: instance[1]!, state: '', iface: '', vrid: '', vips: [] };
      out.push(current);
      inVips = false;
      continue;
    }
    if (current === undefined) continue;
    if (/^\S|^ \S/.test(line)) {
      current = undefined;
      continue;
    }
    if (/^   Virtual IP \(\d+\):/.test(line)) {
      inVips = true;
      continue;
    }
    if (inVips && /^     \S/.test(line)) {
      current.vips.push(line.trim());
      continue;
    }
    inVips = false;
    const field = /^   (State|Interface|Virtual Router ID) = (.*)$/.exec(line);
    if (field?.[1] === 'State' && current.state === '') current.state = field[2]!;
    else if (field?.[1] === 'Interface' && current.iface === '') current.iface = field[2]!;
    else if (field?.[1] === 'Virtual Router ID') current.vrid = field[2]!;
  }
  return out;
}

function readStats(stats: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  let counters: Map<string, number> | undefined;
  let section = '';
  for (const line of stats.split('\n')) {
    const instance = /^VRRP Instance: (\S+)/.exec(line);
    if (instance) {
      counters = new Map();
      out.set(instance[1]!, counters);
      section = '';
      continue;
    }
    const heading = /^  (\S[^:]*):$/.exec(line);
    if (heading) {
      section = heading[1]!;
      continue;
    }
    const top = /^  (\S[^:]*): (\d+)$/.exec(line);
    const nested = /^    (\S[^:]*): (\d+)$/.exec(line);
    const [key, value] = top ? [`/${top[1]}`, top[2]] : nested ? [`${section}/${nested[1]}`, nested[2]] : [undefined, undefined];
    if (top) section = '';
    const name = key === undefined ? undefined : STAT_NAMES[key];
    if (counters !== undefined && name !== undefined) counters.set(name, Number(value));
  }
  return out;
}

/** The exporter's series for one keepalived (keepalived_up, each instance's state per VIP, its counters). */
export function exporterView(data: string, stats: string): Map<string, number> {
  const series = new Map<string, number>([['keepalived_up{}', 1]]);
  const counters = readStats(stats);
  for (const inst of readData(data)) {
    const state = STATES.indexOf(inst.state);
    const common = { iname: inst.name, intf: inst.iface, vrid: inst.vrid };
    // One series per VIP: its first word (the address, with a prefix unless /32 or /128), its device.
    for (const vip of inst.vips) {
      const words = vip.split(' ');
      series.set(seriesKey('keepalived_vrrp_state', { ...common, intf: words[2] ?? '', ip_address: words[0]! }), state);
    }
    if (inst.vips.length === 0) series.set(seriesKey('keepalived_vrrp_state', { ...common, ip_address: '' }), state);
    for (const [name, value] of counters.get(inst.name) ?? []) series.set(seriesKey(name, common), value);
  }
  return series;
}

/** vrrplab's exposition seen through the exporter's names: its keepalived_* series, without `family`. */
export function vrrplabView(exposition: string, parse: (text: string) => Array<{ samples: Array<{ name: string; labels: Record<string, string>; value: number }> }>): Map<string, number> {
  const series = new Map<string, number>();
  for (const family of parse(exposition)) {
    for (const s of family.samples) {
      if (!s.name.startsWith('keepalived_')) continue;
      const { family: _family, ...labels } = s.labels;
      series.set(seriesKey(s.name, labels), s.value);
    }
  }
  return series;
}
