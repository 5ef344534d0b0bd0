/**
 * Lab tier, issue 19: a slice of the differential campaign (src/lab/campaign.ts, the full one is
 * `node dist/bench/differential.js`). Twenty random clusters and fault timelines, each run in
 * simulate and on real keepalived 2.2.7 in network namespaces: every one agrees, or is a race of
 * keepalived's own (its runs differ from each other). A divergence fails the test, with its case
 * number, scenario and both outcomes in the message.
 */
import { describe, expect, it } from 'vitest';
import { campaignReport, runCampaign } from '../../src/lab/campaign.js';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';

const made = removedAfterEach();

/** The slice CI runs: seed and first case are fixed, so a failure reruns with the report's command. */
const SLICE = { seed: 19, from: 0, count: 20 };

describe('the differential campaign, a CI slice', () => {
  it('twenty random scenarios agree between simulate and keepalived, but for races keepalived has with itself', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const outDir = made.scratch('vlcampaign');
    const started = Date.now();
    const outcomes = await runCampaign({ ...SLICE, jobs: 4, outDir });
    const report = campaignReport(outcomes, SLICE, (Date.now() - started) / 1000);
    console.log(report);
    expect(outcomes).toHaveLength(SLICE.count);
    expect(outcomes.filter((outcome) => outcome.status === 'error'), report).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.status === 'diverge'), report).toEqual([]);
    // Most cases agree outright: races are the exception, not a way to pass.
    expect(outcomes.filter((outcome) => outcome.status === 'agree').length).toBeGreaterThanOrEqual(16);
  }, 900_000);
});
