/**
 * Accuracy against real keepalived 2.2.7: each reference recording, expressed as a model-mode
 * scenario (the seed configs; haproxy modelled as a service that the notify script starts and
 * stops, as the recordings' flag file was), must give the same sequence of masters per VRID as
 * the capture, each change within 50 ms of the recorded one (all are packet/timer driven here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

const REFERENCE = path.resolve(import.meta.dirname, '../../captures/reference');
const ROOT = path.resolve(import.meta.dirname, '../..');
const ADDRESS_TO_HOST: Record<string, string> = { '172.16.25.1': 'A', '172.16.25.2': 'B' };
/** The notify script logs its own start; keepalived ran it a few ms earlier. */
const NOTIFY_LAG_MS = 3;

interface RecordedEvent {
  t: number;
  host?: string;
  action: string;
}

interface MasterChange {
  t: number;
  vrid: number;
  host: string;
  priority?: number;
}

/**
 * keepalived's start-up latency (exec to instance initialisation) is not visible from outside and
 * varied from 15 to 100 ms in these runs, so it is calibrated per start: from the host's first
 * timer-driven takeover in the capture (its first advert as master, minus its Master_Down_Interval
 * at the advertised priority), else from its first notify. Every other transition is predicted.
 */
function startupMs(hostName: string, startT: number, masters: MasterChange[], notifies: { t: number; host: string }[]): number {
  const first = masters.find((change) => change.host === hostName && change.t >= startT && change.t < startT + 5 && change.priority !== undefined);
  if (first?.priority !== undefined) return Math.max(1, (first.t - startT - (3 + (256 - first.priority) / 256)) * 1000);
  const notify = notifies.find((candidate) => candidate.host === hostName && candidate.t >= startT);
  return notify === undefined ? 70 : Math.max(1, (notify.t - startT) * 1000 - NOTIFY_LAG_MS);
}

function recordingScenario(name: string, variant: 'buggy' | 'fixed'): { text: string; endSeconds: number } {
  const events = JSON.parse(fs.readFileSync(path.join(REFERENCE, name, 'events.json'), 'utf8')) as { captureStart: number; events: RecordedEvent[] };
  const origin = events.captureStart;
  const notifies = fs
    .readFileSync(path.join(REFERENCE, name, 'notify.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([t = '0', host = '']) => ({ t: Number(t) - origin, host }));
  const masters = recordedMasters(name);
  const timeline: string[] = [];
  let end = 0;
  for (const event of events.events) {
    const t = event.t - origin;
    const at = (t * 1000).toFixed(3);
    // `end` stops both hosts: the comparison stops there.
    if (event.action === 'end') end = t;
    else if (event.action === 'start') {
      timeline.push(`  - { at: ${at}ms, host: ${event.host}, do: start, startup: ${startupMs(event.host ?? '', t, masters, notifies).toFixed(3)}ms }`);
    } else timeline.push(`  - { at: ${at}ms, host: ${event.host}, do: ${event.action} }`);
  }
  const text = [
    `name: ${name}`,
    `duration: ${end.toFixed(3)}s`,
    'hosts:',
    `  A: { root: ${path.join(ROOT, 'examples/seed', variant, 'A')}, address: 172.16.25.1 }`,
    `  B: { root: ${path.join(ROOT, 'examples/seed', variant, 'B')}, address: 172.16.25.2 }`,
    'services: { haproxy: up }',
    'checks:',
    '  chk_haproxy: { service: haproxy }',
    '  chk_maintaince_down: { file-absent: /etc/keepalived/down }',
    'timeline:',
    ...timeline,
  ].join('\n');
  return { text, endSeconds: end };
}

function recordedMasters(name: string): MasterChange[] {
  const events = JSON.parse(fs.readFileSync(path.join(REFERENCE, name, 'events.json'), 'utf8')) as { captureStart: number };
  const replay = replayCapture(path.join(REFERENCE, name, 'capture.pcap'));
  const changes: MasterChange[] = [];
  for (const record of replay.records) {
    if (record.type === 'transition' && record.to !== null) {
      changes.push({ t: record.ts - events.captureStart, vrid: record.vrid, host: ADDRESS_TO_HOST[record.to] ?? record.to, priority: record.priority });
    }
  }
  return changes.sort((a, b) => a.t - b.t);
}

/** notify.log as per-host, per-instance state sequences (VIP .10 is VI_1, .11 is VI_2). */
function notifyStates(name: string, endSeconds: number): Map<string, { t: number; state: string }[]> {
  const events = JSON.parse(fs.readFileSync(path.join(REFERENCE, name, 'events.json'), 'utf8')) as { captureStart: number };
  const byKey = new Map<string, { t: number; state: string }[]>();
  const lines = fs.readFileSync(path.join(REFERENCE, name, 'notify.log'), 'utf8').trim().split('\n');
  for (const [t = '0', host = '', state = '', vip = ''] of lines.map((line) => line.split(' '))) {
    const at = Number(t) - events.captureStart;
    if (at >= endSeconds) continue;
    const key = `${host}/${vip.endsWith('.10') ? 'VI_1' : 'VI_2'}`;
    const list = byKey.get(key) ?? [];
    list.push({ t: at, state });
    byKey.set(key, list);
  }
  for (const list of byKey.values()) list.sort((a, b) => a.t - b.t);
  return byKey;
}

describe.each([
  ['seed-buggy-f1', 'buggy'],
  ['seed-fixed-f1', 'fixed'],
] as const)('the simulator against the keepalived recording %s', (name, variant) => {
  it('names the same master for every period, each change within 50 ms of the recorded time', () => {
    const { text, endSeconds } = recordingScenario(name, variant);
    const parsed = parseScenario(text, ROOT, name);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario, { keepLogs: false });
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const simulated: MasterChange[] = outcome.result.records
      .filter((record) => record.type === 'transition' && record.to === 'MASTER')
      .map((record) => (record.type === 'transition' ? { t: record.t, vrid: record.vrid, host: record.host } : { t: 0, vrid: 0, host: '' }));
    const recorded = recordedMasters(name).filter((change) => change.t < endSeconds);
    for (const vrid of [125, 126]) {
      const expected = recorded.filter((change) => change.vrid === vrid);
      const actual = simulated.filter((change) => change.vrid === vrid);
      expect(actual.map((change) => change.host), `masters of VRID ${vrid}`).toEqual(expected.map((change) => change.host));
      const errorsMs = actual.map((change, index) => Math.abs(change.t - (expected[index]?.t ?? Number.NaN)) * 1000);
      console.log(`${name} VRID ${vrid}: master changes ${actual.length}, timing errors ms [${errorsMs.map((e) => e.toFixed(1)).join(', ')}]`);
      for (const error of errorsMs) expect(error).toBeLessThan(50);
    }
    // Per host and instance: the states keepalived announced through notify.log, in order.
    const recordedStates = notifyStates(name, endSeconds);
    for (const [key, states] of recordedStates) {
      const [host, instance] = key.split('/');
      const simulatedStates = outcome.result.records.flatMap((record) =>
        record.type === 'transition' && record.host === host && record.instance === instance && record.to !== 'STOP' ? [{ t: record.t, state: record.to.toLowerCase() }] : [],
      );
      expect(simulatedStates.map((entry) => entry.state), `states of ${key}`).toEqual(states.map((entry) => entry.state));
      // notify.log is written by the script itself, after keepalived forked it: it lags by up to ~50 ms.
      const lagsMs = states.map((entry, index) => (entry.t - (simulatedStates[index]?.t ?? Number.NaN)) * 1000);
      console.log(`${name} ${key}: states ${states.map((entry) => entry.state).join(' ')}; notify lag ms [${lagsMs.map((lag) => lag.toFixed(1)).join(', ')}]`);
      for (const lag of lagsMs) expect(Math.abs(lag)).toBeLessThan(60);
    }
  });
});
