/**
 * The lab reads what real keepalived did from its log (src/lab/observe.ts): fed host B's console log
 * of the reference recording captures/reference/seed-fixed-f1 (keepalived 2.2.7), it
 * makes the simulator's records: state changes with where they came from, priority changes,
 * script results and VIPs set and removed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { HostObserver, lineSplitter, notifyRecords } from '../../src/lab/observe.js';
import type { SimRecord } from '../../src/sim/cluster.js';
import { ROOT } from '../sim/helpers.js';

const REFERENCE = path.join(ROOT, 'captures/reference/seed-fixed-f1/B.log');
const config = loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: path.join(ROOT, 'examples/seed/fixed/B'), scriptExists: () => true }).config;

function observe(): SimRecord[] {
  const records: SimRecord[] = [];
  const observer = new HostObserver('B', config, records);
  observer.started();
  fs.readFileSync(REFERENCE, 'utf8').split('\n').forEach((line, i) => observer.line(i, line));
  return records;
}

describe("keepalived's log read back as records", () => {
  it('each "Entering … STATE" line is a transition from the state before, starting from INIT', () => {
    const transitions = observe().flatMap((r) => (r.type === 'transition' ? [`${r.instance} ${r.from}>${r.to}`] : []));
    expect(transitions.slice(0, 4)).toEqual(['VI_1 INIT>BACKUP', 'VI_2 INIT>BACKUP', 'VI_2 BACKUP>MASTER', 'VI_1 BACKUP>MASTER']);
    expect(transitions).toContain('VI_1 MASTER>BACKUP');
  });

  it('priority changes carry both numbers, and the transition after them carries the new priority', () => {
    const records = observe();
    const priorities = records.flatMap((r) => (r.type === 'priority' ? [`${r.instance} ${r.from}>${r.to}`] : []));
    expect(priorities.slice(0, 4)).toEqual(['VI_1 99>101', 'VI_2 100>102', 'VI_1 101>103', 'VI_2 102>104']);
    const master = records.find((r) => r.type === 'transition' && r.instance === 'VI_2' && r.to === 'MASTER');
    expect(master?.type === 'transition' ? master.priority : 0).toBe(104);
  });

  it('"setting VIPs." and "removing VIPs." hold and release the instance\'s VIPs, once each', () => {
    const vips = observe().flatMap((r) => (r.type === 'vip' ? [`${r.address} ${r.held ? '+' : '-'}`] : []));
    expect(vips.slice(0, 3)).toEqual(['172.16.25.11 +', '172.16.25.10 +', '172.16.25.10 -']);
    // The "removing VIPs." lines at start-up, with nothing held, release nothing.
    expect(vips[0]).toBe('172.16.25.11 +');
  });

  it('script results are records of their own', () => {
    const scripts = observe().flatMap((r) => (r.type === 'script' ? [`${r.script} ${r.ok}`] : []));
    expect(scripts.slice(0, 2)).toEqual(['chk_maintaince_down true', 'chk_haproxy true']);
  });

  it('a stop turns every running instance to STOP, once', () => {
    const records: SimRecord[] = [];
    const observer = new HostObserver('B', config, records);
    observer.started();
    observer.line(1, '(VI_1) Entering BACKUP STATE (init)');
    observer.stopped(2);
    observer.stopped(3);
    expect(records.filter((r) => r.type === 'transition' && r.to === 'STOP').map((r) => (r.type === 'transition' ? `${r.instance} ${r.from}` : ''))).toEqual(['VI_1 BACKUP', 'VI_2 INIT']);
  });

  it('lines split across chunks are joined before they are read', () => {
    const lines: string[] = [];
    const feed = lineSplitter((line) => lines.push(line));
    feed(Buffer.from('(VI_1) Enter'));
    feed(Buffer.from('ing MASTER STATE\n(VI_1) setting'));
    feed(Buffer.from(' VIPs.\n'));
    expect(lines).toEqual(['(VI_1) Entering MASTER STATE', '(VI_1) setting VIPs.']);
  });

  it("the notify stand-ins' log becomes notify and service records, timed from the run's start", () => {
    const log = 'N 1000.250000000 backup VI_1 backup 172.16.25.10\nS 1000.260000000 haproxy 0 notify backup (VI_1)\nN 1001.5 generic VI_1 INSTANCE VI_1 MASTER 100\n';
    const commands = new Map([['VI_1\0backup', '/etc/keepalived/notify.sh backup 172.16.25.10'], ['VI_1\0generic', '/n.sh']]);
    const records = notifyRecords('A', log, 1000, (owner, kind) => commands.get(`${owner}\0${kind}`));
    expect(records).toEqual([
      { type: 'notify', t: 0.25, host: 'A', instance: 'VI_1', state: 'BACKUP', command: '/etc/keepalived/notify.sh backup 172.16.25.10', args: ['/etc/keepalived/notify.sh', 'backup', '172.16.25.10'] },
      { type: 'service', t: 0.26, host: 'A', service: 'haproxy', up: false, cause: 'notify backup (VI_1)' },
      { type: 'notify', t: 1.5, host: 'A', instance: 'VI_1', state: 'MASTER', command: '/n.sh', args: ['/n.sh', 'INSTANCE', 'VI_1', 'MASTER', '100'] },
    ]);
  });
});

describe('a sync group in FAULT', () => {
  it('"Syncing instances to FAULT state" takes every member to FAULT, as keepalived logs no line of its own for them', () => {
    const text = 'vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n}\nvrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n virtual_ipaddress {\n  10.0.0.2\n }\n}\n';
    const records: SimRecord[] = [];
    const observer = new HostObserver('A', parseConfigText(text, 'g.conf', { scriptExists: () => true }).config, records);
    observer.started();
    // keepalived 2.2.7, campaign seed 2 case 6: a link down under a sync group of two.
    for (const [t, line] of [[1, '(VI_1) Entering BACKUP STATE (init)'], [1, '(VI_2) Entering BACKUP STATE (init)'], [2, 'Netlink reports eth0 down'], [2, '(VI_1) Entering FAULT STATE'], [2, 'VRRP_Group(G) Syncing instances to FAULT state']] as const) observer.line(t, line);
    expect(records.filter((r) => r.type === 'transition' && r.to === 'FAULT').map((r) => (r.type === 'transition' ? r.instance : ''))).toEqual(['VI_1', 'VI_2']);
  });
});
