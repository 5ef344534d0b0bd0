/**
 * explore with vrrp_track_process (issue 23): a tracked process stopping and starting again is a
 * fault of the search (the service of its name), so the too-small weight of the haproxy pair is
 * found, and the corrected pair gives nothing.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { formatText } from '../../src/explore/report.js';
import { exploreSpace, scenarioFromHosts } from '../../src/explore/space.js';
import { ROOT } from '../sim/helpers.js';

const base = (variant: 'buggy' | 'fixed') => scenarioFromHosts(['A', 'B'].map((name) => ({ name, root: path.join(ROOT, 'examples/track-process', variant, name) })), 1);
const run = (variant: 'buggy' | 'fixed') => explore(base(variant), { seed: 1, depth: 1, budget: { kind: 'count', schedules: 200 }, workers: 1 });

describe('explore with track_process', () => {
  it('has a stop of each host\'s tracked process among its faults', () => {
    const vocabulary = exploreSpace(base('buggy')).vocabulary;
    expect(vocabulary).toContainEqual({ do: 'service-stop', host: 'A', service: 'haproxy' });
    expect(vocabulary).toContainEqual({ do: 'service-stop', host: 'B', service: 'haproxy' });
  });

  it('finds the too-small weight (-1 at 102/100): haproxy stopping on A leaves A MASTER, and the header says how the process is followed', async () => {
    const result = await run('buggy');
    expect(result.failures.map((f) => [f.kinds, f.schedule.faults.map((fault) => `${fault.do} ${'host' in fault ? fault.host : ''} ${'service' in fault ? fault.service : ''}`)])).toEqual([
      [['unhealthy-master'], ['service-stop A haproxy']],
    ]);
    expect(result.summary.notes).toEqual(['hosts run as keepalived 2.2.7', 'track_process track_haproxy (A, B): follows service haproxy; its service-stop faults are the process exiting, service-start an exec (no fork_delay)']);
    expect(formatText([], result.summary, new Map())).toContain('  track_process track_haproxy (A, B): follows service haproxy');
  });

  it('finds nothing on the corrected pair (-5)', async () => {
    const result = await run('fixed');
    expect(result.failures).toEqual([]);
  });
});
