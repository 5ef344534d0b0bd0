/**
 * vrrp_track_process in the engine, as keepalived 2.2.7 applies it (vrrp_track.c
 * initialise_process_tracking_priorities / process_update_track_process_status, core/track_process.c
 * for the quorum and the delays). Lab (keepalived 2.2.7, net_namespace so that it sees process
 * events): a 150 instance tracking a process with weight -30 logged "Quorum lost for tracked process
 * tp_sleep" and "Changing effective priority from 150 to 120" when the process exited, "Quorum
 * gained ..." and 120 -> 150 when it was started again.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { Bench } from './harness.js';

function bench(processBlock: string, track = 'haproxy', extra = ''): Bench {
  const text = [
    'vrrp_track_process haproxy {', '  process haproxy', ...processBlock.split('\n').map((l) => `  ${l}`), '}',
    'vrrp_instance VI_1 {', '  interface eth0', '  priority 150', '  virtual_router_id 51', '  virtual_ipaddress {', '    10.0.0.100/24', '  }',
    '  track_process {', `    ${track}`, '  }', extra, '}',
  ].join('\n');
  return new Bench(parseConfigText(text, 'tp.conf').config);
}

const count = (b: Bench, t: number, n: number, fork = false): Bench => b.event(t, { type: 'process-count', trackProcess: 'haproxy', count: n, fork });

describe('track_process weights', () => {
  it('weight -30: running, nothing; the process exits: 150 -> 120 with keepalived\'s lines; started again: back to 150', () => {
    const b = bench('weight -30').start(0, { processCounts: { haproxy: 1 } });
    expect(b.snap().effectivePriority).toBe(150);
    count(b, 5000, 0);
    expect(b.snap().effectivePriority).toBe(120);
    count(b, 8000, 1);
    expect(b.snap().effectivePriority).toBe(150);
    expect(b.logs()).toEqual(expect.arrayContaining([
      'Quorum lost for tracked process haproxy', '(VI_1) Changing effective priority from 150 to 120',
      'Quorum gained for tracked process haproxy', '(VI_1) Changing effective priority from 120 to 150',
    ]));
  });

  it('counts every tracked process absent at start when no count is given (keepalived without process events): 150 - 30 = 120 from the start', () => {
    const b = bench('weight -30').start(0);
    expect(b.snap().effectivePriority).toBe(120);
    expect(b.logs()).not.toContain('Quorum lost for tracked process haproxy');
  });

  it('weight +20 adds while the quorum holds; reverse flips it', () => {
    expect(bench('weight 20').start(0, { processCounts: { haproxy: 1 } }).snap().effectivePriority).toBe(170);
    expect(bench('weight 20').start(0).snap().effectivePriority).toBe(150);
    const reversed = bench('weight 20 reverse').start(0, { processCounts: { haproxy: 1 } });
    expect(reversed.snap().effectivePriority).toBe(130);
    count(reversed, 3000, 0);
    expect(reversed.snap().effectivePriority).toBe(150);
  });

  it('the weight at the track_process line overrides the block\'s', () => {
    const b = bench('weight -30', 'haproxy weight -5').start(0, { processCounts: { haproxy: 1 } });
    count(b, 1000, 0);
    expect(b.snap().effectivePriority).toBe(145);
  });

  it('weight 0: no quorum puts the instance into FAULT (from the start, with keepalived\'s line), the quorum back brings it to BACKUP', () => {
    const b = bench('weight 0').start(0);
    expect(b.state()).toBe('FAULT');
    expect(b.logs()).toContain('(VI_1) entering FAULT state (tracked process haproxy quorum not achieved)');
    count(b, 2000, 1);
    expect(b.state()).toBe('BACKUP');
    count(b, 3000, 0);
    expect(b.state()).toBe('FAULT');
    expect(b.transitions().map((x) => x.to)).toEqual(['FAULT', 'BACKUP', 'FAULT']);
  });

  it('a MASTER whose process exits with a weight that drops it below a peer gives the VIP up to the peer\'s advert', () => {
    const b = bench('weight -60').start(0, { processCounts: { haproxy: 1 } });
    b.advance(4000);
    expect(b.state()).toBe('MASTER');
    count(b, 5000, 0);
    expect(b.snap().effectivePriority).toBe(90);
    b.receive(5500, { priority: 100 });
    expect(b.state()).toBe('BACKUP');
  });
});

describe('track_process quorum and delays', () => {
  it('quorum 2 / quorum_max 3: one process is no quorum, two to three are, four is none again', () => {
    const b = bench('quorum 2\nquorum_max 3\nweight -30').start(0, { processCounts: { haproxy: 1 } });
    expect(b.snap().effectivePriority).toBe(120);
    count(b, 1000, 2);
    expect(b.snap().effectivePriority).toBe(150);
    count(b, 2000, 3);
    expect(b.snap().effectivePriority).toBe(150);
    count(b, 3000, 4);
    expect(b.snap().effectivePriority).toBe(120);
    count(b, 4000, 3);
    expect(b.snap().effectivePriority).toBe(150);
  });

  // Lab, keepalived 2.2.7 via net_namespace: killed at 36.04 s and started again at 37.05 s, nothing
  // logged; killed at 38.55 s, "Quorum lost for tracked process tp" and 150 -> 120 at 40 s (+2 s).
  it('terminate_delay 2: an exit counts 2 s later, and a process back within the delay cancels the loss', () => {
    const b = bench('weight -30\nterminate_delay 2').start(0, { processCounts: { haproxy: 1 } });
    count(b, 1000, 0);
    b.advance(2999);
    expect(b.snap().effectivePriority).toBe(150);
    b.advance(3000);
    expect(b.snap().effectivePriority).toBe(120);
    count(b, 4000, 1);
    expect(b.snap().effectivePriority).toBe(150);
    count(b, 5000, 0);
    count(b, 6000, 1);
    b.advance(10_000);
    expect(b.snap().effectivePriority).toBe(150);
    expect(b.logs().filter((l) => l.startsWith('Quorum'))).toEqual(['Quorum lost for tracked process haproxy', 'Quorum gained for tracked process haproxy']);
  });

  // Lab, keepalived 2.2.7 via net_namespace, quorum 2 and fork_delay 2: a copy of bash started at
  // 51.39 s (an exec: 1 process) forking a subshell (2): "Quorum gained" and 120 -> 150 at 53 s.
  it('fork_delay 1: a quorum gained by a fork counts 1 s later, one gained by an exec at once; delay sets both', () => {
    const forked = bench('weight -30\nfork_delay 1').start(0);
    count(forked, 1000, 1, true);
    expect(forked.snap().effectivePriority).toBe(120);
    forked.advance(2000);
    expect(forked.snap().effectivePriority).toBe(150);
    const exec = bench('weight -30\nfork_delay 1').start(0);
    count(exec, 1000, 1);
    expect(exec.snap().effectivePriority).toBe(150);
    const both = bench('weight -30\ndelay 1').start(0, { processCounts: { haproxy: 1 } });
    count(both, 1000, 0);
    expect(both.snap().effectivePriority).toBe(150);
    both.advance(2000);
    expect(both.snap().effectivePriority).toBe(120);
  });
});

describe('track_process in a sync group', () => {
  it('the group\'s track_process counts for every member with the group\'s weight, weighted members included', () => {
    const text = [
      'vrrp_track_process haproxy {', '  process haproxy', '  weight -30', '}',
      'vrrp_sync_group SG {', '  group {', '    VI_1', '    VI_2', '  }', '  track_process {', '    haproxy weight -40', '  }', '}',
      ...['VI_1', 'VI_2'].flatMap((name, i) => [`vrrp_instance ${name} {`, '  interface eth0', '  priority 150', `  virtual_router_id ${51 + i}`, '  virtual_ipaddress {', `    10.0.0.${100 + i}/24`, '  }', '}']),
    ].join('\n');
    const b = new Bench(parseConfigText(text, 'sg.conf').config).start(0, { processCounts: { haproxy: 1 } });
    b.event(1000, { type: 'process-count', trackProcess: 'haproxy', count: 0 });
    expect(b.snap('VI_1').effectivePriority).toBe(110);
    expect(b.snap('VI_2').effectivePriority).toBe(110);
  });
});

describe('track_process without process events, against keepalived 2.2.7', () => {
  it('gives the lines keepalived logged in a namespace for test/fixtures/track-process/blind.conf: weight 0 FAULT, a sync group\'s weight on both members plus a member\'s own (73 and 80)', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = join(import.meta.dirname, '../fixtures/track-process');
    const b = new Bench(parseConfigText(readFileSync(join(dir, 'blind.conf'), 'utf8'), 'blind.conf').config).start(0);
    const recorded = readFileSync(join(dir, 'blind-keepalived.txt'), 'utf8').trim().split('\n');
    // keepalived's lines about tracking and states, in its order (its own errno line comes from the driver).
    const wanted = recorded.filter((line) => /entering FAULT|Changing effective priority|Entering BACKUP/.test(line));
    expect(b.logs().filter((line) => /entering FAULT|Changing effective priority|Entering BACKUP/.test(line))).toEqual(wanted);
    expect(b.snap('VI_1').effectivePriority).toBe(73);
    expect(b.state('VI_3')).toBe('FAULT');
  });
});
