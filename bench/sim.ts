/**
 * Simulator speed: virtual seconds per wall second for (a) the seed scenario over 24 virtual
 * hours (target: under 1 s wall) and (b) 4 hosts x 255 VRIDs at advert_int 1 for one virtual hour
 * (target: under 5 s wall), with peak RSS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runScenario } from '../src/sim/run.js';
import { loadScenario, parseScenario } from '../src/sim/scenario.js';

const ROOT = path.resolve(import.meta.dirname, '..', fs.existsSync(path.resolve(import.meta.dirname, '../examples')) ? '' : '..');

function seedDay(): string {
  const source = path.join(ROOT, 'examples/scenarios/seed-buggy-keepalived-restart.yaml');
  const loaded = loadScenario(source);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  // The seed's fault 1 repeated every hour for a day.
  const timeline = ['  - { at: 0s, host: A, do: start }', '  - { at: 2s, host: B, do: start }'];
  for (let hour = 0; hour < 24; hour++) {
    timeline.push(`  - { at: ${hour * 3600 + 600}s, host: A, do: stop }`, `  - { at: ${hour * 3600 + 660}s, host: A, do: start }`);
  }
  return [
    'name: seed-day',
    'duration: 24h',
    'hosts:',
    '  A: { root: ../seed/buggy/A, address: 172.16.25.1 }',
    '  B: { root: ../seed/buggy/B, address: 172.16.25.2 }',
    'services: { haproxy: up }',
    'checks:',
    '  chk_haproxy: { service: haproxy }',
    '  chk_maintaince_down: { file-absent: /etc/keepalived/down }',
    'timeline:',
    ...timeline,
  ].join('\n');
}

/** 4 hosts, 255 instances each on one interface, advert_int 1; host h is preferred for a quarter. */
function wideScenario(directory: string): string {
  const hosts = ['H1', 'H2', 'H3', 'H4'];
  hosts.forEach((host, index) => {
    const instances: string[] = [];
    for (let vrid = 1; vrid <= 255; vrid++) {
      const priority = 100 + ((vrid + index) % 4) * 10;
      instances.push(
        `vrrp_instance VI_${vrid} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n  advert_int 1\n` +
          `  virtual_ipaddress {\n    10.${Math.floor(vrid / 250)}.${vrid % 250}.1/16\n  }\n}\n`,
      );
    }
    fs.writeFileSync(path.join(directory, `${host}.conf`), instances.join(''));
  });
  return [
    'name: wide',
    'duration: 1h',
    'hosts:',
    ...hosts.map((host, index) => `  ${host}: { config: ${host}.conf, address: 10.255.0.${index + 1} }`),
    'timeline:',
    ...hosts.map((host) => `  - { at: 0s, host: ${host}, do: start }`),
    '  - { at: 30m, host: H1, do: kill }',
  ].join('\n');
}

function measure(label: string, yaml: string, directory: string, targetSeconds: number): void {
  const parsed = parseScenario(yaml, directory, label);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const before = process.memoryUsage().rss;
  const start = process.hrtime.bigint();
  const outcome = runScenario(parsed.scenario, { keepLogs: false });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  const virtual = parsed.scenario.durationMs / 1000;
  const rss = Math.max(before, process.memoryUsage().rss) / 2 ** 20;
  console.log(
    `${label.padEnd(34)} ${virtual.toFixed(0).padStart(6)} virtual s in ${wall.toFixed(3)} s wall = ` +
      `${Math.round(virtual / wall).toLocaleString('en')} virtual s per wall s; ${outcome.result.events.toLocaleString('en')} events; ` +
      `RSS ${rss.toFixed(0)} MB; target < ${targetSeconds} s: ${wall < targetSeconds ? 'met' : 'NOT met'}`,
  );
}

export async function run(): Promise<void> {
  console.log('simulator (one core, keepLogs off)');
  measure('seed, 24 virtual hours', seedDay(), path.join(ROOT, 'examples/scenarios'), 1);
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-bench-'));
  try {
    measure('4 hosts x 255 VRIDs, 1 virtual hour', wideScenario(directory), directory, 5);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
  console.log(`peak RSS of the bench process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
