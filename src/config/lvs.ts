/**
 * LVS `virtual_server` blocks: vrrplab does not emulate LVS, but `keepalived -t` validates their
 * syntax, and those warnings belong in `check`. Ported from keepalived 2.2.7's parse-time real
 * server check (check/check_data.c alloc_rs) and validate_check_config(): the checks that need
 * only the configuration. Virtual server groups are not checked.
 */
import { isIP } from 'node:net';
import { ErrClass, type Reporter } from './diagnostics.js';
import type { Statement } from './reader.js';

const DEFAULT_SCHEDULER = 'wlc';

export function checkVirtualServer(st: Statement, reporter: Reporter): void {
  const [, first, second] = st.words;
  if (first === 'group' || first === undefined) return;
  const fwmark = first === 'fwmark';
  if (!fwmark && !validAddress(first)) return; // keepalived's own message for a bad header is not modelled
  let protocol = 'none';
  let scheduler = false;
  let forwarding: string | undefined;
  let persistent = false;
  let haSuspend = false;
  const real: { ip: string; port: number; forwarding?: string }[] = [];
  let sorry: { port: number; forwarding?: string } | undefined;
  for (const line of st.block ?? []) {
    const [kw, a, b] = line.words;
    if (kw === 'protocol' && a !== undefined) protocol = a.toLowerCase();
    else if ((kw === 'lb_algo' || kw === 'lvs_sched') && a !== undefined) scheduler = true;
    else if ((kw === 'lb_kind' || kw === 'lvs_method') && a !== undefined) forwarding = a.toUpperCase();
    else if (kw === 'sorry_server' && a !== undefined && validAddress(a)) sorry = { port: Number(b ?? '0') || 0, forwarding: sorry?.forwarding };
    else if (kw === 'sorry_server_lvs_method' && a !== undefined) sorry = { port: sorry?.port ?? 0, forwarding: a.toUpperCase() };
    else if (kw === 'persistence_timeout') persistent = true;
    else if (kw === 'ha_suspend') haSuspend = true;
    else if (kw === 'real_server') {
      if (a === undefined || !validAddress(a) || (b !== undefined && !validPort(b))) {
        reporter.report(ErrClass.general, `Invalid real server ip address/port ${a ?? ''}/${b ?? ''} - skipping`, line.location);
        continue;
      }
      const own = (line.block ?? []).find((l) => l.words[0] === 'lvs_method' && l.words[1] !== undefined)?.words[1]?.toUpperCase();
      real.push({ ip: a, port: Number(b ?? '0'), forwarding: own });
    }
  }
  const name = (): string => (fwmark ? `FWM ${second ?? ''}` : `[${first}]:${protocol}:${second ?? '0'}`);
  const say = (message: string): void => reporter.report(ErrClass.general, message);
  if (real.length === 0) return say(`Virtual server ${name()} has no real servers - ignoring`);
  if (haSuspend && fwmark) say(`Virtual server ${name()}: cannot use ha_suspend with fwmarks - clearing ha_suspend`);
  if (!fwmark) {
    if (protocol === 'none') {
      say(`Virtual server ${name()}: no protocol set - defaulting to UDP`);
      protocol = 'udp';
    }
    if (!persistent && Number(second ?? '0') === 0) say(`Virtual server ${name()}: zero port only valid for persistent services - setting`);
  } else if (protocol !== 'none') {
    say(`Warning: Virtual server ${name()}: protocol specified for fwmark - protocol will be ignored`);
    protocol = 'none';
  }
  if (!scheduler) say(`Virtual server ${name()}: no scheduler set, setting default '${DEFAULT_SCHEDULER}'`);
  const seen = new Set<string>();
  const rsName = (rs: { ip: string; port: number }): string => `[${rs.ip}]:${protocol}:${rs.port}`;
  const kept: typeof real = [];
  for (const rs of real) {
    const key = `${rs.ip}/${rs.port}`;
    if (seen.has(key)) {
      say(`VS ${name()}: real server ${rsName(rs)} is duplicated - removing second rs`);
      continue;
    }
    seen.add(key);
    kept.push(rs);
    if (rs.forwarding === undefined) {
      if (forwarding === undefined) {
        say(`Virtual server ${name()}: no forwarding method set, setting default NAT`);
        forwarding = 'NAT';
      }
      rs.forwarding = forwarding;
    }
  }
  // Unless NAT, real servers take the virtual server's port (and none with a fwmark).
  const vsPort = Number(second ?? '0');
  for (const rs of kept) {
    if (rs.forwarding === 'NAT' || rs.port === 0) continue;
    if (fwmark) say(`WARNING - fwmark virtual server ${name()}, real server ${rsName(rs)} has port specified - clearing`);
    else if (rs.port !== vsPort) say(`WARNING - virtual server ${name()} and real server ${rsName(rs)} ports don't match - resetting`);
  }
  if (sorry && (sorry.forwarding ?? forwarding) !== 'NAT' && sorry.port !== 0) {
    if (fwmark) say(`WARNING - virtual server ${name()}, sorry server has port specified - clearing`);
    else if (sorry.port !== vsPort) say(`WARNING - virtual server ${name()} and sorry server ports don't match - resetting`);
  }
}

function validAddress(text: string): boolean {
  return isIP(text) !== 0;
}

function validPort(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) <= 65535;
}
