/**
 * Lab tier, issue 21's Prometheus side: Debian's promtool runs the shipped rules' tests and checks
 * a real `vrrplab run --listen` exposition, and a real Prometheus, started inside a test namespace
 * (its own TSDB in a scratch directory, listening on the namespace's address, scraping every
 * second), follows the run instance's state across a failover with keepalived 2.2.7: BACKUP (1)
 * under keepalived's master, MASTER (2) once keepalived stops. Every process runs in a lab
 * namespace and ends by PID with the lab; HTTP to the namespaces goes through `ip netns exec`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab, type SkippableContext } from './lab.js';
import { prometheusTools, type PrometheusTools } from './prometheus.js';
import { removedAfterEach } from './removed-after-each.js';
import { MAIN, ensureBuilt, exited, startDaemon, waitFor } from '../runtime/lab-helpers.js';
import fc from 'fast-check';
import { renderExposition } from '../../src/metrics/exposition.js';
import { anySnapshot } from '../metrics/arbitrary.js';
import { exporterView, vrrplabView } from '../metrics/exporter-view.js';
import { parseExposition } from '../metrics/exposition-parser.js';

const made = removedAfterEach();
const EXAMPLES = resolve(import.meta.dirname, '../../examples/prometheus');
/** keepalived's dumps after the mirrored takeover, kept for test/metrics/exporter-view.test.ts (VRRPLAB_RECORD=1). */
const FIXTURES = resolve(import.meta.dirname, '../fixtures/metrics');

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
});

/** The lab and Debian's Prometheus tools, or a loud skip (a failure under VRRPLAB_LAB=required). */
function requirePrometheus(ctx: SkippableContext): { prometheus: string; promtool: string } {
  requireLab(ctx, ['keepalived']);
  const tools: PrometheusTools = prometheusTools();
  if (tools.prometheus !== null && tools.promtool !== null) return { prometheus: tools.prometheus, promtool: tools.promtool };
  if (process.env.VRRPLAB_LAB === 'required') throw new Error(`lab tier required but prometheus is unavailable: ${tools.reason}`);
  console.warn(`\n!! LAB TEST SKIPPED: ${ctx.task?.name ?? 'metrics'}: ${tools.reason}\n`);
  return ctx.skip(tools.reason);
}

/** An HTTP GET made from inside a lab host (the test process lives in the root namespace). */
function get(lab: Lab, host: number, url: string): string {
  const script = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(2000) }).then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
  const r = spawnSync('ip', ['netns', 'exec', lab.hosts[host]!.ns, process.execPath, '-e', script], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout : '';
}

/** The master of VRID 81 that `vrrplab watch` reports to Prometheus now (instant query), or undefined. */
function watchedMaster(lab: Lab, host: number, api: string): string | undefined {
  const body = get(lab, host, `${api}/api/v1/query?query=${encodeURIComponent('vrrplab_master{job="vrrplab-watch",vrid="81"} == 1')}`);
  try {
    const parsed = JSON.parse(body) as { data: { result: Array<{ metric: { master: string } }> } };
    return parsed.data.result.length === 1 ? parsed.data.result[0]!.metric.master : undefined;
  } catch {
    return undefined;
  }
}

/** keepalived_vrrp_state of VI_1 as Prometheus has it now (instant query), or undefined. */
function queriedState(lab: Lab, host: number, api: string): number | undefined {
  const body = get(lab, host, `${api}/api/v1/query?query=${encodeURIComponent('keepalived_vrrp_state{job="vrrplab-run",iname="VI_1"}')}`);
  try {
    const parsed = JSON.parse(body) as { data: { result: Array<{ value: [number, string] }> } };
    const values = new Set(parsed.data.result.map((r) => Number(r.value[1])));
    return values.size === 1 ? [...values][0] : undefined;
  } catch {
    return undefined;
  }
}

const conf = (priority: number) => `vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 81
  advert_int 1
  virtual_ipaddress {
    172.16.25.181/16
    172.16.25.182
  }
}
`;

describe('Prometheus and vrrplab in the lab', () => {
  it("passes promtool's tests of the shipped alert rules, and promtool's check of their config", (ctx) => {
    const { promtool } = requirePrometheus(ctx);
    const rules = spawnSync(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: EXAMPLES, encoding: 'utf8', timeout: 20_000 });
    expect(rules.stdout + rules.stderr).toContain('SUCCESS');
    expect(rules.status).toBe(0);
    const config = spawnSync(promtool, ['check', 'config', 'prometheus.yml'], { cwd: EXAMPLES, encoding: 'utf8', timeout: 20_000 });
    expect(config.status, config.stdout + config.stderr).toBe(0);
  });

  it("has promtool parse every query of the Grafana dashboard (each as a recording rule's expression)", (ctx) => {
    const { promtool } = requirePrometheus(ctx);
    const dir = made.scratch('vlmetrics');
    const dashboard = JSON.parse(readFileSync(join(EXAMPLES, 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
    writeFileSync(join(dir, 'dashboard-rules.yml'), JSON.stringify(rules)); // JSON is YAML
    const r = spawnSync(promtool, ['check', 'rules', join(dir, 'dashboard-rules.yml')], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
  });

  it('has promtool accept the exposition of 100 generated snapshots, odd label values and numbers included', (ctx) => {
    const { promtool } = requirePrometheus(ctx);
    const bodies = fc.sample(anySnapshot, { numRuns: 100, seed: 21 }).map(renderExposition);
    // Several snapshots per promtool run would be one body with families twice: one each.
    const rejected = bodies.flatMap((body) => {
      const r = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8', timeout: 10_000 });
      return r.status === 0 ? [] : [`${r.stdout}${r.stderr}\n${body.slice(0, 400)}`];
    });
    expect(rejected).toEqual([]);
  });

  it("sees run's instance BACKUP under keepalived 2.2.7's master and MASTER once keepalived stops, and watch's master follow, scraped by a real Prometheus", async (ctx) => {
    const { prometheus, promtool } = requirePrometheus(ctx);
    const lab = made.lab();
    const dir = made.scratch('vlmetrics');
    const [k, v] = [lab.hosts[0]!, lab.hosts[1]!];
    writeFileSync(join(dir, 'keepalived.conf'), conf(200));
    writeFileSync(join(dir, 'vrrplab.conf'), conf(100));
    const target = `${v.address}:9166`;
    // A second run, of another VRID, asked to listen on an address its host does not have.
    writeFileSync(join(dir, 'unbound.conf'), conf(100).replace('VI_1', 'VI_9').replace('virtual_router_id 81', 'virtual_router_id 89').replace(/172\.16\.25\.18/g, '172.16.25.19'));
    const unbound = startDaemon(lab, 0, 'vrrplab', join(dir, 'unbound.conf'), dir, { detail: false, extra: ['--listen', '10.9.9.9:9166', '--dump-dir', dir] });
    const keepalived = startDaemon(lab, 0, 'keepalived', join(dir, 'keepalived.conf'), dir, { detail: false });
    const run = startDaemon(lab, 1, 'vrrplab', join(dir, 'vrrplab.conf'), dir, { detail: false, extra: ['--listen', target, '--dump-dir', dir] });
    // vrrplab watch, passive on keepalived's host, served to the same Prometheus.
    const watchTarget = `${k.address}:9167`;
    const watch = lab.spawn(0, [process.execPath, MAIN, 'watch', '-i', 'eth0', '--listen', watchTarget]);
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: vrrplab-run\n    static_configs:\n      - targets: ['${target}']\n  - job_name: vrrplab-watch\n    static_configs:\n      - targets: ['${watchTarget}']\n`);
    const api = `http://${k.address}:9090`;
    const prom = lab.spawn(0, [prometheus, `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=${k.address}:9090`, '--log.level=warn']);
    let promLog = '';
    prom.stderr?.on('data', (c: Buffer) => { promLog += c.toString(); });

    expect(await waitFor(() => keepalived.log().includes('(VI_1) Entering MASTER STATE'), 10_000), keepalived.log()).toBeGreaterThanOrEqual(0);
    expect(await waitFor(() => run.log().includes('Serving metrics on'), 10_000), run.log()).toBeGreaterThanOrEqual(0);

    // promtool, which nobody here wrote, accepts what run serves.
    const exposition = get(lab, 0, `http://${target}/metrics`);
    expect(exposition).toContain('keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="81",family="4",ip_address="172.16.25.181/16"} 1\n');
    expect(exposition).toContain(`vrrplab_master{iname="VI_1",intf="eth0",vrid="81",family="4",master="${k.address}"} 1\n`);
    const check = spawnSync(promtool, ['check', 'metrics'], { input: exposition, encoding: 'utf8', timeout: 10_000 });
    expect(check.status, check.stdout + check.stderr).toBe(0);

    // Prometheus's own view: BACKUP (1) within a few seconds of its start.
    const backupSeen = await waitFor(() => queriedState(lab, 0, api) === 1, 15_000);
    expect(backupSeen, `prometheus: ${promLog}`).toBeGreaterThanOrEqual(0);
    // And watch's: keepalived's address is the master it hears.
    expect(await waitFor(() => watchedMaster(lab, 0, api) === k.address, 10_000), `prometheus: ${promLog}`).toBeGreaterThanOrEqual(0);

    // keepalived stops (SIGTERM by PID: it resigns with a priority 0 advert); run takes over.
    const stoppedAt = performance.now();
    process.kill(keepalived.child.pid!, 'SIGTERM');
    await exited(keepalived.child);
    expect(await waitFor(() => run.log().includes('(VI_1) Entering MASTER STATE'), 5000), run.log()).toBeGreaterThanOrEqual(0);
    const masterSeen = await waitFor(() => queriedState(lab, 0, api) === 2, 10_000);
    expect(masterSeen, `prometheus: ${promLog}`).toBeGreaterThanOrEqual(0);
    expect(await waitFor(() => watchedMaster(lab, 0, api) === v.address, 10_000), `prometheus: ${promLog}`).toBeGreaterThanOrEqual(0);
    process.kill(watch.pid!, 'SIGTERM');
    process.stderr.write(`metrics lab: Prometheus saw BACKUP ${Math.round(backupSeen)} ms after keepalived's MASTER line; MASTER ${Math.round(performance.now() - stoppedAt)} ms after keepalived's SIGTERM\n`);

    const after = get(lab, 0, `http://${target}/metrics`);
    expect(after).toContain(`vrrplab_master{iname="VI_1",intf="eth0",vrid="81",family="4",master="${v.address}"} 1\n`);
    expect(after).toContain('keepalived_become_master_total{iname="VI_1",intf="eth0",vrid="81",family="4"} 1\n');
    expect(after).toMatch(/keepalived_priority_zero_received_total\{iname="VI_1",intf="eth0",vrid="81",family="4"\} 1\n/);
    expect(execFileSync('ip', ['-n', v.ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' })).toContain('172.16.25.181/16');
    // The mirror, for keepalived-exporter's view of a real keepalived: keepalived again, now BACKUP
    // (priority 50) under run's master, takes over when run stops. Its dumps (always /tmp) go to
    // the scratch directory, bound on /tmp in a mount namespace of its own.
    writeFileSync(join(dir, 'mirror.conf'), conf(50));
    const mirror = lab.spawn(0, ['unshare', '-m', 'sh', '-c', `mount --bind '${dir}' /tmp && exec "$@"`, 'sh', 'keepalived', '-n', '-l', '-P', '-f', '/tmp/mirror.conf', '-p', '/tmp/mirror.pid', '-r', '/tmp/mirror.pid.vrrp']);
    let mirrorLog = '';
    mirror.stderr?.on('data', (c: Buffer) => { mirrorLog += c.toString(); });
    mirror.stdout?.on('data', (c: Buffer) => { mirrorLog += c.toString(); });
    expect(await waitFor(() => mirrorLog.includes('(VI_1) Entering BACKUP STATE'), 5000), mirrorLog).toBeGreaterThanOrEqual(0);
    await new Promise((done) => setTimeout(done, 1500));
    process.kill(run.child.pid!, 'SIGTERM');
    await exited(run.child);
    expect(await waitFor(() => mirrorLog.includes('(VI_1) Entering MASTER STATE'), 5000), mirrorLog).toBeGreaterThanOrEqual(0);
    await new Promise((done) => setTimeout(done, 500)); // its GARPs and first adverts
    process.kill(mirror.pid!, 'SIGUSR1');
    process.kill(mirror.pid!, 'SIGUSR2');
    const dumps = ['keepalived.data', 'keepalived.stats'].map((f) => join(dir, f));
    expect(await waitFor(() => dumps.every((f) => existsSync(f) && readFileSync(f, 'utf8').includes('VI_1')), 3000)).toBeGreaterThanOrEqual(0);
    await new Promise((done) => setTimeout(done, 200));
    const [data, stats] = dumps.map((f) => readFileSync(f, 'utf8')) as [string, string];
    if (process.env.VRRPLAB_RECORD === '1') {
      mkdirSync(FIXTURES, { recursive: true });
      for (const f of dumps) copyFileSync(f, join(FIXTURES, `mirror-${f.split('/').at(-1)}`));
      writeFileSync(join(FIXTURES, 'mirror.conf'), conf(50));
    }
    // The same series, labels and values as the exporter would give for keepalived in run's place,
    // but for the advert counts (how long each was BACKUP).
    const theirs = exporterView(data, stats);
    const ours = vrrplabView(after, parseExposition);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    const timing = /keepalived_advertisements_(received|sent)_total/;
    for (const [key, value] of theirs) if (!timing.test(key)) expect([key, ours.get(key)]).toEqual([key, value]);

    // The run that could not listen said so and went on with VRRP.
    expect(unbound.log()).toMatch(/Cannot serve metrics on 10\.9\.9\.9:9166: .*EADDRNOTAVAIL/);
    expect(unbound.log()).toContain('(VI_9) Entering MASTER STATE');
  }, 45_000);

  it('stops run at once, status 2, on a --listen address it cannot read', (ctx) => {
    requirePrometheus(ctx);
    const lab = made.lab();
    const dir = made.scratch('vlmetrics');
    writeFileSync(join(dir, 'k.conf'), conf(100));
    const r = spawnSync('ip', ['netns', 'exec', lab.hosts[0]!.ns, process.execPath, MAIN, 'run', '-n', '-l', '-f', join(dir, 'k.conf'), '--listen', '172.16.25.1'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--listen '172.16.25.1': expected ADDR:PORT, [IPV6]:PORT or :PORT");
    expect(r.stderr).not.toContain('Entering');
  });
});
