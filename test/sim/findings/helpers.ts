import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll } from 'vitest';
import { runScenario, type SimulationResult } from '../../../src/sim/run.js';
import { parseScenario } from '../../../src/sim/scenario.js';
import type { SimFinding } from '../../../src/sim/findings.js';
import { ROOT } from '../helpers.js';

export const EXPLORE_FIXTURES = path.join(ROOT, 'test/fixtures/explore');

/** A fixture set's directory: a name under test/fixtures/explore, or an absolute path. */
function setDirectory(set: string): string {
  return path.isAbsolute(set) ? set : path.join(EXPLORE_FIXTURES, set);
}

/** The host directories of a fixture set (test/fixtures/explore/NAME/HOST), sorted by name. */
export function fixtureHosts(set: string): string[] {
  const directory = setDirectory(set);
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(directory, entry.name, 'etc/keepalived/keepalived.conf')))
    .map((entry) => entry.name)
    .sort();
}

/** A host's address: its unicast_src_ip when it has one, else 10.0.0.N (N its place). */
function hostAddress(set: string, host: string, index: number): string {
  const text = fs.readFileSync(path.join(setDirectory(set), host, 'etc/keepalived/keepalived.conf'), 'utf8');
  return /^\s*unicast_src_ip\s+(\S+)/m.exec(text)?.[1] ?? `10.0.0.${index + 1}`;
}

/**
 * Runs a fixture set (a name under test/fixtures/explore, or a directory) for `duration` with
 * every host started (0 s, then 0.5 s apart, or at `starts`' seconds) and the timeline entries (YAML flow mappings) after that.
 */
export function simulateSet(set: string, duration: string, timeline: string[] = [], seed?: number, starts?: Record<string, number>): SimulationResult {
  const hosts = fixtureHosts(set);
  const yaml = [
    `name: ${set}`,
    `duration: ${duration}`,
    'hosts:',
    ...hosts.map((host, index) => `  ${host}: { root: ${host}, address: ${hostAddress(set, host, index)} }`),
    'timeline:',
    ...hosts.map((host, index) => `  - { at: ${starts?.[host] ?? index * 0.5}s, host: ${host}, do: start }`),
    ...timeline.map((entry) => `  - ${entry}`),
  ].join('\n');
  const parsed = parseScenario(yaml, setDirectory(set), path.basename(set));
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario, { seed });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

/** Findings that count as failures: everything but what VRRP does by design under the injected faults. */
export function failures(result: SimulationResult): SimFinding[] {
  return result.findings.filter((finding) => finding.byDesign !== true);
}

export function kinds(findings: SimFinding[]): string[] {
  return [...new Set(findings.map((finding) => finding.kind))].sort();
}

const temporary: string[] = [];
afterAll(() => {
  for (const directory of temporary) fs.rmSync(directory, { recursive: true, force: true });
});

/** A copy of a fixture set with its keepalived.conf files edited (removed after the test file). */
export function variant(set: string, edit: (text: string, host: string) => string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `vrrplab-${set}-`));
  temporary.push(directory);
  fs.cpSync(path.join(EXPLORE_FIXTURES, set), directory, { recursive: true });
  for (const host of fs.readdirSync(directory)) {
    const file = path.join(directory, host, 'etc/keepalived/keepalived.conf');
    if (fs.existsSync(file)) fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8'), host));
  }
  return directory;
}
