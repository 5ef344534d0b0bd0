import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ROOT } from './helpers.js';

const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A private copy of examples/flag-lab: exec mode creates and removes flag files in it. */
function flagLab(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-flaglab-'));
  copies.push(dir);
  fs.cpSync(path.join(ROOT, 'examples/flag-lab'), dir, { recursive: true });
  return dir;
}

describe('exec mode', () => {
  it('runs the hosts\' real check and notify programs, whose flag files then drive the election', () => {
    const dir = flagLab();
    const loaded = loadScenario(path.join(dir, 'scenario.yaml'));
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const outcome = runScenario(loaded.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const { result } = outcome;
    // The real notify.sh ran: it logged each call and removed B's flag when B went BACKUP.
    const notifyLog = fs.readFileSync(path.join(dir, 'B/notify.log'), 'utf8');
    expect(notifyLog).toContain('backup 172.16.25.10');
    expect(fs.existsSync(path.join(dir, 'B/haproxy.up'))).toBe(false);
    // The check script's exit codes moved priorities (weight 2), so the buggy notify drifted both VIPs to A.
    expect(result.records.some((record) => record.type === 'priority' && record.host === 'A' && record.to === 102)).toBe(true);
    expect(result.vips).toEqual({ A: ['172.16.25.10', '172.16.25.11'], B: [] });
    expect(result.findings.map((finding) => finding.kind)).toContain('collective-drift');
    expect(result.diagnostics).toEqual([]);
  });

  it('disables a track script whose program does not exist, as keepalived does, and says so', () => {
    const dir = flagLab();
    fs.rmSync(path.join(dir, 'A/chk_haproxy.sh'));
    const loaded = loadScenario(path.join(dir, 'scenario.yaml'));
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const outcome = runScenario(loaded.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const messages = outcome.result.diagnostics.map((entry) => `${entry.host}: ${entry.diagnostic.message}`);
    expect(messages).toContain('A: Disabling track script chk_haproxy since not found/accessible');
    expect(outcome.result.records.some((record) => record.type === 'priority' && record.host === 'A')).toBe(false);
  });
});
