/**
 * Lab tier, issue 19: `vrrplab lab` runs a simulate scenario on real keepalived, one network
 * namespace per host, and `--compare` puts simulate beside it; `explore --confirm` runs explore's
 * failures the same way. Each run removes its namespaces and processes, also when interrupted.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, listNamespaces, requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { MAIN, ROOT, ensureBuilt, exited, sleep, waitFor } from '../runtime/lab-helpers.js';

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
}, 180_000);

/** Namespaces a `vrrplab lab` process with this PID made (src/lab/network.ts names them). */
const namespacesOf = (pid: number): string[] => listNamespaces().filter((ns) => ns.startsWith(`vlab${pid.toString(36)}`));

function vrrplab(args: string[], timeoutMs: number, cwd = ROOT): { status: number | null; stdout: string; stderr: string; pid: number } {
  const result = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, pid: result.pid ?? 0 };
}

/** A two-host scenario of `seconds` with the seed's fixed pair, B started `bStart` after A. */
function shortScenario(dir: string, seconds: number, timeline: string[] = [], bStart = '0s'): string {
  const file = path.join(dir, 'short.yaml');
  fs.writeFileSync(file, [
    'name: short',
    `duration: ${seconds}s`,
    'hosts:',
    `  A: { root: ${path.join(ROOT, 'examples/seed/fixed/A')}, address: 172.16.25.1 }`,
    `  B: { root: ${path.join(ROOT, 'examples/seed/fixed/B')}, address: 172.16.25.2 }`,
    'services: { haproxy: up }',
    'timeline:',
    '  - { at: 0s, host: A, do: start }',
    `  - { at: ${bStart}, host: B, do: start }`,
    ...timeline.map((entry) => `  - ${entry}`),
  ].join('\n'));
  return file;
}

describe('vrrplab lab', () => {
  it("runs the seed's keepalived restart on real keepalived and agrees with simulate, leaving no namespace behind", async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vllabcmd');
    const out = path.join(dir, 'out');
    // examples/scenarios/seed-fixed-keepalived-restart.yaml, in 17 s instead of 40: A stops at 6 s
    // and starts at 9 s; B holds both VIPs meanwhile, and A has VI_1 back about 3.6 s later.
    const scenario = shortScenario(dir, 17, ['{ at: 6s, host: A, do: stop }', '{ at: 9s, host: A, do: start }'], '1s');
    const run = vrrplab(['lab', scenario, '--compare', '--json', '--out', out], 120_000);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const comparison = lines.find((line) => line['type'] === 'comparison') as { divergences: unknown[]; matched: number; largestErrorS: number } | undefined;
    expect(comparison?.divergences).toEqual([]);
    expect(comparison?.matched).toBeGreaterThanOrEqual(10);
    // keepalived's log, its notifies and the capture are kept.
    const summary = lines.find((line) => line['type'] === 'summary') as { vips: Record<string, string[]> } | undefined;
    expect(summary?.vips).toEqual({ A: ['172.16.25.10'], B: ['172.16.25.11'] });
    expect(fs.readFileSync(path.join(out, 'A.log'), 'utf8')).toContain('(VI_1) Entering MASTER STATE');
    expect(fs.readFileSync(path.join(out, 'B', 'notify.log'), 'utf8')).toMatch(/^N \S+ master VI_1 master 172\.16\.25\.10$/m);
    expect(fs.statSync(path.join(out, 'capture.pcap')).size).toBeGreaterThan(1000);
    expect(namespacesOf(run.pid)).toEqual([]);
  }, 120_000);

  it('with no tolerance the same kind of run diverges, and the divergence names host, instance and both times (its --out relative to the working directory)', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vllabcmd');
    const run = vrrplab(['lab', shortScenario(dir, 8), '--compare', '--tolerance', '0', '--out', 'out'], 60_000, dir);
    expect(run.status).toBe(1);
    expect(fs.readFileSync(path.join(dir, 'out', 'A.log'), 'utf8')).toMatch(/Entering (MASTER|BACKUP) STATE/);
    expect(run.stdout).toMatch(/First divergence at \d+\.\d{3} s: [AB] VI_[12]: simulate entered \w+ at \d+\.\d{3} s, keepalived entered \w+ at \d+\.\d{3} s \(\d+ ms apart, tolerance 0 ms\)/);
  }, 60_000);

  it('with --impl A=vrrplab, host A runs vrrplab run and B keepalived, and the pair agrees with simulate', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vllabcmd');
    const out = path.join(dir, 'out');
    // B starts a second later: vrrplab's start-up (~190 ms here, Node's own) against keepalived's
    // (~50 ms) would otherwise decide a start race between the two (README, Benchmarks).
    const run = vrrplab(['lab', shortScenario(dir, 8, [], '1s'), '--impl', 'A=vrrplab', '--compare', '--out', out], 60_000);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('No divergence: simulate and the lab agree.');
    expect(fs.readFileSync(path.join(out, 'A.log'), 'utf8')).toContain('Starting vrrplab');
    expect(fs.readFileSync(path.join(out, 'B.log'), 'utf8')).toContain('Starting Keepalived');
  }, 60_000);

  it('interrupted half-way (SIGINT), it removes its namespaces and ends its keepalived processes', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vllabcmd');
    const out = path.join(dir, 'out');
    const child = spawn(process.execPath, [MAIN, 'lab', shortScenario(dir, 60), '--out', out], { cwd: ROOT, stdio: 'ignore' });
    const pid = child.pid ?? 0;
    expect(await waitFor(() => fs.existsSync(path.join(out, 'A.log')) && fs.readFileSync(path.join(out, 'A.log'), 'utf8').includes('Entering BACKUP STATE'), 15_000)).toBeGreaterThanOrEqual(0);
    expect(namespacesOf(pid).length).toBe(3);
    child.kill('SIGINT');
    await Promise.race([exited(child), sleep(10_000)]);
    expect(child.exitCode ?? child.signalCode).not.toBeNull();
    expect(namespacesOf(pid)).toEqual([]);
    const left = spawnSync('pgrep', ['-f', out], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  }, 60_000);

  it("plays a forged sender's bursts from a namespace of its own, as the simulator injects them, and agrees", async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const out = made.scratch('vllabcmd');
    const run = vrrplab(['lab', 'examples/hostile/burst.yaml', '--compare', '--out', out], 60_000);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('== inject 20 wrong-password packets from 172.16.25.3 (VRID 51, back to back)');
    expect(fs.readFileSync(path.join(out, 'A.log'), 'utf8')).toContain('(VI_1) received an invalid passwd!');
    expect(run.stdout).toContain('No divergence: simulate and keepalived agree.');
    expect(namespacesOf(run.pid)).toEqual([]);
  }, 60_000);
});

describe('vrrplab explore --confirm', () => {
  it("confirms the unicast peer typo's split brain on real keepalived", async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const out = made.scratch('vlconfirm');
    const fixture = path.join(ROOT, 'test/fixtures/explore/unicast-typo');
    const run = vrrplab(['explore', '--host', `A=${fixture}/A`, '--host', `B=${fixture}/B`, '--budget', '1', '--confirm', '--json', '--out', out], 150_000);
    expect(run.status).toBe(0);
    const confirmations = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; status?: string; kinds?: string[]; seen?: string[]; dir?: string }).filter((line) => line.type === 'confirmation');
    // The lab run's files, kept for the user under /run/vrrplab-lab: this test's go.
    for (const c of confirmations) if (c.dir?.startsWith('/run/vrrplab-lab/') === true) fs.rmSync(c.dir, { recursive: true, force: true });
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ status: 'confirmed', kinds: ['split-brain'] });
    expect(confirmations[0]?.seen).toContain('split-brain');
  }, 150_000);
});
