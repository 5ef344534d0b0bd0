/**
 * `virtual_routes` / `virtual_rules` (inside vrrp_instance) and `static_routes` / `static_rules` /
 * `static_ipaddress` (top level): vrrplab does not install routes or rules, but `keepalived -t`
 * reads their lines, and its diagnostics belong in `check`. Ported from keepalived 2.2.7's
 * alloc_route / parse_nexthops (vrrp/vrrp_iproute.c) and alloc_rule (vrrp/vrrp_iprule.c):
 * the messages and where a line is given up; values keepalived reads from the running system
 * (routing table and protocol names) are not checked.
 */
import { isIP } from 'node:net';
import type { SourceLocation } from './model.js';
import { ErrClass, type Reporter } from './diagnostics.js';
import type { Statement } from './reader.js';
import { parseVirtualAddress } from './values.js';

/** Looks interfaces up (or only records them) as the config names them. */
export interface InterfaceUse {
  /** False when keepalived would report that the interface does not exist. */
  exists(name: string): boolean;
}

export interface LineContext {
  reporter: Reporter;
  interfaces: InterfaceUse;
  /** keepalived numbers rules without a preference downwards from 16384, per family, in file order. */
  rulePriority: { 4: number; 6: number };
  /** The keepalived read as (default 2.2). */
  version?: '2.2' | '2.4';
}

const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast']);
const ROUTE_ONE_VALUE = new Set(['tos', 'dsfield', 'table', 'protocol', 'scope', 'hoplimit', 'window', 'initcwnd', 'initrwnd', 'features',
  'quickack', 'realms', 'expires', 'pref', 'ttl-propagate', 'fastopen_no_cookie', 'track_group', 'vrf']);
const ROUTE_LOCKABLE = new Set(['mtu', 'advmss', 'rtt', 'rttvar', 'reordering', 'cwnd', 'ssthresh', 'rto_min', 'congctl']);
const ROUTE_FLAGS = new Set(['onlink', 'add', 'prepend', 'append', 'inet', 'inet6']);

/** keepalived's parse_ipaddress: ADDR[/LEN], with the message it gives for anything else. */
function address(word: string | undefined, ctx: LineContext, location: SourceLocation): boolean {
  if (word !== undefined && parseVirtualAddress([word], location)) return true;
  ctx.reporter.report(ErrClass.general, `VRRP parsed invalid IP ${word ?? '(null)'}. skipping IP...`, location);
  return false;
}

function routeDestination(word: string | undefined, ctx: LineContext, location: SourceLocation): boolean {
  if (word === 'default' || word === 'any' || word === 'all' || word === 'default6') return true;
  return address(word, ctx, location);
}

/** One line of a virtual_routes / static_routes block. */
export function checkRoute(words: string[], location: SourceLocation, ctx: LineContext): void {
  const say = (message: string): void => ctx.reporter.report(ErrClass.general, message, location);
  let dest: string | undefined;
  let oif = false;
  let track = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (ROUTE_FLAGS.has(w)) continue;
    if (w === 'no_track') track = false;
    else if (w === 'src' || w === 'from') {
      if (!address(words[++i], ctx, location)) return say(`invalid route ${w} address ${words[i]}`);
    } else if (w === 'via' || w === 'gw') {
      if (w === 'gw') say('"gw" for routes is deprecated. Please use "via"');
      if (words[i + 1] === 'inet' || words[i + 1] === 'inet6') i++;
      if (!address(words[++i], ctx, location)) return say(`invalid route via address ${words[i]}`);
    } else if (w === 'metric' || w === 'priority' || w === 'preference') {
      const value = words[++i] ?? '';
      if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
        ctx.reporter.report(ErrClass.invalidNumber, `invalid number '${value}'`, location);
        return say(`Invalid metric ${value} specified for route`);
      }
    } else if (w === 'dev' || w === 'oif') {
      const name = words[++i] ?? '';
      if (!ctx.interfaces.exists(name)) return say(`WARNING - interface ${name} for VROUTE nexthop doesn't exist`);
      oif = true;
    } else if (ROUTE_ONE_VALUE.has(w)) i++;
    else if (ROUTE_LOCKABLE.has(w)) i += words[i + 1] === 'lock' ? 2 : 1;
    else if (w === 'encap') return; // encapsulation options vary by type; keepalived 2.2.7 mostly rejects them per kernel
    else if (w === 'or') {
      say('"or" for routes is deprecated. Please use "nexthop"');
      if (!address(words[++i], ctx, location)) return say(`Invalid "or" address ${words[i]}`);
    } else if (w === 'nexthop') {
      if (!checkNexthops(words, i, ctx, location)) return;
      break;
    } else {
      if (w === 'to') i++;
      if (ROUTE_TYPES.has(words[i])) i++;
      dest = words[i];
      if (!routeDestination(dest, ctx, location)) return say(`unknown route keyword ${dest ?? '(null)'}`);
    }
  }
  if (dest === undefined) return say('Route must have a destination');
  // keepalived 2.4.3 no longer says this (lab: its doc/samples keepalived.conf.vrrp.routes).
  if (track && !oif && ctx.version !== '2.4') say(`Warning - cannot track route ${dest} with no interface specified, not tracking`);
}

function checkNexthops(words: string[], start: number, ctx: LineContext, location: SourceLocation): boolean {
  const say = (message: string): void => ctx.reporter.report(ErrClass.general, message, location);
  let i = start;
  while (i < words.length && words[i] === 'nexthop') {
    for (i++; i < words.length && words[i] !== 'nexthop'; i++) {
      const w = words[i];
      if (w === 'via') {
        if (words[i + 1] === 'inet' || words[i + 1] === 'inet6') i++;
        if (!address(words[++i], ctx, location)) {
          say(`invalid nexthop address ${words[i]}`);
          return false;
        }
      } else if (w === 'dev') {
        const name = words[++i] ?? '';
        if (!ctx.interfaces.exists(name)) {
          say(`WARNING - interface ${name} for VROUTE nexthop doesn't exist`);
          return false;
        }
      } else if (w === 'weight') {
        if (words[++i] === '0') say('Invalid weight 0 specified for route');
      } else if (w === 'realms') i++;
      else if (w !== 'onlink') break;
    }
  }
  if (i < words.length) {
    say(`Route has trailing nonsense after nexthops - ${words[i]}`);
    return false;
  }
  return true;
}

const RULE_ONE_VALUE = new Set(['tos', 'dsfield', 'fwmark', 'realms', 'suppress_prefixlength', 'sup_pl', 'suppress_ifgroup', 'sup_group',
  'tunnel-id', 'uidrange', 'protocol', 'ipproto', 'sport', 'dport', 'track_group']);
const RULE_ACTIONS = new Set(['blackhole', 'prohibit', 'unreachable']);

/** One line of a virtual_rules / static_rules block. */
export function checkRule(words: string[], location: SourceLocation, ctx: LineContext): void {
  const say = (message: string): void => ctx.reporter.report(ErrClass.general, message, location);
  let family: 4 | 6 | undefined;
  let action = false;
  let preference = false;
  const addressFamily = (word: string | undefined): 4 | 6 | undefined => {
    if (word === 'all' || word === 'any' || word === 'default') return undefined;
    const m = /^([^/]+)(?:\/\d{1,3})?$/.exec(word ?? '');
    const f = m ? isIP(m[1]) : 0;
    return f === 4 || f === 6 ? f : undefined;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === 'inet') family = 4;
    else if (w === 'inet6') family = 6;
    else if (w === 'from' || w === 'to') {
      const value = words[++i];
      if (value !== 'all' && value !== 'any' && value !== 'default') {
        if (!address(value, ctx, location)) return say(`Invalid rule ${w} address ${value ?? '(null)'}`);
        family = addressFamily(value) ?? family;
      }
    } else if (w === 'table' || w === 'lookup' || w === 'goto') {
      if (action) return say('Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule');
      action = true;
      i++;
    } else if (w === 'not' || w === 'no_track' || w === 'l3mdev') {
      if (w === 'l3mdev') action = true;
    } else if (w === 'preference' || w === 'order' || w === 'priority') {
      const value = words[++i] ?? '';
      if (!/^\d+$/.test(value)) return say(`Invalid rule preference ${value} specified`);
      preference = true;
    } else if (w === 'dev' || w === 'iif' || w === 'oif') {
      const name = words[++i] ?? '';
      if (!ctx.interfaces.exists(name)) return say(`WARNING - interface ${name} for rule doesn't exist`);
    } else if (RULE_ONE_VALUE.has(w)) i++;
    else if (w === 'nop' || RULE_ACTIONS.has(w) || (w === 'type' && RULE_ACTIONS.has(words[i + 1] ?? ''))) {
      if (w === 'type') i++;
      if (action) return say('Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule');
      action = true;
    } else return say(`Unknown rule option ${w}`);
  }
  if (!action) return say('No action specified for rule - ignoring');
  if (!preference) {
    const f = family ?? 4;
    say(`Rule has no preference specified - setting to ${ctx.rulePriority[f]--}. This is probably not what you want.`);
  }
}

/** The lines of a routes/rules/addresses block. */
export function blockLines(st: Statement): Statement[] {
  return st.block ?? [];
}
