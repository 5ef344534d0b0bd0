/**
 * The differential campaign (src/lab/campaign.ts), on demand, as root:
 *
 *   npm run build && node dist/bench/differential.js --seed 1 --count 500 --jobs 6 --out campaign-out
 *
 * Random clusters × random fault timelines, each run in simulate and on real keepalived in network
 * namespaces, compared. Writes OUT/report.md (the agreement rate, every race and divergence, the
 * command to rerun) and OUT/outcomes.jsonl; each diverging case keeps its scenario, configs and the
 * lab runs' logs and captures under OUT/case-NNNN/. Exit 1 when a case diverged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { campaignReport, runCampaign } from '../src/lab/campaign.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '500' },
    from: { type: 'string', default: '0' },
    jobs: { type: 'string', default: '6' },
    out: { type: 'string', default: 'campaign-out' },
    keepalived: { type: 'string' },
    tolerance: { type: 'string', default: '500' },
  },
});

const seed = Number(values.seed);
const count = Number(values.count);
const from = Number(values.from);
const jobs = Number(values.jobs);
const toleranceMs = Number(values.tolerance);
if (![seed, count, from, jobs, toleranceMs].every(Number.isFinite)) {
  process.stderr.write('differential: --seed, --count, --from, --jobs and --tolerance take numbers\n');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('differential: needs root (network namespaces, keepalived)\n');
  process.exit(2);
}
const outDir = path.resolve(values.out);
fs.mkdirSync(outDir, { recursive: true });
const started = Date.now();
const jsonl = fs.createWriteStream(path.join(outDir, 'outcomes.jsonl'));
const outcomes = await runCampaign({
  seed, count, from, jobs, outDir, toleranceMs, keepalived: values.keepalived,
  onCase: (outcome, done, total) => {
    jsonl.write(`${JSON.stringify(outcome)}\n`);
    const elapsed = (Date.now() - started) / 1000;
    process.stderr.write(`[${done}/${total} ${Math.round(elapsed)} s] case ${outcome.index}: ${outcome.status}${outcome.divergence !== undefined ? ` — ${outcome.divergence}` : ''}\n`);
  },
});
jsonl.end();
const report = campaignReport(outcomes, { seed, count, from }, (Date.now() - started) / 1000);
fs.writeFileSync(path.join(outDir, 'report.md'), report);
process.stdout.write(report);
process.exitCode = outcomes.some((outcome) => outcome.status === 'diverge') ? 1 : 0;
