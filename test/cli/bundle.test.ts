/**
 * The `vrrplab` command as installed is the bundle in dist/cli (scripts/bundle.mjs), not the
 * modules tsc writes to dist/src: it must do what they do, explore's worker processes included.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MAIN, ROOT } from '../runtime/lab-helpers.js';

const MODULES = join(ROOT, 'dist/src/cli/main.js');

function run(main: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Where explore writes its scenarios (not the repository). */
const work = mkdtempSync(join(tmpdir(), 'vrrplab-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

describe('the bundled command', () => {
  it('is what package.json installs as `vrrplab`', async () => {
    const { default: pkg } = await import('../../package.json', { with: { type: 'json' } });
    expect(join(ROOT, pkg.bin.vrrplab)).toBe(MAIN);
  });

  it('prints what the modules print for replay, check and simulate', () => {
    for (const args of [
      ['replay', 'captures/reference/seed-buggy-f1/capture.pcap', '--json'],
      ['check', '--host', 'A=examples/seed/buggy/A', '--host', 'B=examples/seed/buggy/B'],
      ['simulate', 'examples/scenarios/seed-buggy-haproxy-restart.yaml', '--json'],
    ]) {
      const bundled = run(MAIN, args);
      expect(bundled.stdout.length, args.join(' ')).toBeGreaterThan(100);
      expect(bundled).toEqual(run(MODULES, args));
    }
  });

  it('runs explore in two worker processes and finds what the modules find', () => {
    const explore = (main: string, out: string) =>
      run(main, ['explore', '--host', 'A=examples/seed/buggy/A', '--host', 'B=examples/seed/buggy/B', '--budget', '200', '--workers', '2', '--json', '--out', join(work, out)]);
    const bundled = explore(MAIN, 'bundled');
    expect(bundled.status, bundled.stderr).toBe(0);
    const lines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const found = lines(bundled.stdout);
    expect(found.filter((line) => line['type'] === 'failure').length).toBeGreaterThan(0);
    // Wall-clock seconds differ from run to run; everything else is the same.
    const timeless = (all: Record<string, unknown>[]) => all.map(({ seconds: _, ...rest }) => rest);
    expect(timeless(found)).toEqual(timeless(lines(explore(MODULES, 'modules').stdout)));
  });
});
