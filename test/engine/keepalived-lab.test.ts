/**
 * Behaviours read off real keepalived 2.2.7 in a netns lab (one host, veth, tcpdump on the peer
 * end), pinned here with the log lines and packets keepalived produced.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { HostEngine } from '../../src/engine/host.js';
import type { EngineAction } from '../../src/engine/types.js';

const ENV = { interfaceAddresses: { eth0: '10.9.0.1' } };

function instance(name: string, vrid: number, priority: number, extra = ''): string {
  return `vrrp_instance ${name} {\n interface eth0\n state BACKUP\n priority ${priority}\n virtual_router_id ${vrid}\n advert_int 1\n virtual_ipaddress {\n  10.9.0.${vrid}/24\n }\n${extra}}\n`;
}

/** Runs the engine alone on its LAN until `until` ms; returns (time, action) pairs. */
function runAlone(text: string, until: number, events: { at: number; apply: (engine: HostEngine, t: number) => EngineAction[] }[] = []): { t: number; action: EngineAction }[] {
  const config = parseConfigText(text, 'lab.conf', { scriptExists: () => true }).config;
  const engine = new HostEngine(config, ENV);
  const out: { t: number; action: EngineAction }[] = [];
  const keep = (t: number, actions: EngineAction[]) => actions.forEach((action) => out.push({ t, action }));
  keep(0, engine.handle(0, { type: 'start' }));
  const pending = [...events];
  for (;;) {
    const deadline = engine.nextDeadline() ?? Number.POSITIVE_INFINITY;
    const next = pending[0];
    if (next !== undefined && next.at <= deadline && next.at <= until) {
      pending.shift();
      keep(next.at, next.apply(engine, next.at));
    } else if (deadline <= until) keep(deadline, engine.handleTimeout(deadline));
    else break;
  }
  return out;
}

const logs = (out: { action: EngineAction }[]) => out.flatMap(({ action }) => (action.type === 'log' ? [action.message] : []));

describe('keepalived 2.2.7 as observed in a lab', () => {
  it('a sync group holds the member whose timer fires first until every member wants MASTER, then both go MASTER together', () => {
    const text = `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n${instance('VI_1', 51, 200)}${instance('VI_2', 52, 10)}`;
    const out = runAlone(text, 4500);
    // keepalived: "(VI_1) Receive advertisement timeout" at ~3.2 s, held; VI_2 times out at ~3.96 s,
    // enters MASTER, "VRRP_Group(G) Syncing instances to MASTER state", then VI_1 enters MASTER.
    expect(logs(out).filter((line) => /timeout|MASTER|Syncing/.test(line))).toEqual([
      '(VI_1) Receive advertisement timeout',
      '(VI_2) Receive advertisement timeout',
      '(VI_2) Entering MASTER STATE',
      'VRRP_Group(G) Syncing instances to MASTER state',
      '(VI_1) Entering MASTER STATE',
    ]);
    const firstAdverts = out.filter(({ action }) => action.type === 'send-advert').slice(0, 2);
    expect(firstAdverts.map(({ t }) => Math.round(t))).toEqual([3961, 3961]);
  });

  it('a master whose weight-0 script fails enters FAULT and sends priority 0 twice (tcpdump saw two, 8 µs apart)', () => {
    const text = `vrrp_script chk {\n script "/bin/chk"\n interval 1\n weight 0\n}\n${instance('VI_1', 51, 100, ' track_script {\n  chk\n }\n notify_fault "/n fault"\n')}`;
    const out = runAlone(text, 8000, [
      { at: 5, apply: (engine, t) => engine.handle(t, { type: 'script-result', script: 'chk', exitCode: 0 }) },
      { at: 6000, apply: (engine, t) => engine.handle(t, { type: 'script-result', script: 'chk', exitCode: 1 }) },
    ]);
    // Silent FAULT while the script is in init, then BACKUP on its first success (no "(init)").
    expect(logs(out)).toContain('(VI_1) Entering BACKUP STATE');
    expect(logs(out)).not.toContain('(VI_1) Entering FAULT STATE (init)');
    const zeros = out.filter(({ action }) => action.type === 'send-advert' && action.advert.priority === 0);
    expect(zeros.map(({ t }) => t)).toEqual([6000, 6000]);
    expect(out.filter(({ action }) => action.type === 'notify').map(({ action }) => (action.type === 'notify' ? action.state : ''))).toEqual(['FAULT']);
  });

  it('an interface down at start: "(VI_1) entering FAULT state" with notify fault and the generic notify, then BACKUP when it comes up', () => {
    const text = instance('VI_1', 51, 100, ' notify_fault "/n fault"\n notify_backup "/n backup"\n notify "/n generic"\n');
    const config = parseConfigText(text, 'lab.conf', { scriptExists: () => true }).config;
    const engine = new HostEngine(config, ENV);
    const start = engine.handle(0, { type: 'start', linksDown: ['eth0'] });
    expect(logs(start.map((action) => ({ action })))).toContain('(VI_1) entering FAULT state');
    const notifies = (actions: EngineAction[]) => actions.flatMap((action) => (action.type === 'notify' ? [action.args.join(' ')] : []));
    expect(notifies(start)).toEqual(['/n fault', '/n generic INSTANCE VI_1 FAULT 100']);
    const up = engine.handle(3000, { type: 'link', iface: 'eth0', up: true });
    expect(notifies(up)).toEqual(['/n backup', '/n generic INSTANCE VI_1 BACKUP 100']);
  });

  it('a MASTER answers a lower-priority advert at once and restarts its advert timer from that answer (tcpdump: 50 at 1.9767 s, our 150 at 1.9773 s, the next at 2.9777 s)', () => {
    const text = instance('VI_1', 51, 150);
    const lower = { version: 2 as const, vrid: 51, priority: 50, authType: 0, auth: '', advertIntervalMs: 1000, family: 4 as const, addresses: ['10.9.0.51'] };
    const out = runAlone(text, 6500, [
      { at: 5000, apply: (engine, t) => engine.handle(t, { type: 'advert', iface: 'eth0', packet: { advert: lower, src: '10.9.0.2', dst: '224.0.0.18', ttl: 255 } }) },
    ]);
    expect(logs(out)).toContain('(VI_1) Received advert from 10.9.0.2 with lower priority 50, ours 150, forcing new election');
    const adverts = out.filter(({ action }) => action.type === 'send-advert').map(({ t }) => t);
    const answer = adverts.indexOf(5000);
    expect(answer).toBeGreaterThan(0);
    expect(adverts[answer + 1]).toBe(6000);
  });
});
