import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeHosts, type HostConfig } from '../../src/analysis/index.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/vmac');

function fixture(name: string): HostConfig[] {
  return ['A', 'B'].map((host) => ({ name: host, config: loadConfig(path.join(FIXTURES, name, `${host}.conf`)).config }));
}

function pair(a: string, b: string, vridB = 51): HostConfig[] {
  const conf = (priority: number, extra: string, vrid: number) =>
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id ${vrid}\n priority ${priority}\n${extra}\n virtual_ipaddress {\n  10.9.0.100/24\n }\n}\n`;
  return [
    { name: 'A', config: parseConfigText(conf(100, a, 51), 'A.conf').config },
    { name: 'B', config: parseConfigText(conf(150, b, vridB), 'B.conf').config },
  ];
}

const unheard = (hosts: HostConfig[]) => analyzeHosts(hosts).findings.filter((f) => f.kind === 'vmac-unheard');

describe('check --host: use_vmac with vmac_xmit_base on one side only', () => {
  it('is an error on keepalived\'s recorded split brain (A with vmac_xmit_base never hears B\'s VMAC adverts)', () => {
    const found = unheard(fixture('xmit-base-one-side'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'error', vrid: 51, hosts: ['A', 'B'], instances: ['A/VI_1', 'B/VI_1'] });
    expect(found[0].message).toContain('advertises from its VMAC 00:00:5e:00:01:33');
    expect(found[0].message).toContain('Set vmac_xmit_base on both hosts or on neither');
  });

  it('says nothing of the recorded pair that elected one master (use_vmac on both, no vmac_xmit_base)', () => {
    expect(unheard(fixture('both-vmac'))).toEqual([]);
  });

  it('says nothing when both or neither use vmac_xmit_base, when the deaf side has no VMAC, for another VRID, or another VMAC address', () => {
    expect(unheard(pair(' use_vmac\n vmac_xmit_base', ' use_vmac\n vmac_xmit_base'))).toEqual([]);
    expect(unheard(pair('', ' use_vmac'))).toEqual([]);
    expect(unheard(pair(' use_vmac\n vmac_xmit_base', ' use_vmac', 52))).toEqual([]);
    expect(unheard(pair(' use_vmac\n vmac_xmit_base', ' use_vmac 02:11:22:33:44:55'))).toEqual([]);
    expect(unheard(pair(' use_vmac\n vmac_xmit_base', ' use_vmac'))).toHaveLength(1);
  });
});
