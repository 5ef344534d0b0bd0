/**
 * The differential campaign (src/lab/campaign.ts), on demand, as root:
 *
 *   npm run build && node dist/bench/differential.js --seed 1 --count 500 --jobs 6 --out campaign-out
 *
 * Random clusters × random fault timelines, each run in simulate and on real keepalived in network
 * namespaces, compared. Writes OUT/report.md (the agreement rate, every race and divergence, the
 * command to rerun) and OUT/outcomes.jsonl; each diverging case keeps its scenario, configs and the
 * lab runs' logs and captures under OUT/case-NNNN/. Exit 1 when a case diverged.
 *
 *   node dist/bench/differential.js --rejudge campaign-out
 *
 * judges a finished campaign's kept cases again from their recordings with the simulator as it is
 * now (no root, no keepalived): after a fix, which divergences are gone. Writes report-rejudged.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { campaignReport, rejudge, runCampaign, type CaseOutcome } from '../src/lab/campaign.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '500' },
    from: { type: 'string', default: '0' },
    jobs: { type: 'string', default: '6' },
    out: { type: 'string', default: 'campaign-out' },
    keepalived: { type: 'string' },
    tolerance: { type: 'string', default: '500' },
    newer: { type: 'boolean', default: false },
    rejudge: { type: 'string' },
  },
});

if (values.rejudge !== undefined) {
  const dir = path.resolve(values.rejudge);
  const kept = fs.readFileSync(path.join(dir, 'outcomes.jsonl'), 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as CaseOutcome);
  const seedOf = kept[0]?.seed ?? 0;
  const judgedAgain = kept.sort((a, b) => a.index - b.index).map((outcome) => (outcome.status === 'agree' ? outcome : rejudge(outcome, { toleranceMs: Number(values.tolerance) })));
  for (const [i, outcome] of judgedAgain.entries()) if (outcome.status !== kept[i]?.status) process.stderr.write(`case ${outcome.index}: ${kept[i]?.status} -> ${outcome.status}\n`);
  const report = campaignReport(judgedAgain, { seed: seedOf, count: judgedAgain.length }, 0).replace(/in 0 s:/, 'judged again from their recordings:');
  fs.writeFileSync(path.join(dir, 'report-rejudged.md'), report);
  process.stdout.write(report);
  process.exit(judgedAgain.some((outcome) => outcome.status === 'diverge') ? 1 : 0);
}

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
  seed, count, from, jobs, outDir, toleranceMs, keepalived: values.keepalived, newer: values.newer,
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
