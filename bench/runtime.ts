/**
 * Runtime bench (lab: needs root and network namespaces): advert interval jitter of a vrrplab
 * master vs a keepalived master in the same run, from tcpdump on the peer (10 s each).
 * Target: p99 |interval - 1 s| under 2 ms.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NetnsPair, sleep } from '../test/runtime/netns-pair.js';

const ROOT = resolve(import.meta.dirname, process.env.VRRPLAB_ROOT ?? '../..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function jitter(kind: 'vrrplab' | 'keepalived', seconds: number): Promise<number[]> {
  const pair = new NetnsPair();
  try {
    const conf = join(pair.dir, 'a.conf');
    writeFileSync(conf, `vrrp_instance VI_1 {\n interface eth0\n state MASTER\n priority 200\n virtual_router_id 7\n advert_int 1\n virtual_ipaddress {\n  10.77.0.200/24\n }\n}\n`);
    const pcap = join(pair.dir, 'b.pcap');
    const td = spawn('ip', ['netns', 'exec', pair.b.ns, 'tcpdump', '-i', 'eth0', '-U', '-w', pcap, 'ip proto 112'], { stdio: 'ignore' });
    await sleep(500);
    const args = ['-n', '-l', '-P', '-f', conf, '-p', join(pair.dir, 'pid'), '-r', join(pair.dir, 'vpid')];
    pair.spawnIn(pair.a, kind === 'vrrplab' ? ['node', join(ROOT, 'dist/src/cli/main.js'), 'run', ...args] : ['keepalived', ...args]);
    await sleep(seconds * 1000 + 4000);
    td.kill('SIGTERM');
    await sleep(300);
    const times = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim().split('\n').map(Number).filter(Number.isFinite);
    const deltas: number[] = [];
    for (let i = 2; i < times.length; i++) deltas.push(Math.abs((times[i] - times[i - 1]) * 1000 - 1000));
    return deltas;
  } finally {
    pair.cleanup();
  }
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('runtime bench: skipped (needs root for namespaces)');
    return;
  }
  const seconds = Number(process.env.VRRPLAB_BENCH_SECONDS ?? 10);
  for (const kind of ['vrrplab', 'keepalived'] as const) {
    const d = await jitter(kind, seconds);
    console.log(`runtime: advert interval jitter ${kind}: n=${d.length} p50=${percentile(d, 50).toFixed(2)} ms p99=${percentile(d, 99).toFixed(2)} ms max=${Math.max(...d).toFixed(2)} ms`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
