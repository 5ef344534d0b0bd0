/**
 * A pair with `auth_type AH`: keepalived sends IPv4 adverts behind an IPsec AH header, and an AH
 * instance accepts only those (a plain one "No AH header but auth type is AH"). The simulator
 * delivered them as plain adverts, so simulated AH peers rejected each other and both became MASTER.
 */
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import * as fs from 'node:fs';
import * as os from 'node:os';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function pair(auth: 'AH' | 'PASS', other: 'AH' | 'PASS' = auth) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-ah-'));
  dirs.push(dir);
  const conf = (priority: number, type: string) => `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${priority}\n authentication {\n  auth_type ${type}\n  auth_pass secret\n }\n virtual_ipaddress {\n  10.1.1.100/24\n }\n}\n`;
  fs.writeFileSync(path.join(dir, 'A.conf'), conf(150, auth));
  fs.writeFileSync(path.join(dir, 'B.conf'), conf(100, other));
  const parsed = parseScenario('name: ah\nduration: 10s\nhosts:\n  A: { config: A.conf, address: 10.1.1.1 }\n  B: { config: B.conf, address: 10.1.1.2 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - { at: 0.5s, host: B, do: start }\n', dir, 'ah.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.scenario;
}

describe('auth_type AH in the simulator', () => {
  it('two AH hosts hear each other: one MASTER, no split brain', () => {
    const outcome = runScenario(pair('AH'));
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(outcome.result.vips).toEqual({ A: ['10.1.1.100'], B: [] });
    expect(outcome.result.findings.map((finding) => finding.kind)).not.toContain('split-brain');
  });

  it('an AH host and a PASS host reject each other, as keepalived does, and both hold the VIP', () => {
    const outcome = runScenario(pair('AH', 'PASS'));
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(outcome.result.vips).toEqual({ A: ['10.1.1.100'], B: ['10.1.1.100'] });
  });
});
