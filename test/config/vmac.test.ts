import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseConfigText, type InterfaceProbe } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseVmacAddress, validInterfaceName } from '../../src/config/vmac.js';
import { labInterfaces } from './corpus.js';

function instance(name: string, vrid: number, lines: string, vip = `10.9.0.${vrid}/24`): string {
  return `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n virtual_ipaddress {\n  ${vip}\n }\n${lines}\n}\n`;
}

function load(text: string, probe: InterfaceProbe = labInterfaces) {
  const r = parseConfigText(text, 'k.conf', { interfaces: probe });
  return { ...r, printed: r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic) };
}

describe('use_vmac as keepalived 2.2.7 reads it', () => {
  it('gives an IPv4 instance the VMAC vrrp.VRID with 00:00:5e:00:01:VRID, and says nothing', () => {
    const r = load(instance('VI_1', 51, ' use_vmac'));
    expect(r.printed).toEqual([]);
    expect(r.config.instances[0]).toMatchObject({ useVmac: true, vmacName: 'vrrp.51', vmacMac: '00:00:5e:00:01:33' });
    expect(r.config.instances[0].vmacXmitBase).toBeFalsy();
  });

  it('gives an IPv6 instance 00:00:5e:00:02:VRID', () => {
    const r = load(instance('V6', 7, ' use_vmac', 'fd00::7/64'));
    expect(r.config.instances[0]).toMatchObject({ vmacName: 'vrrp.7', vmacMac: '00:00:5e:00:02:07', family: 6 });
  });

  it('leaves an instance without use_vmac with no VMAC', () => {
    const r = load(instance('VI_1', 51, ' priority 100'));
    expect(r.config.instances[0].useVmac).toBe(false);
    expect(r.config.instances[0].vmacName).toBeUndefined();
    expect(r.config.instances[0].vmacMac).toBeUndefined();
  });

  it('names a second VMAC of the same VRID vrrp1.VRID for IPv4 and vrrp6.VRID for IPv6, as create_vmac_name does', () => {
    const text = instance('A', 9, ' use_vmac') + instance('B', 9, ' use_vmac', '10.9.1.9/24').replace('eth0', 'eth9') +
      instance('C', 9, ' use_vmac', 'fd00::9/64') + instance('D', 9, ' use_vmac', 'fd00::19/64').replace('eth0', 'eth9');
    const names = load(text).config.instances.map((v) => v.vmacName);
    expect(names).toEqual(['vrrp.9', 'vrrp1.9', 'vrrp6.9', 'vrrp2.9']);
  });

  it('takes vmac_prefix for the default name and cuts it to fit 15 characters', () => {
    const r = load(`global_defs {\n vmac_prefix abcdefghijklmnop\n}\n${instance('VI_1', 200, ' use_vmac')}`);
    expect(r.config.instances[0].vmacName).toBe('abcdefghijk.200');
  });

  it('keeps a named VMAC and a given MAC, the VRID filling a five-octet one', () => {
    const a = load(instance('VI_1', 51, ' use_vmac vx1 02:11:22:33:44:55\n vmac_xmit_base'));
    expect(a.printed).toEqual([]);
    expect(a.config.instances[0]).toMatchObject({ vmacName: 'vx1', vmacMac: '02:11:22:33:44:55', vmacXmitBase: true });
    const b = load(instance('VI_1', 51, ' use_vmac 02:11:22:33:44'));
    expect(b.config.instances[0].vmacMac).toBe('02:11:22:33:44:33');
  });

  it('accepts an existing private macvlan as the VMAC name and refuses any other interface', () => {
    const probe = (name: string) => (name === 'mvp' ? 'macvlan-private' as const : labInterfaces(name));
    expect(load(instance('VI_1', 51, ' use_vmac mvp'), probe).printed).toEqual([]);
    const refused = load(instance('VI_1', 51, ' use_vmac eth9'), probe);
    expect(refused.printed).toEqual(['(k.conf: Line 7) (VI_1) interface eth9 already exists and is not a private macvlan; ignoring vmac if_name']);
    expect(refused.exitStatus).toBe(5);
    expect(refused.config.instances[0].vmacName).toBe('vrrp.51');
  });

  it('refuses a VMAC on a non-Ethernet interface as keepalived does, and says the FAULT it leads to is not modelled; silent without use_vmac', () => {
    const r = load(instance('VI_1', 51, ' use_vmac').replace('eth0', 'tun0'));
    expect(r.printed).toEqual(['(VI_1): vmacs are only supported on Ethernet type interfaces']);
    expect(r.exitStatus).toBe(5);
    expect(r.config.instances[0].useVmac).toBe(false);
    expect(r.diagnostics.some((d) => d.severity === 'info' && d.message.includes('keeps this instance in FAULT'))).toBe(true);
    expect(load(instance('VI_1', 51, ' priority 100').replace('eth0', 'tun0')).printed).toEqual([]);
  });

  it('reports unicast with use_vmac at the instance closing brace and sets vmac_xmit_base', () => {
    const r = load(instance('VI_1', 51, ' use_vmac\n unicast_peer {\n  10.9.0.2\n }'));
    expect(r.printed).toEqual(['(k.conf: Line 11) (VI_1) unicast with use_vmac requires vmac_xmit_base - setting']);
    expect(r.config.instances[0].vmacXmitBase).toBe(true);
    expect(load(instance('VI_1', 51, ' use_vmac\n vmac_xmit_base\n unicast_peer {\n  10.9.0.2\n }')).printed).toEqual([]);
    expect(load(instance('VI_1', 51, ' unicast_peer {\n  10.9.0.2\n }')).printed).toEqual([]);
  });

  it('says what it does not model of use_vmac_addr, garp_extra_if and use_ipvlan, as info lines outside the exit status', () => {
    const r = parseConfigText(instance('VI_1', 51, ' use_vmac\n use_vmac_addr\n garp_extra_if 30 all\n use_ipvlan'), 'k.conf', { interfaces: labInterfaces });
    const info = r.diagnostics.filter((d) => d.severity === 'info').map((d) => d.message);
    expect(r.exitStatus).toBe(0);
    expect(info).toEqual([
      'vrrplab: (VI_1) garp_extra_if: the periodic gratuitous ARPs on VMAC interfaces are not modelled',
      'vrrplab: (VI_1) use_ipvlan is not modelled: its checks, and the ipvlan interface keepalived makes for the VIPs',
      'vrrplab: (VI_1) use_vmac_addr: the VMACs keepalived adds for VIPs on other interfaces or of the other address family are not modelled (those VIPs stay where they are)',
    ]);
    expect(parseConfigText(instance('VI_1', 51, ' use_vmac'), 'k.conf').diagnostics.filter((d) => d.severity === 'info')).toEqual([]);
  });

  it('reads MAC addresses octet by octet as keepalived does', () => {
    expect(parseVmacAddress('02:11:22:33:44:55')).toEqual({ bytes: [2, 0x11, 0x22, 0x33, 0x44, 0x55], useVrid: false });
    expect(parseVmacAddress('2:1:2:3:4:5')?.bytes).toEqual([2, 1, 2, 3, 4, 5]);
    expect(parseVmacAddress('02:11:22:33:44:')?.useVrid).toBe(true);
    expect(parseVmacAddress('02:11:22:33')).toBeUndefined();
    expect(parseVmacAddress('02:11:22:333:44:55')).toBeUndefined();
    expect(parseVmacAddress('02::22:33:44:55')).toBeUndefined();
  });

  it('never throws on any use_vmac arguments, and a valid MAC round-trips', () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 24 }), { maxLength: 3 }), (words) => {
      const line = ` use_vmac ${words.map((w) => JSON.stringify(w.replace(/[{}"\n\r!#]/g, ''))).join(' ')}`;
      const r = load(instance('VI_1', 51, line));
      expect(r.config.instances[0]?.useVmac ?? true).toBe(true);
    }), { numRuns: 200 });
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }), (bytes) => {
      const text = bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
      expect(parseVmacAddress(text)).toEqual({ bytes, useVrid: false });
    }));
  });

  it('takes interface names as the kernel does: under 16 bytes, no slash, colon or space, not . or ..', () => {
    expect(validInterfaceName('vrrp.51')).toBe(true);
    expect(validInterfaceName('abcdefghijklmno')).toBe(true);
    for (const bad of ['', '.', '..', 'abcdefghijklmnop', 'a/b', 'a b', 'a:b']) expect(validInterfaceName(bad)).toBe(false);
  });
});
