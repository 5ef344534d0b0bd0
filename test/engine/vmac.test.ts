/**
 * use_vmac in the engine: where keepalived 2.2.7 puts the VIPs and sends adverts and GARPs from
 * (netns lab, tcpdump on the peer: adverts from 00:00:5e:00:01:33 and the VIP on vrrp.51; with
 * vmac_xmit_base adverts from eth0's own MAC, GARPs still from the VMAC).
 */
import { describe, expect, it } from 'vitest';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const vmac = { useVmac: true, vmacName: 'vrrp.51', vmacMac: '00:00:5e:00:01:33' };

function master(overrides: Parameters<typeof instance>[0]): Bench {
  return new Bench(config({ instances: [instance({ priority: 150, ...overrides })] })).start(0).advance(5_000);
}

describe('an instance with use_vmac', () => {
  it('puts its VIPs on the VMAC, sends its GARPs and its adverts from it, and logs the VMAC as the GARP interface', () => {
    const b = master(vmac);
    const place = { iface: 'vrrp.51', mac: '00:00:5e:00:01:33', base: 'eth0' };
    expect(b.log.find((a) => a.type === 'add-vips')).toMatchObject({ iface: 'vrrp.51', vmac: place });
    expect(b.log.find((a) => a.type === 'send-garp')).toMatchObject({ iface: 'vrrp.51', vmac: place });
    const adverts = b.log.filter((a) => a.type === 'send-advert');
    expect(adverts.length).toBeGreaterThan(0);
    for (const a of adverts) expect(a).toMatchObject({ iface: 'eth0', vmac: place });
    expect(b.log.some((a) => a.type === 'log' && a.message === '(VI_1) Sending/queueing gratuitous ARPs on vrrp.51 for 10.0.0.100')).toBe(true);
  });

  it('with vmac_xmit_base sends its adverts from the base interface and keeps VIPs and GARPs on the VMAC', () => {
    const b = master({ ...vmac, vmacXmitBase: true });
    for (const a of b.log.filter((x) => x.type === 'send-advert')) expect(a).not.toHaveProperty('vmac');
    expect(b.log.find((a) => a.type === 'send-garp')).toMatchObject({ iface: 'vrrp.51' });
  });

  it('keeps a VIP of the other family, or on another interface, off the VMAC, as keepalived does', () => {
    const b = master({ ...vmac, vips: ['10.0.0.100', 'fd00::100', '10.0.1.100'] });
    const config = b.config.instances[0];
    config.virtualIpaddresses[2].dev = 'eth1';
    const again = new Bench(b.config).start(0).advance(5_000);
    const adds = again.log.filter((a) => a.type === 'add-vips');
    expect(adds.map((a) => [a.iface, a.addresses])).toEqual([['vrrp.51', ['10.0.0.100']], ['eth0', ['fd00::100', '10.0.1.100']]]);
    expect(adds[1]).not.toHaveProperty('vmac');
    const garps = again.log.filter((a) => a.type === 'send-garp');
    expect(garps.map((a) => a.iface)).toEqual(['vrrp.51', 'eth0']);
  });

  it('without use_vmac uses the interface for everything and names no VMAC', () => {
    const b = master({});
    for (const a of b.log) {
      if (a.type === 'send-advert' || a.type === 'add-vips' || a.type === 'send-garp') {
        expect(a.iface).toBe('eth0');
        expect(a).not.toHaveProperty('vmac');
      }
    }
  });
});
