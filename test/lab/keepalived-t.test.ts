/**
 * Lab tier: real `keepalived -t -f FILE` on every corpus file (and the seed config), compared
 * with vrrplab's check: same exit status, and keepalived prints the gist the corpus file states.
 * keepalived runs inside a test namespace holding eth0 (and eth9, used by full.conf).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { corpus, labInterfaces } from '../config/corpus.js';
import { createLab, labAvailable, requireLab, type Lab } from './lab.js';

let lab: Lab | undefined;

beforeAll(() => {
  if (!labAvailable(['ip', 'keepalived'])) return;
  lab = createLab({ hosts: 2 });
  const ns = lab.hosts[0].ns;
  spawnSync('ip', ['-n', ns, 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth8'], { stdio: 'ignore' });
  spawnSync('ip', ['-n', ns, 'link', 'set', 'eth9', 'up'], { stdio: 'ignore' });
});

afterAll(async () => {
  await lab?.destroy();
});

function keepalivedT(file: string): { status: number; lines: string[] } {
  const ns = (lab as Lab).hosts[0].ns;
  const r = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-f', file], { encoding: 'utf8', timeout: 20_000 });
  // keepalived reads the file once per process type, repeating some messages; "(Line N)" ones lack the file.
  const lines = [...new Set(`${r.stdout}${r.stderr}`.split('\n').filter((l) => l !== '' && !l.startsWith('(Line ')))];
  return { status: r.status ?? -1, lines };
}

function vrrplab(file: string): { status: number; lines: string[] } {
  // As `vrrplab check --local` run inside the namespace: the namespace's interfaces are looked up.
  const r = loadConfig(file, { interfaces: labInterfaces });
  return { status: r.exitStatus, lines: r.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic) };
}

describe('vrrplab check against keepalived -t', () => {
  for (const c of corpus()) {
    it(`${c.name}: same exit status (${c.exitStatus}) and message gist as keepalived -t`, (ctx) => {
      requireLab(ctx, ['ip', 'keepalived']);
      const real = keepalivedT(c.file);
      const ours = vrrplab(c.file);
      expect(real.status, real.lines.join('\n')).toBe(c.exitStatus);
      expect(ours.status, ours.lines.join('\n')).toBe(real.status);
      for (const gist of c.expect) {
        expect(real.lines.join('\n'), 'keepalived').toContain(gist);
        expect(ours.lines.join('\n'), 'vrrplab').toContain(gist);
      }
    });
  }

  it('the seed config gives exactly the messages keepalived -t prints, and its exit status 6', (ctx) => {
    requireLab(ctx, ['ip', 'keepalived']);
    const file = path.resolve('examples/seed/buggy/A/etc/keepalived/keepalived.conf');
    const real = keepalivedT(file);
    const ours = vrrplab(file);
    expect(real.status).toBe(6);
    expect(ours.status).toBe(6);
    expect(ours.lines.sort()).toEqual(real.lines.sort());
  });
});
