/**
 * keepalived 2.4's auth_hmac is not modelled by simulate or explore: their headers say so for a
 * host whose config has it (and nothing for one without), instead of simulating it silently as
 * unauthenticated.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processNotes } from '../../src/explore/space.js';
import { formatTimeline } from '../../src/sim/format.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

// The configs keepalived 2.4.3 ran in captures/auth-hmac/mixed: A with auth_hmac, B without.
const dir = mkdtempSync(join(tmpdir(), 'vrrplab-hmac-sim-'));
for (const h of ['A', 'B']) copyFileSync(`captures/auth-hmac/mixed/${h}.conf`, join(dir, `${h}.conf`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yaml = 'name: s\nduration: 6s\nhosts:\n  A: { config: A.conf, address: 172.16.25.1 }\n  B: { config: B.conf, address: 172.16.25.2 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - { at: 0s, host: B, do: start }\n';

function scenario() {
  const parsed = parseScenario(yaml, dir, 's.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.scenario;
}

const NOTE = "auth_hmac (keepalived 2.4) is not modelled: host A is simulated as keepalived 2.2.7 reads its config (auth_hmac unknown, its '}' ending the vrrp_instance: what follows, the VIPs too, is lost; see check), not as keepalived 2.4.3 would run it";

describe('auth_hmac in simulate and explore', () => {
  it("is named as not modelled in simulate's header, for the host that has it only", () => {
    const outcome = runScenario(scenario());
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const header = formatTimeline(outcome.result).split('\n\n')[0];
    expect(header).toContain(`  A keepalived.conf: ${NOTE}`);
    expect(header).not.toContain('host B is simulated');
  });

  it("is named as not modelled in explore's notes", () => {
    expect(processNotes(scenario()).some((n) => n.startsWith(NOTE))).toBe(true);
  });
});

describe('auth_hmac in compare', () => {
  it('is named as not modelled among the warnings, for a config that has it only', async () => {
    const { loadCompareInputs } = await import('../../src/compare/capture.js');
    const warnings = (config: string): string[] => {
      const r = loadCompareInputs({ capture: 'captures/auth-hmac/mixed/capture.pcap', config, host: '172.16.25.1' });
      if (!r.ok) throw new Error(r.error);
      return r.inputs.warnings;
    };
    expect(warnings('captures/auth-hmac/mixed/A.conf').join('\n')).toContain('auth_hmac (keepalived 2.4) is not modelled: compare drives the engine with the config as keepalived 2.2.7 reads it');
    expect(warnings('captures/auth-hmac/mixed/B.conf').join('\n')).not.toContain('auth_hmac');
  });
});
