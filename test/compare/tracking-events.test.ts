/**
 * `vrrplab compare --events` plays what keepalived tracks besides scripts: a tracked interface's
 * link going down and up, a tracked file's writes; and says what it assumed or does not model,
 * where "no tracked scripts" was all it said. The captures are keepalived 2.2.7's, recorded in the
 * lab (test/fixtures/recordings/track-interface: eth1 of A down at 6 s, up at 14 s).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runCompare, type CompareCliOptions } from '../../src/cli/commands/compare.js';
import { compareCapture } from '../../src/compare/capture.js';

const ROOT = resolve(import.meta.dirname, '../..');
const RECORDINGS = join(ROOT, 'test/fixtures/recordings/track-interface');
const scratch = mkdtempSync(join(tmpdir(), 'vrrplab-compare-tracking-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function files(variant: 'too-small' | 'fixed') {
  const dir = join(RECORDINGS, variant);
  return { capture: join(dir, 'keepalived/capture.pcap'), config: join(dir, 'A.conf'), events: join(dir, 'events.json') };
}

/** The recording's events file with `edit` applied, written to the scratch directory. */
function eventsWith(variant: 'too-small' | 'fixed', edit: (events: Record<string, unknown>[]) => Record<string, unknown>[]): string {
  const file = JSON.parse(readFileSync(files(variant).events, 'utf8')) as { captureStart: number; events: Record<string, unknown>[] };
  const out = join(scratch, `${variant}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(out, JSON.stringify({ ...file, events: edit(file.events) }));
  return out;
}

function cli(capture: string, opts: Partial<CompareCliOptions>): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = runCompare(capture, { script: [], ...opts }, (text) => (stdout += text), (text) => (stderr += text));
  return { status, stdout, stderr };
}

describe('compare --events with a tracked interface going down and up (keepalived 2.2.7 recordings)', () => {
  it('plays eth1 down and up: keepalived\'s adverts at 105 while it was down match the engine\'s, and it exits 0', () => {
    const { capture, config, events } = files('too-small');
    const run = cli(capture, { config, host: 'A', events });
    expect(run.stdout).toContain('  scripts: track_interface eth1: down/up as the events file says (2 event(s))');
    expect(run.stdout).toContain('PASS: adverts 16/16 matched');
    expect(run.status).toBe(0);
  });

  it('without the link events, fails on the priority keepalived advertised with the link down (105, the engine 110), and says it took eth1 as up throughout', () => {
    const { capture, config } = files('too-small');
    const events = eventsWith('too-small', (list) => list.filter((event) => !String(event['action']).startsWith('link')));
    const run = cli(capture, { config, host: 'A', events });
    expect(run.stdout).toContain('  scripts: track_interface eth1: up throughout (no link-down of it in the events file)');
    expect(run.stdout).toMatch(/priority: the host advertised priority 105, the engine 110/);
    expect(run.status).toBe(1);
  });

  it('plays the takeover weight -20 causes: A silent after the link-down, MASTER again after the link-up, as keepalived was, with no priority mismatch', () => {
    const outcome = compareCapture({ ...files('fixed'), host: 'A', toleranceMs: 50 });
    if (!outcome.ok) throw new Error(outcome.error);
    const { report } = outcome;
    expect(report.states).toMatchObject({ matched: 3, total: 3 });
    expect(report.vrids[0]?.states.recorded.map((s) => s.value)).toEqual(['master', 'silent', 'master']);
    expect(report.mismatches).toEqual([]);
  });

  it('a link event on an interface the config neither runs VRRP on nor tracks is named as changing nothing, and an action it cannot play is named too', () => {
    const { capture, config } = files('too-small');
    const events = eventsWith('too-small', (list) => [
      ...list,
      { t: Number(list[0]?.['t']) + 7, host: 'A', action: 'link-down', arg: 'eth7' },
      { t: Number(list[0]?.['t']) + 8, host: 'A', action: 'freeze' },
      { t: Number(list[0]?.['t']) + 9, host: 'A', action: 'freeze' },
    ]);
    const outcome = compareCapture({ capture, config, host: 'A', events });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.report.warnings).toContain(`the events file takes eth7 down, which ${config} neither runs VRRP on nor tracks: it changes nothing`);
    expect(outcome.report.warnings).toContain('the events file\'s "freeze" (2x) is not played: compare plays start, stop, kill, reload, link-down, link-up, write, touch, rm, end');
    expect(outcome.report.pass).toBe(true);
  });
});

describe('compare --events with a tracked file written', () => {
  const conf = (weight: number): string => {
    const file = join(scratch, `A-file${weight}.conf`);
    writeFileSync(file, readFileSync(files('too-small').config, 'utf8')
      .replace(/  track_interface \{\n    eth1 weight -5\n  \}\n/, `  track_file {\n    drain\n  }\n`)
      .replace(/^/, `vrrp_track_file drain {\n  file /etc/keepalived/drain\n  weight ${weight}\n}\n`));
    return file;
  };

  it('a write of 1 into the tracked file at the link-down, and 0 at the link-up, gives keepalived\'s adverts at 105 (weight -5): exit 0; without the writes, 110', () => {
    const { capture } = files('too-small');
    const asWrites = eventsWith('too-small', (list) => list.map((event) =>
      String(event['action']).startsWith('link') ? { ...event, action: 'write', arg: '/etc/keepalived/drain', value: event['action'] === 'link-down' ? '1\n' : '0\n' } : event));
    const played = compareCapture({ capture, config: conf(-5), host: 'A', events: asWrites });
    if (!played.ok) throw new Error(played.error);
    expect(played.report.scripts).toBe('track_file drain (/etc/keepalived/drain): its value as the events file writes it (2 event(s))');
    expect(played.report.pass).toBe(true);
    const unplayed = compareCapture({ capture, config: conf(-5), host: 'A', events: eventsWith('too-small', (list) => list.filter((event) => !String(event['action']).startsWith('link'))) });
    if (!unplayed.ok) throw new Error(unplayed.error);
    expect(unplayed.report.scripts).toBe('track_file drain (/etc/keepalived/drain): 0 throughout (no write of it in the events file)');
    expect(unplayed.report.mismatches.some((m) => m.kind === 'priority' && m.reason.includes('priority 105, the engine 110'))).toBe(true);
  });

  it('a write with no value is bad input (exit 2)', () => {
    const { capture, config } = files('too-small');
    const events = eventsWith('too-small', (list) => [...list, { t: Number(list[0]?.['t']) + 7, host: 'A', action: 'write', arg: '/etc/keepalived/drain' }]);
    const run = cli(capture, { config, host: 'A', events });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/\(write\) wants "arg" \(the file\) and "value"/);
  });
});

describe('compare says what it does not model', () => {
  it('says a vrrp_track_process is taken to run throughout (the capture cannot tell), and says nothing of it without one', () => {
    const { capture, config } = files('too-small');
    const withProcess = join(scratch, 'A-process.conf');
    writeFileSync(withProcess, `vrrp_track_process haproxy {\n  process haproxy\n  weight -20\n}\n${readFileSync(config, 'utf8')}`);
    const events = files('too-small').events;
    const outcome = compareCapture({ capture, config: withProcess, host: 'A', events });
    if (!outcome.ok) throw new Error(outcome.error);
    expect(outcome.report.scripts).toContain('track_process haproxy running (assumed: the capture cannot tell; keepalived inside a network namespace counts it absent)');
    const plain = compareCapture({ capture, config, host: 'A', events });
    if (!plain.ok) throw new Error(plain.error);
    expect(plain.report.scripts).not.toContain('track_process');
  });
});

describe('events files of any shape', () => {
  it('never make compare throw: a report or a message saying what is wrong', () => {
    const { capture, config, events } = files('too-small');
    const base = JSON.parse(readFileSync(events, 'utf8')) as { captureStart: number; events: Record<string, unknown>[] };
    const value = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null), fc.constant('eth1'), fc.constant('/etc/keepalived/drain'));
    const event = fc.record({
      t: fc.oneof(fc.double({ min: base.captureStart - 5, max: base.captureStart + 25, noNaN: true }), fc.constant('x')),
      host: fc.constantFrom('A', 'B', 'C'),
      action: fc.constantFrom('start', 'stop', 'kill', 'link-down', 'link-up', 'write', 'touch', 'rm', 'end', 'reload', ''),
      arg: value,
      value,
    }, { requiredKeys: ['t', 'action'] });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 8 }), (extra) => {
        const file = join(scratch, 'fuzz.json');
        writeFileSync(file, JSON.stringify({ captureStart: base.captureStart, events: [...base.events, ...extra] }));
        const outcome = compareCapture({ capture, config, host: 'A', events: file, startDelay: 60 });
        if (outcome.ok) expect(typeof outcome.report.pass).toBe('boolean');
        else expect(outcome.error).toMatch(/events file|no start/);
      }),
      { numRuns: 40 },
    );
  });
});
