/**
 * Lab tier, issue 13: an instance whose weight-0 vrrp_script has not returned yet sits in FAULT
 * without a word: keepalived 2.2.7 logs no FAULT line and runs no notify, then logs "Entering
 * BACKUP STATE" once the script succeeds. The simulator marks that FAULT `silent` and keeps it out
 * of the timeline, the notifies and the HTML lanes. Pinned here against real keepalived.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { sleep, startDaemon, waitFor } from '../runtime/lab-helpers.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { formatJsonLines, formatTimeline } from '../../src/sim/format.js';
import { simulationTimeline } from '../../src/report/simulation.js';

const made = removedAfterEach();

function config(dir: string): string {
  return `global_defs {
  router_id lab
  enable_script_security
  script_user root
}
vrrp_script chk_slow {
  script "${join(dir, 'slow-check.sh')}"
  interval 5
  weight 0
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority 150
  virtual_router_id 51
  advert_int 1
  track_script {
    chk_slow
  }
  notify ${join(dir, 'notify.sh')}
  virtual_ipaddress {
    172.16.25.100/16
  }
}
`;
}

function syncConfig(dir: string): string {
  return config(dir)
    .replace('vrrp_instance VI_1 {', `vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
  notify ${join(dir, 'notify.sh')}
}
vrrp_instance VI_2 {
  interface eth0
  state BACKUP
  priority 150
  virtual_router_id 52
  advert_int 1
  notify ${join(dir, 'notify.sh')}
  virtual_ipaddress {
    172.16.25.101/16
  }
}
vrrp_instance VI_1 {`);
}

/** A lab host with a check script that takes 1.5 s and a notify script that appends to `notified`, configured by `configOf`. */
function slowCheckHost(prefix: string, configOf: (dir: string) => string): { lab: Lab; dir: string; conf: string; notified: string } {
  const lab = made.lab();
  const dir = made.scratch(prefix);
  const notified = join(dir, 'notified');
  writeFileSync(join(dir, 'slow-check.sh'), '#!/bin/sh\nsleep 1.5\nexit 0\n');
  writeFileSync(join(dir, 'notify.sh'), `#!/bin/sh\necho "$@" >> ${notified}\n`);
  chmodSync(join(dir, 'slow-check.sh'), 0o755);
  chmodSync(join(dir, 'notify.sh'), 0o755);
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, configOf(dir));
  return { lab, dir, conf, notified };
}

/** The simulator on the same config, one host started at 0 s, for 5 s (model mode: the check succeeds after the script's run time). */
function simulateAlone(conf: string, dir: string): SimulationResult {
  const parsed = parseScenario(`name: silent\nduration: 5s\nhosts:\n  A: { config: ${conf}, address: 172.16.25.1 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n`, dir, 'silent.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

describe('a weight-0 script that has not returned yet', () => {
  it('keeps keepalived in a FAULT it never logs nor notifies, and the simulator marks that FAULT silent', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const { lab, dir, conf, notified } = slowCheckHost('vlsilent', config);
    const keepalived = startDaemon(lab, 0, 'keepalived', conf, dir);
    expect(await waitFor(() => /Entering BACKUP STATE/.test(keepalived.log()), 8000)).toBeGreaterThanOrEqual(0);
    await sleep(300);
    const log = keepalived.log();
    // Observed: no FAULT line at all, and the first notify is BACKUP.
    expect(log).not.toMatch(/FAULT/);
    expect(log).toMatch(/VRRP_Script\(chk_slow\) succeeded[\s\S]*\(VI_1\) Entering BACKUP STATE/);
    expect(existsSync(notified) ? readFileSync(notified, 'utf8').trim().split('\n') : []).toEqual(['INSTANCE VI_1 BACKUP 150']);

    // The simulator, on the same config.
    const result = simulateAlone(conf, dir);
    const json = formatJsonLines(result).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const transitions = json.filter((line) => line['type'] === 'transition').map((line) => `${String(line['from'])}>${String(line['to'])}${line['silent'] === true ? ' silent' : ''}`);
    expect(transitions.slice(0, 2)).toEqual(['INIT>FAULT silent', 'FAULT>BACKUP']);
    expect(json.filter((line) => line['type'] === 'notify').map((line) => line['state'])[0]).toBe('BACKUP');
    expect(formatTimeline(result)).not.toMatch(/FAULT/);
    const lanes = simulationTimeline(result).groups.flatMap((group) => group.lanes);
    expect(lanes.flatMap((lane) => lane.spans.map((span) => span.state))).not.toContain('FAULT');
  });

  it('keeps every member of its sync group in the same silent FAULT (no log line, no notify), and the simulator marks each silent', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const { lab, dir, conf, notified } = slowCheckHost('vlsilentsg', syncConfig);
    const keepalived = startDaemon(lab, 0, 'keepalived', conf, dir);
    expect(await waitFor(() => /\(VI_2\) Entering BACKUP STATE/.test(keepalived.log()) && /\(VI_1\) Entering BACKUP STATE/.test(keepalived.log()), 8000)).toBeGreaterThanOrEqual(0);
    await sleep(300);
    expect(keepalived.log()).not.toMatch(/FAULT/);
    const notes = existsSync(notified) ? readFileSync(notified, 'utf8').trim().split('\n') : [];
    expect(notes.filter((line) => /FAULT/.test(line))).toEqual([]);
    expect(notes).toEqual(expect.arrayContaining(['INSTANCE VI_1 BACKUP 150', 'INSTANCE VI_2 BACKUP 150', 'GROUP G BACKUP 0']));

    const { records } = simulateAlone(conf, dir);
    const faults = records.filter((r) => r.type === 'transition' && r.to === 'FAULT').map((r) => (r.type === 'transition' ? `${r.instance}${r.silent ? ' silent' : ''}` : ''));
    expect(faults.sort()).toEqual(['VI_1 silent', 'VI_2 silent']);
    expect(records.some((r) => r.type === 'notify' && r.state === 'FAULT')).toBe(false);
  });
});
