/**
 * examples/prometheus against the exposition: every metric the Grafana dashboard and the alert
 * rules read is one vrrplab writes (a renamed metric would leave a panel or a rule silently empty).
 * promtool runs the rules' own tests in the lab tier (test/lab/metrics.test.ts).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COUNTERS, renderExposition } from '../../src/metrics/exposition.js';
import type { MetricsSnapshot, VridSnapshot } from '../../src/metrics/snapshot.js';
import { parseExposition } from './exposition-parser.js';

const DIR = resolve(import.meta.dirname, '../../examples/prometheus');

/** Every family the exposition can write: a run and a watch snapshot with every field filled. */
function emitted(): Set<string> {
  const vrid: VridSnapshot = {
    instance: 'VI_1', iface: 'eth0', vrid: 1, family: 4, state: 'MASTER', master: '10.0.0.1', priority: 100, advertIntervalMs: 1000,
    lastTransitionSec: 1, backups: ['10.0.0.2'], addresses: ['10.0.0.10'], counters: Object.fromEntries(COUNTERS.map(([k]) => [k, 1])),
  };
  const names = new Set<string>();
  for (const source of ['run', 'watch'] as const) {
    const s: MetricsSnapshot = { source, atSec: 1, vrids: [vrid], alerts: [{ kind: 'two-masters', iface: 'eth0', vrid: 1, active: true, sinceSec: 1, evidence: '' }], malformed: { short: 1 }, packetsSeen: 1 };
    for (const f of parseExposition(renderExposition(s))) names.add(f.name);
  }
  return names;
}

/** The metric names a PromQL expression reads: vrrplab's and keepalived's families, and Prometheus's `up`. */
function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/\b((?:keepalived|vrrplab)_[a-zA-Z0-9_]+|up(?=\s*\{))/g)].map((m) => m[1]!);
}

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

describe('examples/prometheus', () => {
  const names = emitted();

  it('has a Grafana dashboard whose every panel queries only metrics the exposition writes', () => {
    const dashboard = JSON.parse(readFileSync(resolve(DIR, 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of panels) {
      const exprs = (panel.targets ?? []).map((t) => t.expr);
      expect(exprs.length, panel.title).toBeGreaterThan(0);
      for (const expr of exprs) {
        const used = metricsOf(expr);
        expect(used.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of used) if (name !== 'up') expect(names, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });

  it('shows on the dashboard what the issue asks for: state per VRID, master, priority, advert and error rates, alerts', () => {
    const text = readFileSync(resolve(DIR, 'grafana-dashboard.json'), 'utf8');
    for (const name of ['keepalived_vrrp_state', 'vrrplab_master', 'vrrplab_priority', 'keepalived_advertisements_received_total', 'keepalived_packet_length_errors_total', 'vrrplab_alert']) expect(text).toContain(name);
  });

  it('has alert rules that read only metrics the exposition writes, each rule named in its promtool tests', () => {
    const rules = (parse(readFileSync(resolve(DIR, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual(['VrrpTwoMasters', 'VrrpNoMaster', 'VrrpFlapping', 'VrrplabWatchAlert', 'VrrpTargetDown']);
    const tests = readFileSync(resolve(DIR, 'alerts.test.yml'), 'utf8');
    for (const rule of rules) {
      for (const name of metricsOf(rule.expr)) if (name !== 'up') expect(names, `${rule.alert}: ${name}`).toContain(name);
      // Each rule is tested firing (an exp_alerts list with labels) and silent (an empty one).
      const blocks = tests.split(/- eval_time: /).filter((b) => b.includes(`alertname: ${rule.alert}\n`));
      expect(blocks.some((b) => b.includes('exp_alerts: []')), rule.alert).toBe(true);
      expect(blocks.some((b) => b.includes('exp_labels:')), rule.alert).toBe(true);
    }
  });

  it('has a Prometheus config scraping both run and watch under the jobs the rules name', () => {
    const config = parse(readFileSync(resolve(DIR, 'prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: Array<{ job_name: string }> };
    expect(config.rule_files).toContain('alerts.yml');
    const jobs = config.scrape_configs.map((s) => s.job_name);
    expect(jobs).toEqual(['vrrplab-run', 'vrrplab-watch']);
    const rules = readFileSync(resolve(DIR, 'alerts.yml'), 'utf8');
    for (const job of rules.matchAll(/job!?=~?"([^"]+)"/g)) if (!job[1]!.includes('.*')) expect(jobs).toContain(job[1]);
  });
});
