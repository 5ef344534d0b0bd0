/**
 * SIGUSR1: keepalived.data as keepalived 2.2.7's VRRP process writes it (vrrp_print.c,
 * vrrp_data.c dump_vrrp/dump_sock_pool/dump_vscript, interface dump), section by section and
 * field by field, from the engine's state and the host's interfaces. A pure formatter: the
 * runtime gathers the inputs (test/runtime/dump.test.ts, test/lab/runtime-dump.test.ts compares
 * it with keepalived's file for the same config in a netns lab).
 *
 * Where vrrplab cannot have keepalived's value the field is still written, with vrrplab's own:
 * socket fds are vrrplab's, times are its own, and the two lines about keepalived's nftables
 * build ("nftables without counters", "libnftnl version …") are left out (README, SIGUSR1).
 */
import type { KeepalivedVersion } from '../config/version.js';
import type { KeepalivedConfig, VirtualAddress, VrrpInstance, VrrpScript } from '../config/model.js';
import { acceptMode } from '../config/model.js';
import type { InstanceSnapshot, ScriptSnapshot } from '../engine/host.js';
import { timeoutGiven } from '../config/keywords.js';
import { ctimeString } from './log.js';
import { virtualRouterMac } from '../config/vmac.js';

/** One interface of the host as keepalived's interface dump shows it. */
export interface DumpInterface {
  name: string;
  index: number;
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  /** IFF_* flags (/sys/class/net/IF/flags). */
  flags: number;
  mtu: number;
  /** ARPHRD_* (/sys/class/net/IF/type). */
  type: number;
  rpFilter?: number;
  /** keepalived printed "rp_filter N" for it (a VMAC and its base: it set or read the value). */
  rpFilterShown?: number;
  /** A VMAC (use_vmac): the interface it sits on. */
  vmacBase?: string;
  /** keepalived's "Original arp_ignore/arp_filter/promote_secondaries" (a VMAC and its base; else 0). */
  original?: { arpIgnore: number; arpFilter: number; promoteSecondaries: number };
  /** When an unsolicited NA last went out here, which is when keepalived reads the forwarding flag (epoch ms). */
  ipv6ForwardingCheckedAt?: number;
  ipv6Forwarding?: boolean;
}

export interface DumpInput {
  config: KeepalivedConfig;
  routerId: string;
  instances: InstanceSnapshot[];
  scripts: ScriptSnapshot[];
  interfaces: DumpInterface[];
  /** Epoch ms of each instance's last transition. */
  lastTransition: Map<string, number>;
  /** Engine time (monotonic ms) to epoch ms. */
  toEpoch(engineMs: number): number;
  /** The VRRP socket of an interface and family: fd in and out. */
  fds(iface: string, family: 4 | 6): { in: number; out: number };
  /** A command line as keepalived prints it: the program's real path, then the arguments, each quoted. */
  command(line: string): string;
  /** uid:gid scripts run as. */
  scriptIds: string;
  /** The keepalived whose file this is (default 2.2): 2.4.3 masks the password and shows auth_hmac. */
  keepalivedVersion?: KeepalivedVersion;
}

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_RUNNING = 0x40;
const IFF_MULTICAST = 0x1000;

const yesNo = (b: boolean) => (b ? 'true' : 'false');
const secs = (ms: number) => Math.floor(ms / 1000);

/** "1795931933.195320 (Sun Nov 29 05:58:53.195320 2026)", keepalived's timeval with ctime. */
export function timevalString(epochMs: number): string {
  const total = Math.round(epochMs * 1000);
  const sec = Math.floor(total / 1e6);
  const usec = String(total - sec * 1e6).padStart(6, '0');
  const c = ctimeString(sec * 1000);
  return `${sec}.${usec} (${c.slice(0, 19)}.${usec} ${c.slice(20)})`;
}

/**
 * A VIP as keepalived's dump_ipaddress writes it: the prefix only when it is not the host's; an
 * IPv6 VIP with a prefix is "preferred_lft forever", one without (/128) "deprecated" (lab).
 */
export function vipLine(vip: VirtualAddress, iface: string, set: boolean): string {
  const full = vip.family === 6 ? 128 : 32;
  const prefix = vip.prefixLength === full ? '' : `/${vip.prefixLength}`;
  const broadcast = vip.broadcast ? ` brd ${vip.broadcast}` : '';
  const lifetime = vip.family === 6 ? (vip.prefixLength === full ? ' deprecated' : ' preferred_lft forever') : '';
  return `     ${vip.address}${prefix}${broadcast} dev ${vip.dev ?? iface} scope ${vip.scope ?? 'global'}${vip.label ? ` label ${vip.label}` : ''}${lifetime}${set ? ' set' : ''}`;
}

function globalSection(input: DumpInput): string[] {
  const g = input.config.globalDefs;
  const other = (key: string, fallback: string) => g.other[key] ?? fallback;
  return [
    '------< Global definitions >------',
    ' Network namespace = (default)',
    ' Network namespace ipvs = (main namespace)',
    ` Router ID = ${input.routerId}`,
    ' Default smtp_alert = unset',
    ' Default smtp_alert_vrrp = unset',
    ' Default smtp_alert_checker = unset',
    ' Checkers log all failures = false',
    ' No test config before reload',
    ' Dynamic interfaces = false',
    ` Default interface = ${other('default_interface', 'eth0')}`,
    ' Disable local IGMP = no',
    ' LVS flush = false',
    ' LVS flush on stop = disabled',
    ' FIFO write vrrp states on reload = false',
    ' VRRP notify priority changes = false',
    ` VRRP IPv4 mcast group = ${g.vrrpMcastGroup4}`,
    ` VRRP IPv6 mcast group = ${g.vrrpMcastGroup6}`,
    ` Gratuitous ARP delay = ${secs(g.vrrpGarpMasterDelayMs)}`,
    ` Gratuitous ARP repeat = ${g.vrrpGarpMasterRepeat}`,
    ` Gratuitous ARP refresh timer = ${secs(g.vrrpGarpMasterRefreshMs)}`,
    ` Gratuitous ARP refresh repeat = ${g.vrrpGarpMasterRefreshRepeat}`,
    ` Gratuitous ARP lower priority delay = ${secs(g.vrrpGarpLowerPrioDelayMs)}`,
    ` Gratuitous ARP lower priority repeat = ${g.vrrpGarpLowerPrioRepeat}`,
    ` Num adverts before down = ${other('vrrp_down_timer_adverts', '3')}`,
    ' Gratuitous ARP for each secondary VMAC = 0s',
    ' Send advert after receive lower priority advert = true',
    ` Send advert after receive higher priority advert = ${yesNo(g.vrrpHigherPrioSendAdvert)}`,
    ` Gratuitous ARP interval = ${(g.vrrpGarpIntervalMs / 1000).toFixed(6)}`,
    ` Gratuitous NA interval = ${(g.vrrpGnaIntervalMs / 1000).toFixed(6)}`,
    ` VRRP default protocol version = ${g.vrrpVersion}`,
    ` VRRP check unicast_src = ${yesNo(g.vrrpCheckUnicastSrc)}`,
    ` VRRP skip check advert addresses = ${yesNo(g.vrrpSkipCheckAdvAddr)}`,
    ` VRRP strict mode = ${yesNo(g.vrrpStrict)}`,
    ` Max auto priority = ${other('max_auto_priority', '0')}`,
    ' Min auto priority delay = 1000000 usecs',
    ' VRRP process priority = 0',
    " VRRP don't swap = false",
    ' VRRP realtime priority = 0',
    ' VRRP realtime limit = 10000',
    ' Checker process priority = 0',
    " Checker don't swap = false",
    ' Checker realtime priority = 0',
    ' Checker realtime limit = 10000',
    ' BFD process priority = 0',
    " BFD don't swap = false",
    ' BFD realtime priority = 0',
    ' BFD realtime limit = 10000',
    ' SNMP vrrp disabled',
    ' SNMP checker disabled',
    ' SNMP RFCv2 disabled',
    ' SNMP RFCv3 disabled',
    ' SNMP traps disabled',
    ' SNMP socket = default (unix:/var/agentx/master)',
    ' DBus disabled',
    ' DBus service name = ',
    ` Script security ${g.enableScriptSecurity ? 'enabled' : 'disabled'}`,
    ` Default script uid:gid ${input.scriptIds}`,
    ' vrrp_netlink_cmd_rcv_bufs = 0',
    ' vrrp_netlink_cmd_rcv_bufs_force = 0',
    ' vrrp_netlink_monitor_rcv_bufs = 0',
    ' vrrp_netlink_monitor_rcv_bufs_force = 0',
    ' process_monitor_rcv_bufs = 0',
    ' process_monitor_rcv_bufs_force = 0',
    ' lvs_netlink_cmd_rcv_bufs = 0',
    ' lvs_netlink_cmd_rcv_bufs_force = 0',
    ' lvs_netlink_monitor_rcv_bufs = 0',
    ' lvs_netlink_monitor_rcv_bufs_force = 0',
    ' rs_init_notifies = 0',
    ' no_checker_emails = 0',
    ' rx_bufs_multiples = 3',
    ' umask = 0177',
  ];
}

function notifyLines(input: DumpInput, instance: VrrpInstance): string[] {
  const lines: string[] = [];
  const one = (line: string | undefined, what: string) => {
    if (line) lines.push(`   ${what} state transition script = ${input.command(line)}, uid:gid ${input.scriptIds}`);
  };
  one(instance.notify.backup, 'Backup');
  one(instance.notify.master, 'Master');
  one(instance.notify.fault, 'Fault');
  one(instance.notify.stop, 'Stop');
  one(instance.notify.generic, 'Generic');
  one(instance.notify.masterRxLowerPri, 'Master rx lower pri');
  return lines;
}

function instanceSection(input: DumpInput, instance: VrrpInstance, snap: InstanceSnapshot): string[] {
  const g = input.config.globalDefs;
  const lines = [` VRRP Instance = ${instance.name}`, `   VRRP Version = ${instance.version}`];
  if (instance.syncGroup) lines.push(`   Sync group = ${instance.syncGroup}`);
  if (instance.family === 6) lines.push('   Using Native IPv6');
  lines.push(`   State = ${snap.state}`);
  if (snap.state === 'BACKUP') {
    const group = instance.family === 6 ? g.vrrpMcastGroup6 : g.vrrpMcastGroup4;
    lines.push(`   Master router = ${snap.masterAddress ?? (instance.unicastPeers.length > 0 ? '(none)' : group)}`, `   Master priority = ${snap.masterPriority}`);
    if (instance.version === 3) lines.push(`   Master advert int = ${(snap.masterAdvertIntervalMs / 1000).toFixed(2)} sec`);
  }
  // keepalived 2.2.7 prints its instance flags one per line under "Flags:", "none" when there are
  // none; nopreempt is a flag it does not name (lab: "Flags:" with nothing after it).
  const flags = instance.unicastPeers.length > 0 ? ['Using unicast'] : [];
  // So are use_vmac's bits (lab: "Flags:" alone for a use_vmac instance).
  lines.push(flags.length === 0 && !instance.nopreempt && !instance.useVmac ? '   Flags: none' : '   Flags:', ...flags.map((flag) => `     ${flag}`));
  lines.push(
    `   Wantstate = ${snap.wantState}`,
    '   Number of config faults = 0',
    `   Number of interface and track script faults = ${snap.numScriptIfFault}`,
    `   Number of track scripts init = ${snap.numScriptInit}`,
    `   Last transition = ${timevalString(input.lastTransition.get(instance.name) ?? input.toEpoch(0))}`,
    Number.isFinite(snap.sands) ? `   Read timeout = ${timevalString(input.toEpoch(snap.sands))}` : '   Read timeout = DISABLED',
    // keepalived works in integer microseconds: (256 - 150) x 1 s / 256 is 414062 us, not 414062.5 (lab).
    `   Master down timer = ${Math.floor(snap.downTimerMs * 1000 + 1e-6)} usecs`,
  );
  // keepalived 2.2.7 with use_vmac (netns lab): "Use VMAC, i/f name vrrp.51, is_up = true,
  // xmit_base = false", then "Interface = vrrp.51, vmac on eth0" (", xmit base i/f" with
  // vmac_xmit_base), and the VIPs "dev vrrp.51@eth0".
  const vmac = instance.useVmac && instance.vmacName !== undefined ? instance.vmacName : undefined;
  if (vmac !== undefined) {
    lines.push(`   Use VMAC, i/f name ${vmac}, is_up = true, xmit_base = ${yesNo(instance.vmacXmitBase === true)}`);
    // A MAC use_vmac gave (keepalived adds " (using VRID)" for a five-octet one, which is not kept).
    if (instance.vmacMac !== undefined && instance.vmacMac !== virtualRouterMac(instance.vrid, instance.family)) lines.push(`     MAC = ${instance.vmacMac}`);
  }
  if (instance.vmacAddr === true) lines.push('   Use VMAC for VIPs on other interfaces');
  lines.push(vmac !== undefined ? `   Interface = ${vmac}, vmac on ${instance.interface}${instance.vmacXmitBase === true ? ', xmit base i/f' : ''}` : `   Interface = ${instance.interface}`);
  if (instance.dontTrackPrimary) lines.push('   VRRP interface tracking disabled');
  if (g.vrrpSkipCheckAdvAddr) lines.push('   Skip checking advert IP addresses');
  if (g.vrrpStrict) lines.push('   Enforcing strict VRRP compliance');
  const fromConfig = instance.unicastSrcIp ?? instance.mcastSrcIp;
  lines.push(`   Using src_ip = ${snap.sourceAddress ?? '(none)'}${fromConfig ? ' (from configuration)' : ''}`);
  if (instance.unicastPeers.length === 0) {
    const index = input.interfaces.find((i) => i.name === instance.interface)?.index ?? 0;
    lines.push(instance.family === 6 ? `   Multicast address ${g.vrrpMcastGroup6}, ifindex ${index}` : `   Multicast address ${g.vrrpMcastGroup4}`);
  }
  lines.push(
    `   Gratuitous ARP delay = ${secs(instance.garpMasterDelayMs)}`,
    `   Gratuitous ARP repeat = ${instance.garpMasterRepeat}`,
    `   Gratuitous ARP refresh = ${secs(instance.garpMasterRefreshMs)}`,
    `   Gratuitous ARP refresh repeat = ${instance.garpMasterRefreshRepeat}`,
    `   Gratuitous ARP lower priority delay = ${secs(instance.garpLowerPrioDelayMs)}`,
    `   Gratuitous ARP lower priority repeat = ${instance.garpLowerPrioRepeat}`,
    `   Down timer adverts = ${g.other.vrrp_down_timer_adverts ?? '3'}`,
    '   Send advert after receive lower priority advert = true',
    `   Send advert after receive higher priority advert = ${yesNo(g.vrrpHigherPrioSendAdvert)}`,
    `   Virtual Router ID = ${instance.vrid}`,
    `   Priority = ${snap.basePriority}`,
    `   Effective priority = ${snap.effectivePriority}`,
    `   Total priority = ${snap.totalPriority}`,
    instance.version === 2 ? `   Advert interval = ${secs(instance.advertIntervalMs)} sec` : `   Advert interval = ${instance.advertIntervalMs} milli-sec`,
  );
  if (snap.state === 'BACKUP' && instance.version === 3) lines.push(`   Master advert interval = ${snap.masterAdvertIntervalMs} milli-sec`);
  // keepalived 2.2.7 accepts packets for the VIPs unless strict mode (or no_accept) says otherwise.
  lines.push(`   Accept = ${acceptMode(instance, g) ? 'enabled' : 'disabled'}`);
  lines.push(`   Preempt = ${instance.nopreempt ? 'disabled' : 'enabled'}`);
  if (instance.preemptDelayMs > 0) lines.push(`   Preempt delay = ${instance.preemptDelayMs / 1000} secs`);
  lines.push('   Promote_secondaries = disabled');
  if (instance.authentication) {
    lines.push(`   Authentication type = ${instance.authentication.type === 'AH' ? 'IPSEC_AH' : 'SIMPLE_PASSWORD'}`);
    // keepalived 2.4.3 writes the password masked (vrrp_data.c).
    if (instance.authentication.type !== 'AH') lines.push(`   Password = ${input.keepalivedVersion === '2.4' ? '********' : instance.authentication.password.slice(0, 8)}`);
  } else if (instance.version === 2) {
    lines.push('   Authentication type = none');
  }
  const ah = instance.authHmac;
  if (ah !== undefined) {
    // keepalived 2.4.3's lines (vrrp_data.c dump_vrrp); no key bytes.
    lines.push('   Authentication extension = HMAC-SHA256-128');
    lines.push(`     Keys = ${ah.keys.length}, active key id = ${ah.activeKey}`);
    lines.push(`     Mode = ${ah.mode}`);
    lines.push(ah.antiReplay === 'time' ? `     Anti replay = time, window = ${ah.timeWindowS} sec` : '     Anti replay = monotonic');
  }
  if (instance.virtualIpaddresses.length > 0) {
    const held = new Set(snap.vipsHeld);
    const onVmac = (vip: VirtualAddress) => vmac !== undefined && vip.family === instance.family;
    lines.push(`   Virtual IP (${instance.virtualIpaddresses.length}):`, ...instance.virtualIpaddresses.map((vip) => vipLine(vip, onVmac(vip) ? `${vmac}@${instance.interface}` : instance.interface, held.has(vip.address))));
  }
  if (instance.virtualIpaddressesExcluded.length > 0) {
    lines.push(`   Virtual IP Excluded (${instance.virtualIpaddressesExcluded.length}):`, ...instance.virtualIpaddressesExcluded.map((vip) => vipLine(vip, instance.interface, false)));
  }
  if (instance.unicastPeers.length > 0) {
    // keepalived 2.2.7 (vrrp_data.c): "Unicast TTL" only where it set one (IPv4: 255; IPv6 leaves
    // the kernel's, no line); "Check unicast src" is the instance's own flag, not the global one.
    if (instance.family === 4) lines.push('   Unicast TTL = 255');
    lines.push(
      `   Check unicast src : ${instance.checkUnicastSrcInstance === true ? 'yes' : 'no'}`,
      '   Unicast Peer :',
      ...instance.unicastPeers.map((peer, i) => {
        const ttl = instance.unicastPeerTtl?.[i] ?? { min: 0, max: 255 };
        return `     ${peer} min_ttl ${ttl.min} max_ttl ${ttl.max}`;
      }),
      '   Unicast checksum compatibility = no',
    );
  }
  const fd = input.fds(instance.interface, instance.family);
  lines.push(`   fd_in ${fd.in}, fd_out ${fd.out}`);
  if (instance.trackInterfaces.length > 0) {
    lines.push('   Tracked interfaces :', ...instance.trackInterfaces.map((t) => `     ${t.name} weight ${t.weight ?? 0}${t.reverse ? ' reverse' : ''}`));
  }
  if (instance.trackScripts.length > 0) {
    const scripts = new Map(input.config.scripts.map((s) => [s.name, s]));
    lines.push('   Tracked scripts :', ...instance.trackScripts.map((t) => `     ${t.name} weight ${t.weight ?? scripts.get(t.name)?.weight ?? 0}${t.reverse ? ' reverse' : ''}`));
  }
  if (instance.trackFiles.length > 0) {
    const files = new Map(input.config.trackFiles.map((f) => [f.name, f]));
    lines.push('   Tracked files :', ...instance.trackFiles.map((t) => `     ${t.name} weight ${t.weight ?? files.get(t.name)?.weight ?? 0}${t.reverse ? ' reverse' : ''}`));
  }
  lines.push(`   Using smtp notification = ${instance.smtpAlert ? 'yes' : 'no'}`, '   Notify deleted = Fault', ...notifyLines(input, instance), '   Notify priority changes = false');
  return lines;
}

function sockpoolSection(input: DumpInput): string[] {
  const lines = ['------< VRRP Sockpool >------'];
  const pools = new Map<string, VrrpInstance[]>();
  // An instance with use_vmac has its socket on the VMAC (on the base with vmac_xmit_base; lab).
  const socketOf = (i: VrrpInstance) => (i.useVmac && i.vmacName !== undefined && i.vmacXmitBase !== true ? i.vmacName : i.interface);
  for (const instance of input.config.instances) {
    const key = `${socketOf(instance)}/${instance.family}/${instance.unicastPeers.length > 0 ? 'u' : 'm'}`;
    pools.set(key, [...(pools.get(key) ?? []), instance]);
  }
  for (const members of pools.values()) {
    const first = members[0];
    const fd = input.fds(first.interface, first.family);
    const unicast = first.unicastPeers.length > 0;
    lines.push(
      ` fd_in ${fd.in} fd_out = ${fd.out}`,
      `   Interface = ${socketOf(first)}`,
      `   Family = IPv${first.family}`,
      '   Protocol = VRRP',
      `   Type = ${unicast ? 'Unicast' : 'Multicast'}`,
    );
    if (unicast && first.unicastSrcIp) lines.push(`   Address = ${first.unicastSrcIp}`);
    lines.push('   Rx buf size = 0', '   VRRP instances', ...[...members].sort((a, b) => a.vrid - b.vrid).map((m) => `     ${m.name} vrid ${m.vrid}`));
  }
  return lines;
}

function scriptStatus(script: ScriptSnapshot): string {
  if (script.initState === 'init') return 'INIT';
  if (script.initState === 'failed') return 'INIT/FAILED';
  return script.succeeding ? 'GOOD' : 'BAD';
}

function scriptsSection(input: DumpInput): string[] {
  const snaps = new Map(input.scripts.map((s) => [s.name, s]));
  const lines = ['------< VRRP Scripts >------'];
  for (const script of input.config.scripts) {
    const snap = snaps.get(script.name);
    lines.push(
      ` VRRP Script = ${script.name}`,
      `   Command = ${input.command(script.script)}`,
      `   Interval = ${secs(script.intervalMs)} sec`,
      // keepalived keeps 0 when no timeout is configured (the interval is used at run time).
      `   Timeout = ${timeoutGiven.has(script) ? secs(script.timeoutMs) : 0} sec`,
      `   Weight = ${script.weight}${script.weightReverse ? ' reverse' : ''}`,
      `   Rise = ${script.rise}`,
      `   Fall = ${script.fall}`,
      `   Result = ${snap?.result ?? 0}`,
      `   Insecure = ${script.disabled ? 'yes' : 'no'}`,
      // keepalived 2.2.7 shows "unknown" once the first result is in (lab).
      `   Init state = ${snap === undefined ? 'unknown' : snap.initState === 'init' ? 'init' : snap.initState === 'failed' ? 'failed' : 'unknown'}`,
      `   Status = ${snap ? scriptStatus(snap) : 'BAD'}`,
      `   Script uid:gid = ${scriptUidGid(input, script)}`,
      '   VRRP instances :',
      '   Tracking instances :',
      ...input.config.instances.flatMap((i) => i.trackScripts.filter((t) => t.name === script.name).map((t) => `     ${i.name}, weight ${t.weight ?? script.weight}`)),
      `   State = ${snap?.running ? 'running' : 'idle'}`,
    );
  }
  return lines;
}

function scriptUidGid(input: DumpInput, _script: VrrpScript): string {
  return input.scriptIds;
}

function interfaceState(flags: number): string {
  const words = [flags & IFF_UP ? 'UP' : 'DOWN'];
  if (flags & IFF_RUNNING) words.push('RUNNING');
  if (!(flags & IFF_BROADCAST)) words.push('no broadcast');
  if (flags & IFF_LOOPBACK) words.push('loopback');
  if (!(flags & IFF_MULTICAST)) words.push('no multicast');
  return words.join(', ');
}

function interfacesSection(input: DumpInput): string[] {
  const lines = ['------< Interfaces >------'];
  for (const i of input.interfaces) {
    const loopback = (i.flags & IFF_LOOPBACK) !== 0;
    lines.push(` Name = ${i.name}`, `   index = ${i.index}`, `   IPv4 address = ${i.ipv4 ?? '(none)'}`, `   IPv6 address = ${i.ipv6 ?? '(none)'}`);
    if (!loopback && i.mac) lines.push(`   MAC = ${i.mac}`, '   MAC broadcast = ff:ff:ff:ff:ff:ff');
    lines.push(
      `   State = ${interfaceState(i.flags)}`,
      `   Seen up = ${i.flags & IFF_UP ? 1 : 0}`,
      '   Delayed state change running = false',
      '   Up debounce timer = 0us',
      '   Down debounce timer = 0us',
    );
    if (i.vmacBase !== undefined) lines.push(`   VMAC type private, underlying interface = ${i.vmacBase}, state = ${interfaceState(i.flags)}`, '   I/f created by keepalived');
    lines.push(
      `   MTU = ${i.mtu}`,
      `   HW Type = ${i.type === 772 ? 'LOOPBACK' : i.type === 1 ? 'ETHERNET' : 'UNKNOWN'}`,
      '   NIC netlink status update',
      '   Reset ARP config counter 0',
      `   Original arp_ignore ${i.original?.arpIgnore ?? 0}`,
      `   Original arp_filter ${i.original?.arpFilter ?? 0}`,
    );
    // keepalived prints "rp_filter N" only for an interface whose rp_filter it changed (it was
    // there in one lab run where eth0 came up late, absent when it was up at start; with use_vmac
    // on the VMAC and its base); vrrplab sets it only on a VMAC.
    if (i.rpFilterShown !== undefined) lines.push(`   rp_filter ${i.rpFilterShown}`);
    lines.push(`   Original promote_secondaries ${i.original?.promoteSecondaries ?? 0}`, '   Reset promote_secondaries counter 0');
    if (i.ipv6ForwardingCheckedAt !== undefined) {
      const t = timevalString(i.ipv6ForwardingCheckedAt);
      // keepalived's own layout here: "(<ctime> .<usec>)" with the microseconds after the year.
      const [stamp] = t.split(' ');
      const usec = stamp.split('.')[1];
      const c = ctimeString(Math.floor(i.ipv6ForwardingCheckedAt / 1000) * 1000);
      lines.push(`   ${i.ipv6Forwarding ? 'IPv6 forwarding' : 'Not IPv6 forwarding'}. Last checked ${stamp} (${c}.${usec})`);
    }
    const tracking: string[] = [];
    for (const instance of input.config.instances) {
      if (instance.interface === i.name && !instance.dontTrackPrimary) tracking.push(`     ${instance.name}, weight 0`);
      if (instance.useVmac && instance.vmacName === i.name && i.vmacBase !== undefined) tracking.push(`     ${instance.name}, weight 0`);
      for (const t of instance.trackInterfaces) if (t.name === i.name && t.name !== instance.interface) tracking.push(`     ${instance.name}, weight ${t.weight ?? 0}`);
    }
    if (tracking.length > 0) lines.push('   Tracking VRRP instances :', ...tracking);
  }
  return lines;
}

/** The whole of keepalived.data, newline-terminated. */
export function formatDataDump(input: DumpInput): string {
  const snaps = new Map(input.instances.map((s) => [s.name, s]));
  const lines = [...globalSection(input), '------< VRRP Topology >------'];
  for (const instance of input.config.instances) {
    const snap = snaps.get(instance.name);
    if (snap) lines.push(...instanceSection(input, instance, snap));
  }
  lines.push(...sockpoolSection(input));
  if (input.config.scripts.length > 0) lines.push(...scriptsSection(input));
  lines.push(...interfacesSection(input));
  return `${lines.join('\n')}\n`;
}
