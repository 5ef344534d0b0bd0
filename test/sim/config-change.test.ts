/**
 * A configuration change as a timeline event: `reload` (SIGHUP with a new keepalived.conf) and
 * `restart` (SIGTERM, then a start with the new file). The keepalived behaviour itself is pinned
 * against lab recordings in test/lab-run/rollout-recordings.test.ts; these pin the syntax, its
 * file:line errors, and what each event does to a running or stopped host.
 */
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatJsonLines, formatTimeline } from '../../src/sim/format.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { ROOT } from './helpers.js';

const DIR = path.join(ROOT, 'test/fixtures/recordings/rollout/advert-int');

function scenario(timeline: string[], extra = ''): { ok: true; scenario: Scenario } | { ok: false; errors: string[] } {
  const text = ['name: change', 'duration: 30s', 'hosts:', '  A: { config: A.conf, address: 10.99.0.1 }', '  B: { config: B.conf, address: 10.99.0.2 }', extra, 'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0.5s, host: B, do: start }', ...timeline.map((line) => `  - ${line}`)].join('\n');
  const parsed = parseScenario(text, DIR, 'change.yaml');
  return parsed.ok ? { ok: true, scenario: parsed.scenario } : parsed;
}

function run(timeline: string[]) {
  const parsed = scenario(timeline);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

const masters = (result: ReturnType<typeof run>) => result.records.flatMap((r) => (r.type === 'transition' && r.to === 'MASTER' ? [`${r.t.toFixed(3)} ${r.host}`] : []));

describe('reload and restart in a scenario', () => {
  it('reads reload with config (relative to the scenario) and restart with root and gap', () => {
    const parsed = scenario(['{ at: 8s, host: A, do: reload, config: new/A.conf }', '{ at: 9s, host: B, do: restart, root: hostB, gap: 2s }']);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [reload, restart] = parsed.scenario.timeline.slice(2);
    expect(reload).toMatchObject({ do: 'reload', host: 'A', configPath: path.join(DIR, 'new/A.conf'), label: 'new/A.conf' });
    expect(restart).toMatchObject({ do: 'restart', host: 'B', root: path.join(DIR, 'hostB'), configPath: '/etc/keepalived/keepalived.conf', gapMs: 2000, label: 'hostB' });
  });

  it('says at which line a reload lacks its new configuration, has a bad gap or an unknown key', () => {
    const parsed = scenario(['{ at: 8s, host: A, do: reload }', '{ at: 9s, host: B, do: restart, config: new/B.conf, gap: soon }', '{ at: 9s, host: B, do: reload, config: new/B.conf, gap: 1s }']);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      expect.stringMatching(/^change\.yaml:10: timeline\[2\]\.config: reload needs the new configuration: config: FILE or root: DIR$/),
      expect.stringMatching(/^change\.yaml:11: timeline\[3\]\.gap: expected a duration/),
      expect.stringMatching(/^change\.yaml:12: timeline\[4\]\.gap: unknown key for reload.*reload takes at, do, host, config, root$/),
    ]);
  });

  it('refuses a reload to a file with no vrrp_instance, naming the scenario line', () => {
    const parsed = scenario(['{ at: 8s, host: A, do: reload, config: missing.conf }']);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors[0]).toMatch(/^change\.yaml:10: reload of A: no vrrp_instance in missing\.conf/);
  });

  it('shows a reload in the timeline as "reloaded with FILE", and in --json as an event', () => {
    const result = run(['{ at: 8s, host: A, do: reload, config: new/A.conf }', '{ at: 9s, host: B, do: reload, config: new/B.conf }']);
    expect(formatTimeline(result)).toMatch(/^\s+8\.000 {2}A {5}== reloaded with new\/A\.conf$/m);
    expect(formatJsonLines(result)).toContain('{"type":"event","t":8,"host":"A","action":"reload","detail":"new/A.conf"}');
  });

  it('a reload that changes nothing keepalived compares keeps the master and the VIP where they are', () => {
    const result = run(['{ at: 8s, host: A, do: reload, config: A.conf }', '{ at: 9s, host: B, do: reload, config: B.conf }']);
    expect(masters(result)).toEqual(['3.484 A']);
    expect(result.findings).toEqual([]);
  });

  it('a reload of a stopped host changes nothing until its next start, which reads the new file', () => {
    const result = run(['{ at: 6s, host: B, do: stop }', '{ at: 8s, host: B, do: reload, config: new/B.conf }', '{ at: 12s, host: B, do: start }']);
    expect(formatTimeline(result)).toContain('== reloaded with new/B.conf (keepalived not running: read at its next start)');
    // B starts with advert_int 3 while A keeps 1: B rejects A's adverts and takes over, a split brain.
    expect(result.findings.map((f) => f.kind)).toContain('split-brain');
    expect(masters(result).at(-1)).toMatch(/ B$/);
  });

  it('a restart of the master resigns, starts again a second later (keepalived\'s exit), and takes the VIP back from B a Master_Down_Interval after its start', () => {
    const result = run(['{ at: 8s, host: A, do: restart, config: A.conf }']);
    const starts = result.records.flatMap((r) => (r.type === 'fault' && r.host === 'A' && (r.action === 'start' || r.action === 'stop' || r.action === 'restart') ? [`${r.t} ${r.action}`] : []));
    expect(starts).toEqual(['0 start', '8 restart', '8 stop', '9 start']);
    // B takes over after its skew time (A's priority-0 advert); A, back as BACKUP at 9.07 s, ignores
    // B's lower-priority adverts and takes over when its down timer runs out (3.414 s for 150).
    expect(masters(result)).toEqual(['3.484 A', '8.609 B', '12.484 A']);
  });

  it('a failover after the rollout is judged by the new configs: B taking over 9.6 s after A\'s last advert is advert_int 3\'s Master_Down_Interval, not a slow failover', () => {
    const result = run(['{ at: 8s, host: A, do: reload, config: new/A.conf }', '{ at: 9s, host: B, do: reload, config: new/B.conf }', '{ at: 15s, host: A, do: kill }']);
    const takeover = result.records.find((r) => r.type === 'transition' && r.host === 'B' && r.to === 'MASTER');
    // A's last advert at 14.002 s (3 s after 11.002); keepalived 2.2.7 took over at 23.630 s (lab-run/rollout-recordings).
    expect(takeover?.t).toBeCloseTo(14.002 + 9.609, 2);
    expect(result.findings).toEqual([]);
    // With the old advert_int (no rollout) the same 9.6 s would be a slow failover: the rule still fires.
    const slow = run(['{ at: 8s, host: A, do: reload, config: new/A.conf }', '{ at: 25s, host: B, do: reload, config: new/B.conf }']);
    expect(slow.findings.map((f) => f.kind)).toContain('split-brain');
  });

  it('a restart with a gap starts keepalived that long after the SIGTERM', () => {
    const result = run(['{ at: 8s, host: B, do: restart, config: B.conf, gap: 5s }']);
    const starts = result.records.flatMap((r) => (r.type === 'fault' && r.host === 'B' && r.action === 'start' ? [r.t] : []));
    expect(starts).toEqual([0.5, 13]);
  });

  it('never crashes on any value given to reload\'s and restart\'s keys', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.string(), { maxKeys: 2 }));
    fc.assert(
      fc.property(fc.constantFrom('reload', 'restart'), value, value, value, (action, config, root, gap) => {
        const entry = JSON.stringify({ at: '8s', host: 'A', do: action, config, root, gap });
        const parsed = parseScenario(`hosts:\n  A: { config: A.conf, address: 10.99.0.1 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - ${entry}\n`, DIR, 'p.yaml');
        if (!parsed.ok) expect(parsed.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
});
