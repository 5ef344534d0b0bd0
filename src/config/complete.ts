/**
 * keepalived's end-of-configuration step for VRRP (vrrp/vrrp.c: script security, sync groups,
 * vrrp_complete_instance, VRID clashes): derived defaults, and the messages it prints there.
 */
import type { KeepalivedConfig, VrrpInstance } from './model.js';
import { ErrClass, type Reporter } from './diagnostics.js';
import { DEFAULTS } from './defaults.js';
import { assignVmacNames, completeVmac, vmacNotModelled } from './vmac.js';
import { loopbackIgnored, lowerPrioGiven, lowerPrioRepGiven, timeoutGiven, type InstanceDraft } from './keywords.js';

/** Whether the program a script line starts with exists (bare names: on PATH). */
export type ScriptProbe = (program: string) => boolean;

/**
 * keepalived 2.4.3 walks a root-run script's path as written, component by component without
 * following links, and disables the script when a directory on it is a symlink (or the file is
 * neither a regular file nor a link): `/bin/true` on a merged-/usr system, where /bin -> usr/bin
 * (lab: "Disabling track script chk due to insecure" from 2.4.3 -t, none from 2.2.7; a
 * notify_master "/bin/touch …" never ran under 2.4.3, logging only "Wrong file type found in
 * script path '/bin/touch'." at start, and ran under 2.2.7). True: so; false: not; undefined: not
 * known (a host directory that does not hold the path).
 */
export type ScriptPathProbe = (program: string) => boolean | undefined;

export interface CompleteOptions {
  version?: '2.2' | '2.4';
  scriptPath?: ScriptPathProbe;
}

export function completeConfig(config: KeepalivedConfig, drafts: InstanceDraft[], reporter: Reporter, probe: ScriptProbe, options: CompleteOptions = {}): void {
  const g = config.globalDefs;
  if (!lowerPrioGiven.has(g)) g.vrrpGarpLowerPrioDelayMs = g.vrrpGarpMasterDelayMs;
  if (!lowerPrioRepGiven.has(g)) g.vrrpGarpLowerPrioRepeat = g.vrrpGarpMasterRepeat;
  for (const s of config.scripts) if (!timeoutGiven.has(s)) s.timeoutMs = s.intervalMs;

  checkScriptSecurity(config, drafts, reporter, probe, options);
  linkSyncGroups(config, drafts, reporter);
  for (const v of drafts) completeInstance(v, config, reporter);
  assignVmacNames(drafts, g.other.vmac_prefix || undefined);
  reportVridClashes(drafts, reporter);
  ownerGroupProcessWeights(config, drafts, reporter);
  markUnusedScripts(config, drafts, reporter);
  config.instances = drafts.map(stripDraft);
}

/**
 * keepalived 2.2.7 vrrp_complete_init(): a sync group with an address owner among its members
 * tracks its processes unweighted (lab, keepalived -t). Weighted track_process lines of an
 * instance are kept, in a sync group or not: 2.2.7 has no "ignoring" rule for them.
 */
function ownerGroupProcessWeights(config: KeepalivedConfig, drafts: InstanceDraft[], reporter: Reporter): void {
  const weights = new Map((config.trackProcesses ?? []).map((p) => [p.name, p.weight]));
  for (const group of config.syncGroups) {
    if (!drafts.some((v) => v.syncGroup === group.name && v.priority === DEFAULTS.priorityOwner)) continue;
    for (const ref of group.trackProcesses ?? []) {
      if ((ref.weight ?? weights.get(ref.name) ?? 0) === 0) continue;
      reporter.report(ErrClass.general, `(${group.name}) Cannot have weighted track process '${ref.name}' with member having priority ${DEFAULTS.priorityOwner} - setting weight 0`);
      ref.weight = 0;
    }
  }
}

/**
 * vrrp_init_script: a script no instance or sync group tracks (after the weighted ones in sync
 * groups were dropped) is never run; keepalived logs "Warning - script NAME is not used" when it
 * starts (lab, 2.2.7), though keepalived -t does not print it: an info line here.
 */
function markUnusedScripts(config: KeepalivedConfig, drafts: InstanceDraft[], reporter: Reporter): void {
  const used = new Set([...drafts.flatMap((v) => v.trackScripts), ...config.syncGroups.flatMap((g) => g.trackScripts)].map((r) => r.name));
  const first = new Set<string>();
  for (const s of config.scripts) {
    // Two vrrp_script blocks of one name: references find the first; the second is never run (lab).
    const shadowed = first.has(s.name);
    first.add(s.name);
    if ((used.has(s.name) && !shadowed) || s.disabled === true) continue;
    s.unused = true;
    reporter.info(`Warning - script ${s.name} is not used`);
  }
}

/** First word of a script line: the program keepalived will run. */
export function scriptProgram(line: string): string {
  return (line.trim().match(/^"([^"]*)"|^(\S+)/)?.slice(1).find((x) => x !== undefined) ?? '').trim();
}

function checkScriptSecurity(config: KeepalivedConfig, drafts: InstanceDraft[], reporter: Reporter, probe: ScriptProbe, options: CompleteOptions): void {
  let anyScript = false;
  const disabled = new Set<string>();
  const g = config.globalDefs;
  // keepalived 2.4.3's path walk (ScriptPathProbe) for scripts run as root, given as absolute paths.
  const linked = (program: string, user: string | undefined): boolean | undefined => {
    if (options.version !== '2.4' || options.scriptPath === undefined || !program.startsWith('/')) return false;
    const runAs = user ?? g.scriptUser ?? (g.enableScriptSecurity ? 'keepalived_script' : 'root');
    if (runAs !== 'root' && runAs !== '0') return false;
    return options.scriptPath(program);
  };
  const unknown: string[] = [];
  // Every vrrp_script is checked, tracked or not (lab, 2.2.7: an untracked /bin/true still gives the
  // SECURITY VIOLATION, exit 6; an untracked missing program is still disabled with its line).
  for (const s of config.scripts) {
    const program = scriptProgram(s.script);
    if (/^<\s*\//.test(s.script.trim())) continue; // "</file": only checks the file can be opened
    if (program === '' || !probe(program)) {
      reporter.report(ErrClass.general, `Disabling track script ${s.name} since not found/accessible`);
      disabled.add(s.name);
      s.disabled = true;
      continue;
    }
    anyScript = true;
    const walk = linked(program, s.user);
    if (walk === true) {
      reporter.report(ErrClass.general, `Disabling track script ${s.name} due to insecure`);
      disabled.add(s.name);
      s.disabled = true;
    } else if (walk === undefined) unknown.push(program);
  }
  const notifies = [...drafts, ...config.syncGroups].flatMap((o) => Object.values(o.notify));
  for (const n of notifies) if (n && probe(scriptProgram(n))) anyScript = true;
  // A notify_fifo_script counts too (lab, 2.2.7 -t: SECURITY VIOLATION, exit 6; a missing one: exit 0, silent).
  for (const n of [g.notifyFifoScript, g.vrrpNotifyFifoScript]) if (n !== undefined && probe(scriptProgram(n))) anyScript = true;
  // keepalived 2.4.3 drops such notify scripts without a word under -t (at start: "Wrong file type
  // found in script path"): check says so itself.
  for (const o of [...drafts, ...config.syncGroups]) {
    for (const [kind, n] of Object.entries(o.notify)) {
      if (n === undefined || !probe(scriptProgram(n))) continue;
      const walk = linked(scriptProgram(n), undefined);
      if (walk === true) reporter.info(`(${o.name}) keepalived 2.4.3 never runs this ${notifyKeyword(kind)} script ${scriptProgram(n)}: a directory on its path is a symlink (merged /usr?); it logs only "Wrong file type found in script path" at start. Give the path without links (/usr/bin/...)`);
      else if (walk === undefined) unknown.push(scriptProgram(n));
    }
  }
  if (unknown.length > 0) {
    reporter.info(`keepalived 2.4.3 disables a script run as root when a directory on its path is a symlink (on merged-/usr systems /bin, /sbin, /lib): not known for ${[...new Set(unknown)].join(', ')} (the host directory does not hold it)`);
  }
  if (anyScript && !config.globalDefs.enableScriptSecurity) {
    reporter.report(ErrClass.security, 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.');
  }
  for (const o of [...drafts, ...config.syncGroups]) o.trackScripts = o.trackScripts.filter((r) => !disabled.has(r.name));
}

function linkSyncGroups(config: KeepalivedConfig, drafts: InstanceDraft[], reporter: Reporter): void {
  const byName = new Map(drafts.map((v) => [v.name, v]));
  const grouped = new Set<string>();
  for (const group of config.syncGroups) {
    group.members = group.members.filter((m) => {
      if (!byName.has(m)) {
        reporter.report(ErrClass.general, `Virtual router ${m} specified in sync group ${group.name} doesn't exist - ignoring`);
        return false;
      }
      // keepalived 2.2.7 (lab): a member already in a group (an earlier one, or named twice in this
      // one) is dropped from this one, which may then be left with one member.
      if (grouped.has(m)) {
        reporter.report(ErrClass.general, `Virtual router ${m} cannot exist in more than one sync group; ignoring ${group.name}`);
        return false;
      }
      grouped.add(m);
      return true;
    });
    if (group.members.length === 0) reporter.report(ErrClass.general, `Sync group ${group.name} has no virtual router(s). removing`);
    else if (group.members.length === 1)
      reporter.report(ErrClass.general, `Sync group ${group.name} has only 1 virtual router(s) - this probably isn't what you want`);
    for (const m of group.members) (byName.get(m) as InstanceDraft).syncGroup = group.name;
  }
  config.syncGroups = config.syncGroups.filter((g) => g.members.length > 0);
}

function completeInstance(v: InstanceDraft, config: KeepalivedConfig, reporter: Reporter): void {
  const say = (message: string, cls: ErrClass = ErrClass.general): void => reporter.report(cls, `(${v.name}) ${message}`);
  if (v.vrid === 0) say('the virtual router id must be set');
  if (loopbackIgnored.has(v)) say('Unknown interface!');

  const first = v.virtualIpaddresses[0];
  v.family = v.familyFromConfig ?? first?.family ?? v.family;
  if (v.family === 6 && v.version === 2) {
    // keepalived 2.2.7 (vrrp_complete_instance) moves an IPv6 instance to version 3 with a word
    // only in strict mode. Without it, a configured `version 2` stays: keepalived -t exits 0 and
    // says nothing, and the daemon sends VRRPv2 headers over IPv6 (lab, issue 23: tshark reads
    // version 2, 8 + 16 bytes per address, no auth bytes, the kernel's checksum with the IPv6
    // pseudo-header; its data dump says "VRRP Version = 2"). So does vrrplab.
    if (v.versionGiven && config.globalDefs.vrrpStrict) {
      say('cannot use IPv6 with VRRP version 2; setting version 3');
      v.version = 3;
    } else if (!v.versionGiven) v.version = 3;
    else if (v.authentication?.type === 'PASS') {
      reporter.notModelled(`(${v.name}) auth_type PASS with VRRPv2 over IPv6: keepalived 2.2.7 sends no password and compares one read from outside the packet; vrrplab sends auth type 1 and compares nothing`, v.location);
    }
  }
  if (v.virtualIpaddresses.length === 0) {
    if (v.version === 3 || config.globalDefs.vrrpStrict) say('No VIP specified; at least one is required');
    else say('No VIP specified; at least one is sensible');
  }

  // No priority given: `state MASTER` makes keepalived treat the instance as the address owner.
  if (!v.priorityGiven) v.priority = v.initialState === 'MASTER' ? DEFAULTS.priorityOwner : DEFAULTS.priority;
  const owner = v.priority === DEFAULTS.priorityOwner;

  if (v.authentication) {
    if (config.globalDefs.vrrpStrict) {
      say('Strict mode does not support authentication. Ignoring.');
      v.authentication = undefined;
    } else if (v.version === 3) {
      say('VRRP version 3 does not support authentication. Ignoring.');
      v.authentication = undefined;
    } else if (!v.authentication.password) {
      say('Authentication specified but no password given. Ignoring');
      v.authentication = undefined;
    } else if (v.family === 6 && v.authentication.type === 'AH') {
      say('Cannot use AH authentication with IPv6. ignoring');
      v.authentication = undefined;
    } else if (v.authentication.type === 'AH' && v.initialState === 'MASTER' && !owner) {
      say('Initial state master is incompatible with AH authentication - clearing');
      v.initialState = 'BACKUP';
    }
  }

  // keepalived 2.4.3's vrrp_complete_instance() (read only as 2.4; each line measured with 2.4.3 -t).
  if (v.authHmac) {
    const ah = v.authHmac;
    if (v.authentication) {
      say('auth_hmac cannot be combined with authentication, dropping legacy auth');
      v.authentication = undefined;
    }
    if (!ah.keys.some((k) => k.id === ah.activeKey)) {
      // The instance then runs without authentication: a forgotten active_key protects nothing.
      say(`auth_hmac active_key ${ah.activeKey} is not defined, disabling extension`);
      reporter.info(`(${v.name}) runs without auth_hmac: keepalived sends its adverts unsigned and accepts unsigned ones (the block protects nothing)`);
      v.authHmac = undefined;
    } else {
      if (config.globalDefs.vrrpStrict && ah.mode !== 'enforce') {
        say('strict mode requires auth_hmac mode enforce');
        ah.mode = 'enforce';
      }
      if (ah.antiReplay === 'time' && ah.timeWindowS === 0) ah.timeWindowS = Math.min(300, Math.max(5, 3 * Math.floor(v.advertIntervalMs / 1000)));
    }
  }

  // keepalived -t 2.2.7 (lab): exit 5, and the instance runs with accept mode off.
  if (v.accept === true && !owner && config.globalDefs.vrrpStrict && v.version === 2) {
    say('warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting');
    v.accept = false;
  }

  // Global vrrp_check_unicast_src holds every instance to it (keepalived reads it at receive time).
  if (config.globalDefs.vrrpCheckUnicastSrc) v.checkUnicastSrc = true;

  // keepalived 2.2.7 (vrrp_complete_instance): a unicast keyword with no peer left means multicast,
  // a deprecated use it reports (exit 5), unless unicast_fault_no_peer asks for FAULT instead.
  if (v.unicastConfigured && v.unicastPeers.length === 0 && !v.unicastFaultNoPeer) {
    say('A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.', ErrClass.deprecated);
  }

  // Sync group members (without sync_group_tracking_weight) and address owners ignore weights.
  const group = v.syncGroup === undefined ? undefined : config.syncGroups.find((g) => g.name === v.syncGroup);
  const syncIgnores = group !== undefined && group.trackingWeight !== true;
  if (syncIgnores || owner) {
    const why = syncIgnores ? 'SYNC group' : 'address_owner';
    // keepalived 2.2.7 (lab): an address owner drops a weighted track_interface (eth9 down then
    // changes nothing); a sync group member says it ignores the weight, yet its effective priority
    // still moves by it (eth9 down: 100 -> 90), so there the model keeps the weight.
    v.trackInterfaces = v.trackInterfaces.filter((t) => {
      if ((t.weight ?? 0) === 0 || t.name === v.interface) return true;
      say(owner ? `ignoring ${t.name} tracked interface due to address owner` : `ignoring ${t.name} tracked interface weight due to SYNC group`);
      return !owner;
    });
    // Of two blocks of one name, references find the first.
    const weights = new Map<string, number>();
    for (const s of config.scripts) if (!weights.has(s.name)) weights.set(s.name, s.weight);
    v.trackScripts = v.trackScripts.filter((ref) => {
      if ((ref.weight ?? weights.get(ref.name) ?? 0) === 0) return true;
      say(`ignoring tracked script ${ref.name} with weights due to ${why}`);
      (v.ignoredTrackScripts ??= []).push({ ref, why: syncIgnores ? 'sync-group' : 'address-owner' });
      return false;
    });
    // Weighted track_file entries go too, their weight in the message (lab: a write of 3 to the file
    // then changes nothing); but one of weight 1 (track_file's default) stays with weight 0, so a
    // non-zero value faults the instance (lab: a write of 3 took the group to FAULT, 0 back).
    const fileWeights = new Map<string, number>();
    for (const f of config.trackFiles) if (!fileWeights.has(f.name)) fileWeights.set(f.name, f.weight);
    v.trackFiles = v.trackFiles.filter((ref) => {
      const weight = ref.weight ?? fileWeights.get(ref.name) ?? 0;
      if (weight === 0) return true;
      if (weight === 1) {
        say(`ignoring weight from tracked file ${ref.name} due to ${why}. specify weight 0`);
        ref.weight = 0;
        return true;
      }
      say(`ignoring tracked file ${ref.name} with weight ${weight} due to ${why}`);
      return false;
    });
  }

  if (v.nopreempt && owner) {
    say('nopreempt is incompatible with priority 255. resetting nopreempt');
    v.nopreempt = false;
  } else if (v.nopreempt && v.initialState === 'MASTER') {
    say('Warning - nopreempt will not work with initial state MASTER - clearing');
    v.nopreempt = false;
  }

  if (v.preemptDelayMs > 0 && config.globalDefs.vrrpStrict) {
    say('preempt_delay is incompatible with strict mode - resetting');
    v.preemptDelayMs = 0;
  }
  if (v.preemptDelayMs > 0 && v.nopreempt) {
    say('preempt_delay is incompatible with nopreempt mode - resetting');
    v.preemptDelayMs = 0;
  }

  if (v.version === 2) {
    if (v.advertIntervalMs >= 256000) {
      say(`VRRPv2 advertisement interval ${(v.advertIntervalMs / 1000).toFixed(2)}s is out of range. Must be less than 256s. Setting to 255s`);
      v.advertIntervalMs = 255000;
    } else if (v.advertIntervalMs % 1000 !== 0) {
      say(`VRRPv2 advertisement interval ${(v.advertIntervalMs / 1000).toFixed(6)}s must be an integer. rounding`);
      v.advertIntervalMs = Math.max(1000, Math.round(v.advertIntervalMs / 1000) * 1000);
    }
  } else if (v.advertIntervalMs % 10 !== 0) {
    v.advertIntervalMs = Math.max(10, Math.round(v.advertIntervalMs / 10) * 10); // v3 carries centiseconds
  }

  if (!v.garpLowerPrioDelayGiven) v.garpLowerPrioDelayMs = config.globalDefs.vrrpGarpLowerPrioDelayMs;
  if (!v.garpLowerPrioRepeatGiven) v.garpLowerPrioRepeat = config.globalDefs.vrrpGarpLowerPrioRepeat;

  v.trackInterfaces = v.trackInterfaces.filter((t) => {
    if (t.name !== v.interface) return true;
    say(`Ignoring track_interface ${t.name} since own interface`);
    return false;
  });
  completeVmac(v, config.globalDefs.vrrpStrict, (message) => reporter.report(ErrClass.general, message), (message) => reporter.notModelled(message, v.location));
  vmacNotModelled(v, reporter);
}

function reportVridClashes(drafts: InstanceDraft[], reporter: Reporter): void {
  const seen = new Map<string, InstanceDraft>();
  for (const v of drafts) {
    if (v.vrid === 0) continue;
    const key = `${v.interface}/${v.family}/${v.vrid}`;
    const other = seen.get(key);
    if (other) reporter.report(ErrClass.general, `${other.name} and ${v.name} both use VRID ${v.vrid} with IPv${v.family} on interface ${v.interface}`);
    else seen.set(key, v);
  }
}

function stripDraft(d: InstanceDraft): VrrpInstance {
  const { priorityGiven: _p, versionGiven: _v, garpLowerPrioDelayGiven: _d, garpLowerPrioRepeatGiven: _r, authTypeGiven: _a, vmacDraft: _m, promoteSecondaries: _s, nonEthernet: _e, familyFromConfig: _f, unicastConfigured: _u, unicastFaultNoPeer: _n, ...instance } = d;
  return instance;
}



function notifyKeyword(kind: string): string {
  const names: Record<string, string> = {
    master: 'notify_master', backup: 'notify_backup', fault: 'notify_fault', stop: 'notify_stop', generic: 'notify', masterRxLowerPri: 'notify_master_rx_lower_pri',
  };
  return names[kind] ?? kind;
}
