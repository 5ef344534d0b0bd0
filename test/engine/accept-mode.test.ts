/** Accept mode off as keepalived 2.2.7 handles it (vrrp_handle_accept_mode), measured in a netns lab. */
import { describe, expect, it } from 'vitest';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

describe('accept mode off (no_accept, vrrp_strict)', () => {
  const firewallOf = (bench: Bench) => bench.log.filter((a) => a.type === 'firewall' || a.type === 'add-vips' || a.type === 'remove-vips').map((a) => (a.type === 'firewall' ? `firewall ${a.add ? 'add' : 'delete'} ${a.addresses.map((x) => x.address).join(',')}` : a.type));

  it('puts the VIPs in the drop sets before they are added as MASTER and takes them out after they go, as keepalived 2.2.7 does', () => {
    const bench = new Bench(config({ instances: [instance({ priority: 150, version: 3, accept: false, vips: ['10.0.0.100'] })] })).start(0).advance(5000);
    bench.stop(6000);
    expect(firewallOf(bench)).toEqual(['remove-vips', 'firewall delete 10.0.0.100', 'firewall add 10.0.0.100', 'add-vips', 'remove-vips', 'firewall delete 10.0.0.100']);
    expect(bench.logs()).toContain('(VI_1) setting firewall drop rule');
  });

  it('sets no rule with accept mode on: by default, and for the address owner under vrrp_strict', () => {
    const plain = new Bench(config({ instances: [instance({ priority: 150 })] })).start(0).advance(5000);
    expect(plain.log.some((a) => a.type === 'firewall')).toBe(false);
    const owner = new Bench(config({ instances: [instance({ priority: 255, version: 3 })], globalDefs: { vrrpStrict: true } })).start(0).advance(5000);
    expect(owner.log.some((a) => a.type === 'firewall')).toBe(false);
    const strict = new Bench(config({ instances: [instance({ priority: 150, version: 3 })], globalDefs: { vrrpStrict: true } })).start(0).advance(5000);
    expect(strict.log.some((a) => a.type === 'firewall' && a.add)).toBe(true);
  });
});
