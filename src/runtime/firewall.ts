/**
 * Accept mode off (`no_accept`, or `vrrp_strict`): a MASTER must not take packets sent to the VIPs
 * it does not own (RFC 5798 6.4.3). keepalived 2.2.7 built with nftables does it with two tables of
 * its own, which this writes the same way (`nft list ruleset` in a netns lab, keepalived as MASTER
 * of an IPv4 and an IPv6 instance with no_accept):
 *
 *   table ip keepalived: set vips (ipv4_addr); chains in/out at filter - 1 dropping
 *     `ip daddr @vips` / `ip saddr @vips`.
 *   table ip6 keepalived: set vips (ipv6_addr), set vips_link_local (ipv6_addr . iface_index),
 *     neighbour solicitations and adverts always accepted, link-local addresses matched with
 *     their interface.
 *
 * A VIP is in its set while its instance is MASTER; the tables go when vrrplab exits. keepalived
 * talks to the kernel with libnftnl; this runs `nft -f -` (Debian's nftables), synchronously, so
 * the rule is in place before the VIP is added, as with keepalived.
 */
import { execFileSync } from 'node:child_process';

export interface FirewallAddress {
  address: string;
  family: 4 | 6;
  /** The interface of a link-local IPv6 address. */
  iface: string;
}

const TABLE = 'keepalived';

/** The nft script that makes a family's table, empty. */
export function tableScript(family: 4 | 6): string {
  if (family === 4) {
    return [
      `table ip ${TABLE} {`,
      '  set vips { type ipv4_addr; }',
      '  chain out { type filter hook output priority filter - 1; policy accept; ip saddr @vips drop; }',
      '  chain in { type filter hook input priority filter - 1; policy accept; ip daddr @vips drop; }',
      '}',
    ].join('\n');
  }
  // Declared first, rules after: `nft list ruleset` then lists the chains in keepalived's order
  // (out, in, in_link_local, out_link_local), which jump before the chains they jump to exist.
  const t = `ip6 ${TABLE}`;
  return [
    `add table ${t}`,
    `add set ${t} vips { type ipv6_addr; }`,
    `add set ${t} neighbor-discovery { type icmpv6_type; flags constant; elements = { nd-neighbor-solicit, nd-neighbor-advert }; }`,
    `add set ${t} vips_link_local { type ipv6_addr . iface_index; }`,
    `add chain ${t} out { type filter hook output priority filter - 1; policy accept; }`,
    `add chain ${t} in { type filter hook input priority filter - 1; policy accept; }`,
    `add chain ${t} in_link_local`,
    `add chain ${t} out_link_local`,
    `add rule ${t} out icmpv6 type @neighbor-discovery accept`,
    `add rule ${t} out ip6 saddr fe80::/10 goto out_link_local`,
    `add rule ${t} out ip6 saddr @vips drop`,
    `add rule ${t} in icmpv6 type @neighbor-discovery accept`,
    `add rule ${t} in ip6 daddr fe80::/10 goto in_link_local`,
    `add rule ${t} in ip6 daddr @vips drop`,
    `add rule ${t} in_link_local ip6 daddr . iif @vips_link_local drop`,
    `add rule ${t} out_link_local ip6 saddr . oif @vips_link_local drop`,
  ].join('\n');
}

const isLinkLocal = (address: string) => /^fe[89ab][0-9a-f]:/i.test(address);

/** The nft script that adds or deletes addresses from the sets (one line per set touched). */
export function elementsScript(verb: 'add' | 'delete', addresses: readonly FirewallAddress[]): string {
  const lines: string[] = [];
  const v4 = addresses.filter((a) => a.family === 4).map((a) => a.address);
  const v6 = addresses.filter((a) => a.family === 6 && !isLinkLocal(a.address)).map((a) => a.address);
  const linkLocal = addresses.filter((a) => a.family === 6 && isLinkLocal(a.address)).map((a) => `${a.address} . "${a.iface}"`);
  if (v4.length > 0) lines.push(`${verb} element ip ${TABLE} vips { ${v4.join(', ')} }`);
  if (v6.length > 0) lines.push(`${verb} element ip6 ${TABLE} vips { ${v6.join(', ')} }`);
  if (linkLocal.length > 0) lines.push(`${verb} element ip6 ${TABLE} vips_link_local { ${linkLocal.join(', ')} }`);
  return lines.join('\n');
}

export class Firewall {
  private readonly tables = new Set<4 | 6>();
  /** Addresses in the sets, by "family/iface/address": an instance adds what it removes. */
  private readonly present = new Set<string>();
  private unusable = false;

  constructor(
    private readonly warn: (message: string) => void,
    private readonly nft: (script: string) => void = runNft,
  ) {}

  /** Adds (MASTER) or removes an instance's VIPs from the drop sets, making the tables first. */
  change(verb: 'add' | 'delete', addresses: readonly FirewallAddress[]): void {
    if (this.unusable) return;
    const key = (a: FirewallAddress) => `${a.family}/${a.family === 6 && isLinkLocal(a.address) ? a.iface : ''}/${a.address}`;
    const wanted = addresses.filter((a) => (verb === 'add' ? !this.present.has(key(a)) : this.present.has(key(a))));
    const script: string[] = [];
    for (const family of new Set(addresses.map((a) => a.family))) {
      if (this.tables.has(family)) continue;
      script.push(tableScript(family));
    }
    const elements = elementsScript(verb, wanted);
    if (elements !== '') script.push(elements);
    if (script.length === 0) return;
    try {
      this.nft(script.join('\n'));
    } catch (error) {
      this.unusable = true;
      this.warn(`cannot set the firewall drop rules of accept mode off (no_accept/vrrp_strict): ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    for (const family of addresses.map((a) => a.family)) this.tables.add(family);
    for (const a of wanted) {
      if (verb === 'add') this.present.add(key(a));
      else this.present.delete(key(a));
    }
  }

  /** Removes the tables (at exit, on every path: synchronous). */
  close(): void {
    if (this.tables.size === 0) return;
    const script = [...this.tables].map((family) => `delete table ${family === 4 ? 'ip' : 'ip6'} ${TABLE}`).join('\n');
    this.tables.clear();
    this.present.clear();
    try {
      this.nft(script);
    } catch {
      // Already gone (removed by hand): nothing left to undo.
    }
  }
}

/** Runs an nft script (`nft -f -`); throws an Error naming nft's own complaint. */
export function runNft(script: string): void {
  try {
    execFileSync('nft', ['-f', '-'], { input: `${script}\n`, stdio: ['pipe', 'ignore', 'pipe'], timeout: 5000 });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`nft: ${stderr || (error as Error).message}`);
  }
}
