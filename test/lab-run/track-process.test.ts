/** `vrrplab lab --compare` with vrrp_track_process: keepalived in the lab's namespaces gets no process events. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asInNamespaces } from '../../src/lab/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { ROOT } from '../sim/helpers.js';

const load = (dir: string, file: string) => {
  const parsed = parseScenario(fs.readFileSync(path.join(ROOT, dir, file), 'utf8'), path.join(ROOT, dir), file);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.scenario;
};

describe('the lab\'s view of track_process', () => {
  it('compares hosts that track a process as process-events: false, and says so', () => {
    const { scenario, warning } = asInNamespaces(load('examples/track-process', 'buggy.yaml'));
    expect(scenario.hosts.map((h) => h.processEvents)).toEqual([false, false]);
    expect(warning).toBe("track_process on A, B: keepalived inside the lab's network namespaces gets no process events (errno 111) and counts every tracked process absent; compared as process-events: false");
  });

  it('leaves a scenario without track_process as it is, with no warning', () => {
    const base = load('examples/track-file', 'write.yaml');
    const { scenario, warning } = asInNamespaces(base);
    expect(scenario).toBe(base);
    expect(warning).toBeUndefined();
  });
});
