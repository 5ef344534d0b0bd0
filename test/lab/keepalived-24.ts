/**
 * keepalived 2.4.3 for the lab tier: Debian ships 2.2.7 only, so it is built from the reference
 * source tarball by its build.sh (../shared/reference/keepalived/, cached in
 * /var/cache/vrrplab-lab: about 25 s the first time, nothing after). The lab's global setup builds
 * it; tests ask here for the binary.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { requireLab, type LabTool, type SkippableContext } from './lab.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const KEEPALIVED_24_RELEASE = '2.4.3';

/** build.sh beside the reference tarball: VRRPLAB_KEEPALIVED_REFERENCE, or ../shared (main checkout), or ../../shared (a worktree). */
export function referenceBuildScript(): string | null {
  const dirs = [process.env.VRRPLAB_KEEPALIVED_REFERENCE, resolve(ROOT, '../shared/reference/keepalived'), resolve(ROOT, '../../shared/reference/keepalived')];
  for (const dir of dirs) if (dir !== undefined && existsSync(resolve(dir, 'build.sh'))) return resolve(dir, 'build.sh');
  return null;
}

let cached: { path: string | null; reason: string } | undefined;

/** The 2.4.3 binary (built when missing; needs root for apt-get), or null with the reason. */
export function keepalived24(): { path: string | null; reason: string } {
  if (cached !== undefined) return cached;
  const script = referenceBuildScript();
  if (script === null) return (cached = { path: null, reason: 'no keepalived reference build.sh (../shared/reference/keepalived)' });
  const r = spawnSync('bash', [script, KEEPALIVED_24_RELEASE], { encoding: 'utf8', timeout: 600_000 });
  const path = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !existsSync(path)) return (cached = { path: null, reason: `build.sh ${KEEPALIVED_24_RELEASE} failed (status ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` });
  return (cached = { path, reason: '' });
}

/**
 * The lab tier (with `needs`) and keepalived 2.4.3's binary, or a loud skip, which is a failure
 * under VRRPLAB_LAB=required.
 */
export function requireKeepalived24(ctx: SkippableContext, needs: readonly LabTool[] = ['ip']): string {
  requireLab(ctx, needs);
  const k = keepalived24();
  if (k.path !== null) return k.path;
  const why = `keepalived ${KEEPALIVED_24_RELEASE} unavailable: ${k.reason}`;
  if (process.env.VRRPLAB_LAB === 'required') throw new Error(why);
  console.warn(`\n!! LAB TEST SKIPPED: ${why}\n`);
  return ctx.skip(why);
}
