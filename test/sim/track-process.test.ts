/**
 * vrrp_track_process in the simulator (issue 23): a tracked process is the service of its name, so
 * haproxy stopping on the MASTER lowers its priority as keepalived's process events do. The haproxy
 * pair of examples/track-process: 102/100, weight -1 (the seed's mistake, with process tracking)
 * or -5.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { formatTimeline } from '../../src/sim/format.js';
import { ROOT } from './helpers.js';

const DIR = path.join(ROOT, 'examples/track-process');

function run(file: string, edit: (yaml: string) => string = (y) => y) {
  const parsed = parseScenario(edit(fs.readFileSync(path.join(DIR, file), 'utf8')), DIR, file);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return { result: outcome.result, warnings: outcome.warnings };
}

const holder = (vips: Record<string, string[]>): string[] => Object.entries(vips).filter(([, held]) => held.length > 0).map(([host]) => host);

describe('track_process in simulate', () => {
  it('weight -1 at 102/100: haproxy stopping on A lowers it to 101, A keeps the VIP, and unhealthy-master names the arithmetic', () => {
    const { result, warnings } = run('buggy.yaml');
    expect(warnings.join('\n')).not.toMatch(/haproxy/);
    expect(result.records).toContainEqual(expect.objectContaining({ type: 'priority', host: 'A', from: 102, to: 101, t: 10 }));
    expect(holder(result.vips)).toEqual(['A']);
    expect(result.findings.map((f) => f.kind)).toEqual(['unhealthy-master']);
    expect(result.findings[0]?.message).toContain("A's 102 - 1 (track_process track_haproxy) = 101 stays above B's 100");
    const text = formatTimeline(result);
    expect(text).toContain('track_process track_haproxy: follows service haproxy (running: 1 process, quorum 1');
    expect(text).toContain('Quorum lost for tracked process track_haproxy');
    expect(text).toContain('a keepalived inside a network namespace (a container) would count it absent (errno 111): process-events: false on such a host');
  });

  it('weight -5: the same stop hands the VIP to B (97 < 100), and there is no finding', () => {
    const { result } = run('fixed.yaml');
    expect(holder(result.vips)).toEqual(['B']);
    expect(result.findings).toEqual([]);
  });

  it('haproxy started again gives A its priority back, and A, preempting, takes the VIP again', () => {
    const { result } = run('fixed.yaml', (y) => y.replace('duration: 30s', 'duration: 40s') + '  - { at: 25s, host: A, do: service-start, service: haproxy }\n');
    expect(result.records).toContainEqual(expect.objectContaining({ type: 'priority', host: 'A', from: 97, to: 102, t: 25 }));
    expect(holder(result.vips)).toEqual(['A']);
  });

  it('a host whose keepalived cannot follow process events (process-events: false) counts haproxy absent from the start, and the header says so', () => {
    const { result } = run('fixed.yaml', (y) => y.replace('A: { root: fixed/A, address: 172.16.25.1 }', 'A: { root: fixed/A, address: 172.16.25.1, process-events: false }'));
    expect(result.records).toContainEqual(expect.objectContaining({ type: 'log', host: 'A', message: 'Failed to set/clear process event listen - errno 111 - Connection refused' }));
    expect(result.records).toContainEqual(expect.objectContaining({ type: 'priority', host: 'A', from: 102, to: 97 }));
    expect(holder(result.vips)).toEqual(['B']);
    expect(formatTimeline(result)).toContain('on A keepalived cannot follow process events (process-events: false, as in a network namespace): counted absent');
    expect(formatTimeline(result)).not.toContain('would count it absent');
  });

  it('a service no check, notify or track_process uses still gets the warning', () => {
    const { warnings } = run('fixed.yaml', (y) => y.replace('service: haproxy }', 'service: postgres }'));
    expect(warnings.join('\n')).toMatch(/no check, notify script or track_process uses service postgres, so its state changes nothing \(services used: haproxy\)/);
  });

  it('counts a process named by its path without full_command absent while it runs, as keepalived does, and the header says why', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vltp-'));
    try {
      for (const host of ['A', 'B']) {
        const text = fs.readFileSync(path.join(DIR, 'fixed', host, 'etc/keepalived/keepalived.conf'), 'utf8').replace('process haproxy', 'process /usr/sbin/haproxy');
        fs.writeFileSync(path.join(dir, `${host}.conf`), text);
      }
      const yaml = ['name: slash', 'duration: 20s', 'hosts:', `  A: { config: ${dir}/A.conf, address: 172.16.25.1 }`, `  B: { config: ${dir}/B.conf, address: 172.16.25.2 }`,
        'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }'].join('\n');
      const parsed = parseScenario(yaml, dir, 'slash.yaml');
      if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
      const outcome = runScenario(parsed.scenario);
      if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
      expect(outcome.result.records).toContainEqual(expect.objectContaining({ type: 'priority', host: 'A', from: 102, to: 97 }));
      expect(formatTimeline(outcome.result)).toContain("track_process track_haproxy: process /usr/sbin/haproxy is compared with the process's name (comm), which has no path: it never matches and counts absent");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
