import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { formatJsonLines, formatTimeline } from '../../src/sim/format.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function conf(priority: number, extra: string): string {
  return `vrrp_instance VI_1 {\n interface eth0\n priority ${priority}\n virtual_router_id 51\n advert_int 1\n${extra}\n virtual_ipaddress {\n  10.9.0.100/24\n }\n}\n`;
}

function run(a: string, b: string): SimulationResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-vmac-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'A.conf'), a);
  fs.writeFileSync(path.join(dir, 'B.conf'), b);
  const yaml = [
    'duration: 12s',
    'hosts:',
    '  A: { config: A.conf, address: 10.9.0.1 }',
    '  B: { config: B.conf, address: 10.9.0.2 }',
    'timeline:',
    '  - { at: 0s, host: A, do: start }',
    '  - { at: 0s, host: B, do: start }',
    '  - { at: 7s, host: A, do: stop }',
  ].join('\n');
  const parsed = parseScenario(yaml, dir);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario, { seed: 1 });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

const json = (r: SimulationResult) => formatJsonLines(r).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('use_vmac in the simulator', () => {
  it('shows each takeover advertising from the VMAC 00:00:5e:00:01:VRID and the VIP on vrrp.VRID, in --json and the timeline', () => {
    const r = run(conf(150, ' use_vmac'), conf(100, ' use_vmac'));
    const lines = json(r);
    const masters = lines.filter((l) => l.type === 'transition' && l.to === 'MASTER');
    expect(masters.map((l) => l.host)).toEqual(['A', 'B']);
    for (const m of masters) expect(m.advertMac).toBe('00:00:5e:00:01:33');
    const vips = lines.filter((l) => l.type === 'vip');
    expect(vips.map((l) => [l.host, l.held])).toEqual([['A', true], ['A', false], ['B', true]]);
    for (const v of vips) expect(v).toMatchObject({ iface: 'vrrp.51', mac: '00:00:5e:00:01:33', address: '10.9.0.100' });
    expect(formatTimeline(r)).toContain('added VIP 10.9.0.100 (VI_1) on vrrp.51 (VMAC 00:00:5e:00:01:33, GARPs from it)');
  });

  it('with vmac_xmit_base names no advert MAC (they leave from eth0) and keeps the VIP on the VMAC', () => {
    const lines = json(run(conf(150, ' use_vmac\n vmac_xmit_base'), conf(100, ' use_vmac\n vmac_xmit_base')));
    const transitions = lines.filter((l) => l.type === 'transition');
    expect(transitions.some((l) => l.to === 'MASTER')).toBe(true);
    for (const m of transitions) expect(m).not.toHaveProperty('advertMac');
    const vips = lines.filter((l) => l.type === 'vip');
    expect(vips.length).toBe(3);
    for (const v of vips) expect(v.iface).toBe('vrrp.51');
  });

  it('says in its header what of use_vmac it does not model (use_vmac_addr, garp_extra_if), and nothing for plain use_vmac', () => {
    const noted = formatTimeline(run(conf(150, ' use_vmac\n use_vmac_addr\n garp_extra_if 30'), conf(100, ' use_vmac')));
    expect(noted).toMatch(/A keepalived\.conf: \(\S+A\.conf: Line 1\) vrrplab: \(VI_1\) use_vmac_addr: the VMACs keepalived adds for VIPs on other interfaces or of the other address family are not modelled/);
    expect(noted).toContain('vrrplab: (VI_1) garp_extra_if: the periodic gratuitous ARPs on VMAC interfaces are not modelled');
    expect(noted).not.toContain('B keepalived.conf');
    expect(formatTimeline(run(conf(150, ' use_vmac'), conf(100, ' use_vmac')))).not.toContain('not modelled');
  });

  it('gives an IPv6 instance the VMAC 00:00:5e:00:02:VRID (keepalived 2.2.7, lab: adverts and NAs from 00:00:5e:00:02:34 for VRID 52)', () => {
    const v6 = (priority: number) => conf(priority, ' use_vmac\n version 3').replace('10.9.0.100/24', 'fd00::52/64').replace('virtual_router_id 51', 'virtual_router_id 52');
    const lines = json(run(v6(150), v6(100)));
    const masters = lines.filter((l) => l.type === 'transition' && l.to === 'MASTER');
    expect(masters.length).toBeGreaterThan(0);
    for (const m of masters) expect(m.advertMac).toBe('00:00:5e:00:02:34');
    expect(lines.filter((l) => l.type === 'vip').map((l) => [l.iface, l.mac])[0]).toEqual(['vrrp.52', '00:00:5e:00:02:34']);
  });

  it('without use_vmac prints no VMAC at all', () => {
    const r = run(conf(150, ''), conf(100, ''));
    const lines = json(r);
    expect(lines.some((l) => l.type === 'vip' || 'advertMac' in l)).toBe(false);
    expect(formatTimeline(r)).not.toContain('VMAC');
  });
});
