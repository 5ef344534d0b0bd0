/**
 * Lab tier: a VRID conflict with real keepalived 2.2.7, as captures/conflict-vrid52 was recorded
 * (captures/how-made/conflict.sh): three hosts on one bridge, VRID 52, .1 (150) and .2 (100) with
 * one auth_pass, .3 (50) with another. keepalived makes .1 and .3 MASTER side by side; `replay`
 * of the capture must say so and name the conflict, and `compare` as .2 must match what .2 did.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { collect, exited, sleep, startDaemon, transitions, waitFor, type Started } from '../runtime/lab-helpers.js';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { compareCapture } from '../../src/compare/capture.js';
import { readCaptureFile } from '../../src/capture/reader.js';

function config(priority: number, password: string): string {
  return `global_defs {
  router_id conflict_lab
}
vrrp_instance VI_52 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 52
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass ${password}
  }
  virtual_ipaddress {
    172.16.25.52/16 dev eth0
  }
}
`;
}

const made = removedAfterEach();

describe('a VRID conflict between keepalived hosts', () => {
  it('makes .1 and .3 masters side by side; replay reports both and the conflict, compare as .2 matches', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump']);
    const lab = made.lab({ hosts: 3 });
    const dir = made.scratch('vlconflict');
    const pcap = join(dir, 'capture.pcap');
    const tcpdump = collect(lab.spawn(1, ['tcpdump', '--immediate-mode', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip proto 112']));
    await sleep(500);
    const captureStart = Date.now() / 1000;
    const started: Started[] = [];
    const events: { t: number; host: string; address: string; action: string }[] = [];
    const settings: [number, string][] = [[150, 's3cret52'], [100, 's3cret52'], [50, 'other-52']];
    for (const [i, [priority, password]] of settings.entries()) {
      const conf = join(dir, `H${i + 1}.conf`);
      writeFileSync(conf, config(priority, password));
      events.push({ t: Date.now() / 1000, host: `H${i + 1}`, address: lab.hosts[i].address, action: 'start' });
      started.push(startDaemon(lab, i, 'keepalived', conf, dir));
    }
    const master = (s: Started) => transitions(s.log()).at(-1) === 'VI_52 MASTER';
    expect(await waitFor(() => master(started[0]!) && master(started[2]!), 10_000), started[2]!.log()).toBeGreaterThanOrEqual(0);
    await sleep(8000);
    events.push({ t: Date.now() / 1000, host: '', address: '', action: 'end' });
    expect(transitions(started[0]!.log()).at(-1)).toBe('VI_52 MASTER');
    expect(transitions(started[2]!.log()).at(-1)).toBe('VI_52 MASTER');
    expect(started[2]!.log()).toContain('(VI_52) received an invalid passwd!');
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);

    const records = replayCapture(pcap).records;
    const anomalies = records.filter((r): r is Extract<ReplayRecord, { type: 'anomaly' }> => r.type === 'anomaly');
    expect(anomalies.filter((a) => a.kind === 'two-masters').map((a) => a.detail.split(' were ')[0])).toEqual(['172.16.25.1 and 172.16.25.3']);
    expect(anomalies.some((a) => a.kind === 'vrid-conflict' && a.detail.includes('received an invalid passwd!'))).toBe(true);
    const takeovers = records.filter((r) => r.type === 'transition' && r.from === '172.16.25.1' && r.to === '172.16.25.3');
    expect(takeovers).toEqual([]);

    // Compared up to the capture's last frame, not the test's clock: .2 (a BACKUP) sends nothing,
    // so past its last captured packet the engine would hear silence the capture never showed.
    const times = [...readCaptureFile(pcap)].map((frame) => frame.ts);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const end = Math.min(events.at(-1)!.t, times.at(-1)! + 0.1);
    const eventsFile = join(dir, 'events.json');
    writeFileSync(eventsFile, JSON.stringify({ captureStart, events: events.map((e) => (e.action === 'end' ? { t: end, action: 'end' } : e)) }));
    const outcome = compareCapture({ capture: pcap, config: join(dir, 'H2.conf'), host: 'H2', events: eventsFile, toleranceMs: 50 });
    expect(outcome.ok).toBe(true);
    const seen = `${times.length} frames from ${(times[0]! - captureStart).toFixed(3)} to ${(times.at(-1)! - captureStart).toFixed(3)} s, longest gap ${Math.max(...gaps).toFixed(3)} s, end ${(end - captureStart).toFixed(3)} s`;
    if (outcome.ok) expect(outcome.report.mismatches, `${JSON.stringify(outcome.report.mismatches)} (${seen})`).toEqual([]);
  }, 60_000);
});
