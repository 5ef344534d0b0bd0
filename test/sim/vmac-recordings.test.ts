/**
 * keepalived 2.2.7 with use_vmac, recorded in a netns lab (test/fixtures/vmac/*: both daemons'
 * -D logs, `ip -br addr` after 9 s, tcpdump on B), against the simulator on the same configs:
 *  - both-vmac: A (100) and B (150) with use_vmac: B master, A backup, adverts from the VMAC;
 *  - xmit-base-one-side: A (100) with vmac_xmit_base, B (150) without: both MASTER. A reads on eth0,
 *    and the kernel hands a multicast frame from A's own VMAC address (B's adverts) to A's macvlan
 *    only: A never hears B.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipPacketOf } from '../../src/capture/link.js';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { formatJsonLines } from '../../src/sim/format.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/vmac');

/** The last state each keepalived logged ("(VI_1) Entering MASTER STATE"). */
function lastState(log: string): string | undefined {
  return [...log.matchAll(/\(VI_1\) Entering (\w+) STATE/g)].at(-1)?.[1];
}

/** Source MAC of each VRRP advert (priority > 0) in the capture, by source IPv4 address. */
function advertMacs(pcap: string): Map<string, Set<string>> {
  const macs = new Map<string, Set<string>>();
  for (const frame of readCaptureFile(pcap)) {
    const ip = ipPacketOf(frame);
    if (ip === undefined || ip.family !== 4 || frame.data[ip.offset + 9] !== 112) continue;
    const vrrp = ip.offset + (frame.data[ip.offset] & 0x0f) * 4;
    if (frame.data[vrrp + 2] === 0) continue;
    const src = [...frame.data.subarray(ip.offset + 12, ip.offset + 16)].join('.');
    const mac = [...frame.data.subarray(6, 12)].map((b) => b.toString(16).padStart(2, '0')).join(':');
    macs.set(src, (macs.get(src) ?? new Set()).add(mac));
  }
  return macs;
}

function simulate(dir: string): SimulationResult {
  const yaml = [
    'duration: 9s',
    'hosts:',
    '  A: { config: A.conf, address: 10.9.0.1 }',
    '  B: { config: B.conf, address: 10.9.0.2 }',
    'timeline:',
    '  - { at: 0s, host: A, do: start }',
    '  - { at: 0s, host: B, do: start }',
  ].join('\n');
  const parsed = parseScenario(yaml, dir);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario, { seed: 1 });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

function simulatedStates(result: SimulationResult): Record<string, string> {
  const states: Record<string, string> = {};
  for (const r of result.records) if (r.type === 'transition') states[r.host] = r.to;
  return states;
}

describe('simulate against keepalived 2.2.7 recordings with use_vmac', () => {
  for (const [name, expected] of [['both-vmac', { A: 'BACKUP', B: 'MASTER' }], ['xmit-base-one-side', { A: 'MASTER', B: 'MASTER' }]] as const) {
    it(`${name}: ends with keepalived's states (${JSON.stringify(expected)}) and its VIPs on vrrp.51`, () => {
      const dir = path.join(FIXTURES, name);
      const recorded = { A: lastState(fs.readFileSync(path.join(dir, 'A.log'), 'utf8')), B: lastState(fs.readFileSync(path.join(dir, 'B.log'), 'utf8')) };
      expect(recorded).toEqual(expected);
      const addresses = fs.readFileSync(path.join(dir, 'addresses.txt'), 'utf8');
      const vmacs = addresses.split('\n').filter((l) => l.startsWith('vrrp.51@eth0') && l.includes('10.9.0.100/24'));
      expect(vmacs.length).toBe(Object.values(expected).filter((s) => s === 'MASTER').length);

      const result = simulate(dir);
      expect(simulatedStates(result)).toEqual(expected);
      for (const [host, state] of Object.entries(expected)) expect(result.vips[host] ?? []).toEqual(state === 'MASTER' ? ['10.9.0.100'] : []);
    });
  }

  it('gives each master the advert MAC keepalived sent from: the VMAC, or eth0\'s own with vmac_xmit_base', () => {
    const dir = path.join(FIXTURES, 'xmit-base-one-side');
    const macs = advertMacs(path.join(dir, 'capture.pcap'));
    expect([...(macs.get('10.9.0.2') ?? [])]).toEqual(['00:00:5e:00:01:33']);
    const fromA = [...(macs.get('10.9.0.1') ?? [])];
    expect(fromA).toHaveLength(1);
    expect(fromA[0]).not.toBe('00:00:5e:00:01:33');
    const lines = formatJsonLines(simulate(dir)).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const masters = Object.fromEntries(lines.filter((l) => l.type === 'transition' && l.to === 'MASTER').map((l) => [l.host, l.advertMac]));
    expect(masters).toEqual({ A: undefined, B: '00:00:5e:00:01:33' });
  });
});
