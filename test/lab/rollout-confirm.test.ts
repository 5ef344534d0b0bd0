/**
 * Lab tier, issue 20: `explore --to --confirm` on real keepalived 2.2.7, and on 2.4.3 for an
 * auth_hmac key rotation done in one step (both tests run at once: each lab run has namespaces of
 * its own). The advert_int change
 * (1 -> 2 s under VRRPv2) from test/fixtures/rollout/advert-int: the minimal unsafe rollout the
 * search reports ("reload A": A's adverts now carry 2 s, B rejects them as an interval mismatch and
 * takes over, a split brain) and the safe plan ("reload A, wait 1 s, reload B": B has the new
 * interval before its Master_Down_Interval runs out) are each played in the lab (new file, SIGHUP by
 * PID) at once, in namespaces of their own, and judged by the rollout's judge: the first is
 * confirmed, the second stays clean. Both runs last under 30 s.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { requireKeepalived24 } from './keepalived-24.js';
import { confirmRollouts } from '../../src/explore/rollout-confirm.js';
import { rolloutReportItems } from '../../src/explore/rollout-report.js';
import { exploreRollout, rolloutSpace, RolloutRunner } from '../../src/explore/rollout.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/**
 * The rollout of test/fixtures/rollout/CASE searched, its minimal unsafe rollout with no fault and its
 * safe plan checked ("reload A" and "reload A, wait 1 s, reload B"), then both played in the lab at
 * once (new file, SIGHUP by PID) and judged by the rollout's judge: what each showed there.
 */
async function confirmedInLab(fixture: string, options: { keepalivedVersion?: '2.4'; keepalived?: string } = {}): Promise<string[]> {
  const dir = path.join(ROOT, 'test/fixtures/rollout', fixture);
  const version = options.keepalivedVersion !== undefined ? { keepalivedVersion: options.keepalivedVersion } : {};
  const space = rolloutSpace({ from: ['A', 'B'].map((name) => ({ name, root: path.join(dir, 'old', name) })), to: ['A', 'B'].map((name) => ({ name, root: path.join(dir, 'new', name) })), seed: 1, ...version });
  const items = rolloutReportItems(exploreRollout(space));
  const unsafe = items.find((item) => item.kind === 'unsafe' && item.schedule.faults.length === 0);
  const safe = items.find((item) => item.kind === 'safe');
  expect(unsafe?.steps).toBe('reload A');
  expect(safe?.steps).toBe('reload A, wait 1 s, reload B');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-rollout-lab-'));
  try {
    const chosen = [unsafe, safe].flatMap((item) => (item === undefined ? [] : [{ ...item, file: path.join(out, `${item.name}.yaml`) }]));
    for (const item of chosen) fs.writeFileSync(item.file, item.yaml);
    const confirmations = await confirmRollouts(new RolloutRunner(space), chosen, { jobs: 2, ...(options.keepalived !== undefined ? { keepalived: options.keepalived } : {}) });
    for (const c of confirmations) if (c.dir !== undefined) fs.rmSync(c.dir, { recursive: true, force: true });
    return confirmations.map((c) => `${c.name}: ${c.status} [${c.seen.join(', ')}]${c.error ?? ''}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const SPLIT_AND_CLEAN = [expect.stringMatching(/^01-unsafe-split-brain-vip-moved: confirmed \[.*split-brain.*\]$/), 'safe: clean []'];

describe.concurrent('rollouts confirmed on real keepalived', () => {
  it('keepalived 2.2.7: the advert_int change\'s minimal unsafe rollout (reload A alone) is a split brain on keepalived too, and the safe plan (B reloaded 1 s after A) stays clean', async (ctx) => {
    requireLab(ctx, ['ip', 'keepalived']);
    expect(await confirmedInLab('advert-int')).toEqual(SPLIT_AND_CLEAN);
  }, 90_000);

  it('keepalived 2.4.3: an auth_hmac key added and made active in one step, reloaded on A alone, is a split brain there too (A signs with key 2, which B lacks), and B reloaded 1 s after A stays clean', async (ctx) => {
    const keepalived = requireKeepalived24(ctx);
    expect(await confirmedInLab('hmac-key-rush', { keepalivedVersion: '2.4', keepalived })).toEqual(SPLIT_AND_CLEAN);
  }, 90_000);
});
