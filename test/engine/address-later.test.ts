/**
 * An instance with no address to send from at start (an IPv6 link-local address exists only once the
 * link has carrier) goes to FAULT, and leaves it when the address appears, as keepalived 2.2.7 does
 * (lab, issue 23: "Netlink reports eth0 up", "Assigned address fe80::... for interface eth0",
 * "(VI_6) Entering BACKUP STATE", then MASTER after the down timer).
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { HostEngine } from '../../src/engine/host.js';
import type { EngineAction, EngineEvent } from '../../src/engine/types.js';

const CONFIG = parseConfigText('vrrp_instance VI_6 {\n  interface eth0\n  priority 100\n  virtual_router_id 51\n  advert_int 1\n  virtual_ipaddress {\n    fe80::100\n  }\n}\n', 'k.conf').config;

function drive(events: [number, EngineEvent][], until: number): { t: number; action: EngineAction }[] {
  const engine = new HostEngine(CONFIG, { interfaceAddresses: {}, interfaceAddresses6: {} });
  const out: { t: number; action: EngineAction }[] = [];
  const advance = (t: number) => {
    for (let deadline = engine.nextDeadline(); deadline !== undefined && deadline <= t; deadline = engine.nextDeadline()) {
      for (const action of engine.handleTimeout(deadline)) out.push({ t: deadline, action });
    }
  };
  for (const [t, event] of events) {
    advance(t);
    for (const action of engine.handle(t, event)) out.push({ t, action });
  }
  advance(until);
  return out;
}

const states = (out: ReturnType<typeof drive>) => out.flatMap(({ t, action }) => (action.type === 'transition' ? [`${t} ${action.to}`] : []));
const logs = (out: ReturnType<typeof drive>) => out.flatMap(({ action }) => (action.type === 'log' ? [action.message] : []));

describe('an IPv6 instance whose interface has no link-local address at start', () => {
  it('is FAULT, and BACKUP once the address comes, then MASTER after the down timer, sending from it', () => {
    const out = drive([[0, { type: 'start' }], [1000, { type: 'address', iface: 'eth0', family: 6, address: 'fe80::1', present: true, linkScope: true }]], 6000);
    expect(logs(out)).toContain('(VI_6) entering FAULT state (no IPv6 address for interface)');
    // Master_Down_Interval at priority 100: 3 x 1 s + (256 - 100) / 256 s.
    expect(states(out)).toEqual(['0 FAULT', '1000 BACKUP', `${1000 + 3609.375} MASTER`]);
    const sent = out.flatMap(({ action }) => (action.type === 'send-advert' ? [action.src] : []));
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set(['fe80::1']));
  });

  it('stays FAULT while its link is still down when the address comes, and leaves it with the link', () => {
    const out = drive([
      [0, { type: 'start', linksDown: ['eth0'] }],
      [1000, { type: 'address', iface: 'eth0', family: 6, address: 'fe80::1', present: true, linkScope: true }],
      [2000, { type: 'link', iface: 'eth0', up: true }],
    ], 3000);
    expect(states(out)).toEqual(['0 FAULT', '2000 BACKUP']);
  });

  it('stays FAULT when the address that comes is of the other family, or on another interface', () => {
    const out = drive([
      [0, { type: 'start' }],
      [1000, { type: 'address', iface: 'eth0', family: 4, address: '10.0.0.1', present: true }],
      [1000, { type: 'address', iface: 'eth1', family: 6, address: 'fe80::1', present: true, linkScope: true }],
    ], 8000);
    expect(states(out)).toEqual(['0 FAULT']);
  });
});
