/**
 * vrrp_track_process and track_process as keepalived 2.2.7 reads them. The diagnostics fixture is
 * keepalived -t's own output on test/fixtures/configs/track-process.conf (recorded in a lab
 * namespace holding eth0: `keepalived -t -f track-process.conf`, exit status 5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { CORPUS_DIR, labInterfaces } from './corpus.js';

const RECORDED = join(CORPUS_DIR, '../track-process/keepalived-t.txt');

describe('vrrp_track_process in the config', () => {
  it('gives every message keepalived -t printed for the bad track_process config, in its order and wording, and its exit status 5', () => {
    const cwd = process.cwd();
    process.chdir(CORPUS_DIR);
    try {
      const result = loadConfig('track-process.conf', { interfaces: labInterfaces });
      const printed = result.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic);
      expect(printed).toEqual(readFileSync(RECORDED, 'utf8').trim().split('\n'));
      expect(result.exitStatus).toBe(5);
    } finally {
      process.chdir(cwd);
    }
  });

  it('keeps what the bad config leaves standing: defaults where a value was refused, references resolved as keepalived resolves them', () => {
    const result = loadConfig(join(CORPUS_DIR, 'track-process.conf'), { interfaces: labInterfaces });
    const byName = new Map((result.config.trackProcesses ?? []).map((p) => [p.name, p]));
    expect([...byName.keys()]).toEqual(['p1', 'p3', 'p4', 'p5', 'later']);
    expect(byName.get('p1')).toMatchObject({ process: 'haproxy', weight: 0, quorum: 1, quorumMax: 4294967295, forkDelayMs: 0, terminateDelayMs: 0, paramMatch: 'none', fullCommand: false });
    expect(byName.get('p3')).toMatchObject({ process: 'nginx', weight: 5, quorum: 3, quorumMax: 4294967295, fullCommand: true });
    expect(byName.get('p4')).toMatchObject({ process: '/usr/sbin/haproxy', params: ['-f', '/etc/haproxy.cfg'], paramMatch: 'partial', fullCommand: true, quorum: 0, quorumMax: 0, forkDelayMs: 1500, terminateDelayMs: 1500 });
    const vi1 = result.config.instances.find((v) => v.name === 'VI_1');
    // p1 (the duplicate dropped), p4 with its own weight (300 refused), p5 and the rest dropped.
    expect(vi1?.trackProcesses?.map((r) => [r.name, r.weight])).toEqual([['p1', undefined], ['p4', undefined]]);
    const vi2 = result.config.instances.find((v) => v.name === 'VI_2');
    expect(vi2?.trackProcesses?.map((r) => [r.name, r.weight, r.reverse])).toEqual([['p4', -2, true], ['p1', 4, false]]);
    // A sync group with an address owner tracks its processes unweighted.
    expect(result.config.syncGroups.find((g) => g.name === 'SG2')?.trackProcesses?.[0]).toMatchObject({ name: 'p3', weight: 0 });
  });

  it('reads a clean block silently: the name, parameters, quorum range, delays and the weight at the reference', () => {
    const text = [
      'vrrp_track_process haproxy {', '  process haproxy', '  quorum 2', '  quorum_max 4', '  weight -20 reverse',
      '  fork_delay 0.5', '  terminate_delay 2', '}',
      'vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 51', '  virtual_ipaddress {', '    10.0.0.1/24', '  }',
      '  track_process {', '    haproxy weight -30', '  }', '}',
    ].join('\n');
    const result = parseConfigText(text, 'clean.conf');
    expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(result.exitStatus).toBe(0);
    expect(result.config.trackProcesses?.[0]).toMatchObject({ process: 'haproxy', quorum: 2, quorumMax: 4, weight: -20, weightReverse: true, forkDelayMs: 500, terminateDelayMs: 2000 });
    expect(result.config.instances[0].trackProcesses).toMatchObject([{ name: 'haproxy', weight: -30 }]);
  });

  it('never throws on track_process blocks made of their keywords and odd values', () => {
    const words = ['process', 'haproxy', 'param_match', 'partial', 'initial', 'weight', 'reverse', 'noreverse', 'quorum', 'quorum_max',
      'delay', 'fork_delay', 'terminate_delay', 'full_command', '0', '-1', '1.5', '65536', 'abc', '3600.0000001', '{', '}', 'tp', 'track_process'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words), { maxLength: 40 }), fc.array(fc.constantFrom(' ', '\n'), { maxLength: 40 }), (tokens, seps) => {
        const body = tokens.map((t, i) => t + (seps[i] ?? ' ')).join('');
        const text = `vrrp_track_process tp {\n${body}\n}\nvrrp_instance VI {\n interface eth0\n virtual_router_id 1\n track_process {\n ${body}\n }\n}\n`;
        const result = parseConfigText(text, 'fuzz.conf', { readFile: () => undefined });
        expect([0, 2, 4, 5, 6]).toContain(result.exitStatus);
        for (const p of result.config.trackProcesses ?? []) {
          expect(p.quorum).toBeLessThanOrEqual(p.quorumMax);
          expect(Math.abs(p.weight)).toBeLessThanOrEqual(254);
        }
      }),
      { numRuns: 500 },
    );
  });
});
