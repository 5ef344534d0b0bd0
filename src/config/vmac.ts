/**
 * use_vmac, vmac_xmit_base and use_vmac_addr as keepalived 2.2.7 reads them (vrrp/vrrp_parser.c
 * vrrp_vmac_handler and vrrp_end_handler, vrrp/vrrp.c vrrp_complete_instance and create_vmac_name),
 * with keepalived -t's words (each checked in a netns lab, test/fixtures/configs/vmac-*.conf).
 *
 * After loading, an instance with use_vmac has the VMAC interface keepalived creates for it:
 * `vmacName` (vrrp.VRID unless named) and `vmacMac` (00:00:5e:00:01:VRID, 00:00:5e:00:02:VRID for
 * IPv6, or the address use_vmac gives).
 */
import { ErrClass, type Reporter } from './diagnostics.js';
import type { SourceLocation, VrrpInstance } from './model.js';
import type { Args } from './values.js';

/** Where the VRRP virtual router MACs start (RFC 5798 7.3): 00:00:5e:00:01:VRID (IPv4), :02: (IPv6). */
export const VRRP_MAC_PREFIX = [0x00, 0x00, 0x5e, 0x00] as const;

/** The RFC's virtual router MAC of a VRID, as text. */
export function virtualRouterMac(vrid: number, family: 4 | 6): string {
  return formatMac([...VRRP_MAC_PREFIX, family === 6 ? 2 : 1, vrid & 0xff]);
}

export function formatMac(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** What the parser keeps of use_vmac's arguments until the instance is completed. */
export interface VmacDraft {
  /** use_vmac's MAC address (6 bytes; with `useVrid` the last is the VRID, filled in at completion). */
  mac?: number[];
  useVrid?: boolean;
}

export interface VmacParseContext {
  reporter: Reporter;
  /** VMAC interface names already taken, by instance (keepalived checks the instances read so far). */
  taken: Map<string, string>;
  /** Whether an interface of that name exists and is not a private macvlan (keepalived -t looks). */
  blocked(name: string): boolean;
}

/** The kernel's dev_name_valid (net/core/dev.c), which keepalived copies: IFNAMSIZ 16 with its NUL. */
export function validInterfaceName(name: string): boolean {
  if (name === '' || name === '.' || name === '..') return false;
  if (Buffer.byteLength(name) >= 16) return false;
  return !/[/:\s]/.test(name);
}

/**
 * One `use_vmac [NAME] [MAC]` line: its first two words, each a MAC address when it holds a ':'
 * (an interface name cannot), else the interface name.
 */
export function parseUseVmac(v: VrrpInstance & { vmacDraft?: VmacDraft }, words: string[], location: SourceLocation, ctx: VmacParseContext): void {
  v.useVmac = true;
  const draft = (v.vmacDraft ??= {});
  const report = (message: string): void => ctx.reporter.report(ErrClass.general, message, location);
  for (const word of words.slice(1, 3)) {
    if (word.includes(':')) {
      if (draft.mac !== undefined) {
        report('VMAC interface address already specified');
        continue;
      }
      if (/[^0-9A-Fa-f:]/.test(word)) {
        report(`VMAC invalid MAC address ${word}`);
        continue;
      }
      const parsed = parseVmacAddress(word);
      if (parsed === undefined) report(`VMAC invalid MAC address ${word} - ignored`);
      else if (parsed.bytes[0] & 0x01) report(`VMAC MAC address is multicast ${word} - ignoring`);
      else if (VRRP_MAC_PREFIX.every((b, i) => parsed.bytes[i] === b) && (parsed.bytes[4] === 1 || parsed.bytes[4] === 2)) {
        report(`VMAC MAC address not allowed to be RFC5798 address (${word}) - ignoring`);
      } else {
        draft.mac = parsed.bytes;
        draft.useVrid = parsed.useVrid;
      }
      continue;
    }
    if (v.vmacName !== undefined) {
      report('VMAC interface name already specified');
      continue;
    }
    if (!validInterfaceName(word)) {
      report(`VMAC interface name '${word}' too long or invalid characters - ignoring`);
      continue;
    }
    const owner = ctx.taken.get(word);
    if (owner !== undefined) {
      report(`(${v.name}) VRRP instance ${owner} is already using ${word} - ignoring name`);
      continue;
    }
    v.vmacName = word;
    v.vmacNameGiven = true;
    ctx.taken.set(word, v.name);
    // keepalived -t reads the machine's interfaces: an existing one it could not take over as its
    // VMAC (anything but a private macvlan) drops the name, and the default one is used.
    if (ctx.blocked(word)) {
      report(`(${v.name}) interface ${word} already exists and is not a private macvlan; ignoring vmac if_name`);
      v.vmacName = undefined;
      v.vmacNameGiven = undefined;
    }
  }
}

/**
 * keepalived's octet loop (strtoul base 16 per octet): 6 octets of 1-2 hex digits separated by
 * ':', or 5 (with or without a trailing ':'), the sixth then being the VRID. What follows a sixth
 * octet's ':' is not read.
 */
export function parseVmacAddress(text: string): { bytes: number[]; useVrid: boolean } | undefined {
  const bytes = [0, 0, 0, 0, 0, 0];
  let p = 0;
  for (let j = 0; j < 6; j++) {
    const digits = /^[0-9A-Fa-f]*/.exec(text.slice(p))?.[0] ?? '';
    if (digits.length === 0 || digits.length > 2) return undefined;
    const end = p + digits.length;
    const next = text[end];
    if (next !== ':' && (next !== undefined || j < 4)) return undefined;
    bytes[j] = parseInt(digits, 16);
    if (j === 4 && (next === undefined || (next === ':' && end + 1 === text.length))) return { bytes, useVrid: true };
    p = end + 1;
    if (p >= text.length && j < 5) return undefined;
  }
  return { bytes, useVrid: false };
}

/** Keywords that make an instance unicast for vrrp_end_handler's VMAC check (VRRP_FLAG_UNICAST_CONFIGURED). */
const UNICAST_KEYWORDS = new Set(['unicast_peer', 'unicast_src_ip', 'unicast_fault_no_peer', 'check_unicast_src', 'old_unicast_checksum']);

/**
 * vrrp_end_handler, at the instance's closing brace: a unicast instance with use_vmac sends from
 * the base interface (keepalived sets vmac_xmit_base and says so).
 */
export function endOfInstanceVmac(v: VrrpInstance, keywords: string[], end: SourceLocation | undefined, reporter: Reporter): void {
  if (!v.useVmac || !keywords.some((k) => UNICAST_KEYWORDS.has(k))) return;
  if (v.interface === '') {
    reporter.report(ErrClass.general, `(${v.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`, end);
    v.useVmac = false;
    v.vmacName = undefined;
  } else if (v.vmacXmitBase !== true) {
    reporter.report(ErrClass.general, `(${v.name}) unicast with use_vmac requires vmac_xmit_base - setting`, end);
    v.vmacXmitBase = true;
  }
}

/**
 * vrrp_complete_instance's VMAC steps, in its order: a MAC with strict mode, xmit_base with strict
 * mode, promote_secondaries (always set on a VMAC), vmac_xmit_base without use_vmac.
 */
export function completeVmac(
  v: VrrpInstance & { vmacDraft?: VmacDraft; promoteSecondaries?: boolean; nonEthernet?: boolean },
  strict: boolean,
  report: (message: string) => void,
  info: (message: string) => void = () => undefined,
): void {
  const say = (message: string): void => report(`(${v.name})${message}`);
  const draft = v.vmacDraft;
  if (strict && draft?.mac !== undefined) {
    say(': cannot specify MAC address with strict mode - clearing');
    draft.mac = undefined;
  }
  if (v.useVmac && v.nonEthernet === true) {
    // keepalived also clears the instance's flags and counts a config fault: it stays in FAULT.
    say(': vmacs are only supported on Ethernet type interfaces');
    info(`vrrplab: (${v.name}) keepalived keeps this instance in FAULT (a config fault), which is not modelled: it runs without a VMAC here`);
    v.useVmac = false;
    v.vmacName = undefined;
    v.vmacXmitBase = false;
    return;
  }
  if (v.useVmac) {
    if (strict && v.vmacXmitBase === true) {
      say(' xmit_base is incompatible with strict mode - resetting');
      v.vmacXmitBase = false;
    }
    if (v.promoteSecondaries === true) say(' promote_secondaries is automatically set for vmacs - ignoring');
    const mac = draft?.mac ? [...draft.mac] : [...VRRP_MAC_PREFIX, v.family === 6 ? 2 : 1, 0];
    if (!draft?.mac || draft.useVrid === true) mac[5] = v.vrid & 0xff;
    v.vmacMac = formatMac(mac);
  } else if (v.vmacXmitBase === true) {
    say(' vmac_xmit_base is only valid with a vmac');
    v.vmacXmitBase = false;
  }
}

/**
 * create_vmac_name: an instance without a usable name of its own gets PREFIX.VRID (vmac_prefix,
 * default "vrrp"), or, when another instance has that name, PREFIX1.VRID, PREFIX2.VRID, ... (IPv6
 * tries PREFIX6.VRID first, then 1, 2, ... skipping 6). Names are cut to 15 bytes at the prefix.
 * keepalived also skips names of existing interfaces it cannot use; the runtime does that
 * (`vrrplab run`), a check of a file cannot know them.
 */
export function assignVmacNames(instances: VrrpInstance[], prefix = 'vrrp', exists: (name: string, instance: VrrpInstance) => boolean = () => false): void {
  const taken = new Set(instances.flatMap((v) => (v.useVmac && v.vmacName !== undefined ? [v.vmacName] : [])));
  for (const v of instances) {
    if (!v.useVmac || v.vmacName !== undefined) continue;
    let num = 0;
    for (;;) {
      const name = vmacName(prefix, num === 0 ? '' : String(num), v.vrid);
      if (!taken.has(name) && !exists(name, v)) {
        v.vmacName = name;
        taken.add(name);
        break;
      }
      if (v.family === 6) num = num === 0 ? 6 : num === 6 ? 1 : num + 1 === 6 ? 7 : num + 1;
      else num++;
    }
  }
}

function vmacName(prefix: string, num: string, vrid: number): string {
  const full = `${prefix}${num}.${vrid}`;
  if (full.length < 16) return full;
  return `${prefix.slice(0, Math.max(0, prefix.length - (full.length - 16) - 1))}${num}.${vrid}`;
}

/**
 * garp_extra_if DELAY [all] (and its deprecated name vmac_garp_intvl): keepalived's periodic
 * gratuitous ARPs on VMAC interfaces (vrrp_garp_extra_if_handler). Read with keepalived's messages;
 * the periodic ARPs themselves are not modelled, and vrrplab says so (an info line).
 */
export function parseGarpExtraIf(v: VrrpInstance, a: Args, reporter: Reporter): void {
  const words = a.st.words;
  const keyword = words[0];
  if (keyword === 'vmac_garp_intvl') reporter.report(ErrClass.deprecated, 'Keyword "vmac_garp_intvl" is deprecated - please use "garp_extra_if"', a.location);
  let delay: number | undefined;
  for (let i = 1; i < words.length; i++) {
    if (words[i] === 'all') continue;
    // keepalived's read_unsigned_strvec prints its own line first ("invalid number 'x'", lab).
    const value = a.unsigned(i, 0, 86400);
    if (value === undefined) {
      reporter.report(ErrClass.general, `(${v.name}): ${keyword} '${words[i]}' invalid - ignoring`, a.location);
      return;
    }
    delay = value;
  }
  if (delay === undefined) {
    reporter.report(ErrClass.general, `(${v.name}): ${keyword} specified without time - ignoring`, a.location);
    return;
  }
  reporter.notModelled(`vrrplab: (${v.name}) ${keyword}: the periodic gratuitous ARPs on VMAC interfaces are not modelled`, a.location);
}

/** What vrrplab does not model of an instance's VMAC, said where the user looks (check, simulate). */
export function vmacNotModelled(v: VrrpInstance, reporter: Reporter): void {
  if (v.useVmac && v.vmacAddr === true) {
    reporter.notModelled(`vrrplab: (${v.name}) use_vmac_addr: the VMACs keepalived adds for VIPs on other interfaces or of the other address family are not modelled (those VIPs stay where they are)`, v.location);
  }
}
