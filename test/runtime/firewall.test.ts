import { describe, expect, it } from 'vitest';
import { elementsScript, Firewall, tableScript } from '../../src/runtime/firewall.js';

const v4 = { address: '172.16.31.100', family: 4 as const, iface: 'eth0' };
const v6 = { address: 'fd31::100', family: 6 as const, iface: 'eth0' };
const linkLocal = { address: 'fe80::52', family: 6 as const, iface: 'eth0' };

describe('the accept-mode firewall (keepalived\'s nftables tables)', () => {
  it('makes a family\'s table once, with its first addresses, then only adds and deletes elements', () => {
    const scripts: string[] = [];
    const firewall = new Firewall(() => {}, (script) => scripts.push(script));
    firewall.change('delete', [v4]);
    firewall.change('add', [v4]);
    firewall.change('add', [v4]);
    firewall.change('delete', [v4]);
    // Deleting what is not there only makes the table (keepalived's "removing" at start).
    expect(scripts).toEqual([tableScript(4), 'add element ip keepalived vips { 172.16.31.100 }', 'delete element ip keepalived vips { 172.16.31.100 }']);
  });

  it('puts a link-local IPv6 VIP in the set keyed by its interface, the others in the address set', () => {
    expect(elementsScript('add', [v6, linkLocal, v4])).toBe(
      ['add element ip keepalived vips { 172.16.31.100 }', 'add element ip6 keepalived vips { fd31::100 }', 'add element ip6 keepalived vips_link_local { fe80::52 . "eth0" }'].join('\n'),
    );
  });

  it('removes its tables on close, and only the families it made', () => {
    const scripts: string[] = [];
    const firewall = new Firewall(() => {}, (script) => scripts.push(script));
    firewall.close();
    expect(scripts).toEqual([]);
    firewall.change('add', [v6]);
    firewall.close();
    expect(scripts.at(-1)).toBe('delete table ip6 keepalived');
  });

  it('warns once and stops trying when nft cannot be run', () => {
    const warnings: string[] = [];
    let calls = 0;
    const firewall = new Firewall((message) => warnings.push(message), () => {
      calls++;
      throw new Error('spawnSync nft ENOENT');
    });
    firewall.change('add', [v4]);
    firewall.change('add', [v6]);
    expect(calls).toBe(1);
    expect(warnings).toEqual(['cannot set the firewall drop rules of accept mode off (no_accept/vrrp_strict): spawnSync nft ENOENT']);
  });
});
