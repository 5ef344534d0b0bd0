/**
 * `vrrplab compare` at the command level (runCompare in-process, one spawn for commander's own
 * usage errors): every host of every reference recording passes with its own config and events,
 * and a wrong config or a wrong script model fails with the mismatch named.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCompare, type CompareCliOptions } from '../../src/cli/commands/compare.js';
import type { FlagFileEvent } from '../../src/compare/reference.js';
import { flagScriptModel } from '../../src/compare/reference.js';

const ROOT = resolve(import.meta.dirname, '../..');
const REFERENCE = join(ROOT, 'captures/reference');

function compare(capture: string, opts: Partial<CompareCliOptions>): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = runCompare(capture, { script: [], ...opts }, (text) => (stdout += text), (text) => (stderr += text));
  return { status, stdout, stderr };
}

interface Summary {
  type: 'summary';
  pass: boolean;
  adverts: { matched: number; total: number };
  states: { matched: number; total: number };
  maxTimingErrorMs: number;
  startDelayMs: number[];
}

const jsonLines = (stdout: string): { type: string; [key: string]: unknown }[] =>
  stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string });

const runs = readdirSync(REFERENCE, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(REFERENCE, entry.name, 'recording.json')))
  .map((entry) => entry.name)
  .sort();

const scratch = mkdtempSync(join(tmpdir(), 'vrrplab-compare-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('vrrplab compare on the keepalived 2.2.7 reference recordings', () => {
  it('has recordings to compare', () => {
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });

  for (const name of runs) {
    const dir = join(REFERENCE, name);
    const spec = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8')) as { hosts: Record<string, { address: string; config: string }> };
    for (const [host, { address, config }] of Object.entries(spec.hosts)) {
      it(`${name}: host ${host} (${address}) with its own config and the run's events matches the capture and exits 0`, () => {
        const run = compare(join(dir, 'capture.pcap'), { config: join(dir, config), host: address, events: join(dir, 'events.json'), json: true });
        const records = jsonLines(run.stdout);
        const summary = records.at(-1) as unknown as Summary;
        console.log(
          `${name} ${host}: adverts ${summary.adverts.matched}/${summary.adverts.total}, states ${summary.states.matched}/${summary.states.total}, ` +
            `max timing error ${summary.maxTimingErrorMs} ms, start delay ${summary.startDelayMs.join(', ')} ms`,
        );
        expect(run.stderr).toBe('');
        expect(records.filter((r) => r.type === 'mismatch')).toEqual([]);
        expect(summary.type).toBe('summary');
        expect(summary.pass).toBe(true);
        expect(summary.adverts.total).toBeGreaterThan(0);
        expect(summary.adverts.matched).toBe(summary.adverts.total);
        expect(summary.states.matched).toBe(summary.states.total);
        expect(summary.maxTimingErrorMs).toBeLessThanOrEqual(20);
        expect(run.status).toBe(0);
      });
    }
  }

  it('the readable report names the host, the start delay used and the verdict', () => {
    const dir = join(REFERENCE, 'seed-fixed-f1');
    const run = compare(join(dir, 'capture.pcap'), { config: join(dir, 'A.conf'), host: 'A', events: join(dir, 'events.json') });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('host 172.16.25.1 (A)');
    expect(run.stdout).toMatch(/start-up delay \d+, \d+ ms \(fitted/);
    expect(run.stdout).toContain('mismatches: none');
    expect(run.stdout).toMatch(/^PASS: adverts 14\/14 matched/m);
  });

  it('a given start delay is used as given and said so', () => {
    const dir = join(REFERENCE, 'seed-fixed-f1');
    const run = compare(join(dir, 'capture.pcap'), { config: join(dir, 'B.conf'), host: '172.16.25.2', events: join(dir, 'events.json'), startDelay: '20' });
    expect(run.stdout).toMatch(/start-up delay 20 ms \(given/);
    expect(run.status).toBe(0);
  });
});

describe('vrrplab compare fails a config that would not have done the same', () => {
  const dir = join(REFERENCE, 'seed-buggy-f1');

  it('seed-buggy-f1 host A with the fixed notify behaviour (haproxy never stopped) exits 1, naming the priority it should have advertised', () => {
    const run = compare(join(dir, 'capture.pcap'), {
      config: join(dir, 'A.conf'),
      host: '172.16.25.1',
      events: join(dir, 'events.json'),
      scripts: join(REFERENCE, 'seed-fixed-f1/recording.json'),
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/VRID 125 {2}priority: the host advertised priority 102, the engine 104/);
    expect(run.stdout).toMatch(/^FAIL: /m);
  });

  it('seed-buggy-f1 host B with priority 90 instead of 100 exits 1 with priority mismatches', () => {
    const changed = join(scratch, 'B-priority-90.conf');
    writeFileSync(changed, readFileSync(join(dir, 'B.conf'), 'utf8').replace('priority 100', 'priority 90'));
    const run = compare(join(dir, 'capture.pcap'), { config: changed, host: '172.16.25.2', events: join(dir, 'events.json'), scripts: join(dir, 'recording.json'), json: true });
    expect(run.status).toBe(1);
    const mismatches = jsonLines(run.stdout).filter((r) => r.type === 'mismatch');
    expect(mismatches.length).toBeGreaterThan(0);
    expect(mismatches.map((m) => `${m.kind} ${m.vrid}`)).toContain('priority 126');
    const summary = jsonLines(run.stdout).at(-1) as unknown as Summary;
    expect(summary.pass).toBe(false);
  });

  it('a tracked script forced to fail changes the advertised priorities and exits 1', () => {
    const run = compare(join(dir, 'capture.pcap'), { config: join(dir, 'B.conf'), host: '172.16.25.2', events: join(dir, 'events.json'), script: ['chk_maintaince_down=fail'] });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('chk_maintaince_down=fail (given)');
    expect(run.stdout).toMatch(/priority: the host advertised priority 104, the engine 102/);
  });

  it('a tighter tolerance than the largest timing error exits 1 with timing mismatches', () => {
    const run = compare(join(dir, 'capture.pcap'), { config: join(dir, 'B.conf'), host: '172.16.25.2', events: join(dir, 'events.json'), tolerance: '0.5' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/timing: the engine's advert came [+-]\d+\.\d ms off \(tolerance 0.5 ms\)/);
  });
});

describe('vrrplab compare input errors', () => {
  const dir = join(REFERENCE, 'seed-fixed-f1');
  const capture = join(dir, 'capture.pcap');

  it('a missing capture, config or events file exits 2 with the file named', () => {
    expect(compare('/nonexistent/x.pcap', { config: join(dir, 'A.conf'), host: '172.16.25.1' })).toMatchObject({ status: 2, stderr: expect.stringContaining('capture /nonexistent/x.pcap: no such file') });
    expect(compare(capture, { config: '/nonexistent/k.conf', host: '172.16.25.1' })).toMatchObject({ status: 2, stderr: expect.stringContaining('config /nonexistent/k.conf: no such file') });
    expect(compare(capture, { config: join(dir, 'A.conf'), host: '172.16.25.1', events: '/nonexistent/e.json' })).toMatchObject({ status: 2, stderr: expect.stringContaining('no such file') });
  });

  it('a file that is not a capture, a malformed events file and a host the events never start exit 2', () => {
    expect(compare(join(dir, 'A.conf'), { config: join(dir, 'A.conf'), host: '172.16.25.1' })).toMatchObject({ status: 2, stderr: expect.stringContaining('not a pcap or pcapng file') });
    const badEvents = join(scratch, 'bad-events.json');
    writeFileSync(badEvents, '{"captureStart": 1, "events": [{"host": "A"}]}');
    expect(compare(capture, { config: join(dir, 'A.conf'), host: '172.16.25.1', events: badEvents })).toMatchObject({ status: 2, stderr: expect.stringContaining('events[0] wants "t"') });
    expect(compare(capture, { config: join(dir, 'A.conf'), host: '10.9.9.9', events: join(dir, 'events.json') })).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('no start of 10.9.9.9 (hosts in it: A (172.16.25.1), B (172.16.25.2))'),
    });
  });

  it('a reload in the events file without the new configuration ("arg") exits 2', () => {
    const badReload = join(scratch, 'bad-reload.json');
    writeFileSync(badReload, '{"captureStart": 1, "events": [{"t": 2, "host": "A", "action": "reload"}]}');
    expect(compare(capture, { config: join(dir, 'A.conf'), host: '172.16.25.1', events: badReload })).toMatchObject({ status: 2, stderr: expect.stringContaining('events[0] (reload) wants "arg"') });
  });

  it('bad option values exit 2: tolerance, start delay, a script result, a script the config lacks', () => {
    const base = { config: join(dir, 'A.conf'), host: '172.16.25.1' };
    expect(compare(capture, { ...base, tolerance: 'soon' }).status).toBe(2);
    expect(compare(capture, { ...base, startDelay: 'later' }).status).toBe(2);
    expect(compare(capture, { ...base, script: ['chk_haproxy=maybe'] }).status).toBe(2);
    expect(compare(capture, { ...base, script: ['chk_nothing=ok'] })).toMatchObject({ status: 2, stderr: expect.stringContaining('no vrrp_script chk_nothing') });
  });

  it('on the command line, a missing option or an unknown one exits 2 without a stack trace', () => {
    const vrrplab = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'compare', ...args], { cwd: ROOT, encoding: 'utf8' });
    const missing = vrrplab(capture, '--host', '172.16.25.1');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--config FILE is required');
    const unknown = vrrplab(capture, '--config', join(dir, 'A.conf'), '--host', '172.16.25.1', '--bogus');
    expect(unknown.status).toBe(2);
    for (const run of [missing, unknown]) expect(run.stderr).not.toMatch(/at .*\.[tj]s:\d+/);
  });
});

describe('script results from flag files', () => {
  it('a touch or rm in the events file changes a check from that moment, after the notifies before it', () => {
    const spec = {
      flags: { 'haproxy.up': { initial: true, setBy: ['master'], clearedBy: ['backup'] } },
      checks: { chk_haproxy: { flag: 'haproxy.up', succeedsWhen: 'present' as const } },
    };
    const events: FlagFileEvent[] = [
      { t: 1000, flag: 'haproxy.up', present: false },
      { t: 3000, flag: 'haproxy.up', present: true },
    ];
    const model = flagScriptModel(spec, 20, events);
    const notifies = [{ t: 2000, instance: 'VI_1', state: 'BACKUP' as const, args: ['notify.sh', 'backup', '10.0.0.1'] }];
    expect(model('chk_haproxy', 999, [])).toBe(0);
    expect(model('chk_haproxy', 1000, [])).toBe(1);
    expect(model('chk_haproxy', 3000, notifies)).toBe(0);
    expect(model('chk_haproxy', 2500, notifies)).toBe(1);
    expect(model('chk_other', 2500, notifies)).toBe(0);
  });
});

describe('vrrplab compare plays reloads (SIGHUP with a new configuration, events "reload" with "arg")', () => {
  const HMAC = join(ROOT, 'test/fixtures/recordings/rollout/hmac/keepalived-sweeps');
  it("keepalived 2.4.3's auth_hmac sweeps and key rotation by SIGHUP on host A: every reload played, A master throughout, each of its 36 adverts matched, the engine sending 3 more at reloads", () => {
    const run = compare(join(HMAC, 'capture.pcap'), { config: join(HMAC, '../A.conf'), host: 'A', events: join(HMAC, 'events.json'), keepalivedVersion: '2.4', json: true });
    expect(run.stderr + run.stdout).not.toContain('is not played');
    const summary = jsonLines(run.stdout).find((line) => line.type === 'summary') as unknown as Summary;
    expect(summary.states).toMatchObject({ matched: 1, total: 1 });
    // The host's 36 adverts matched; the engine sends 3 more, each at a reload (2.4.3 sent its
    // new-settings advert 11.7-13.5 ms after the old one where the reload changed the mode, 0.6-1.3
    // ms otherwise: one recording, not modelled; the engine 2 ms after).
    expect(summary.adverts).toMatchObject({ matched: 36, total: 39 });
  });
});
