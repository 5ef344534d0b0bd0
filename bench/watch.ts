/**
 * `vrrplab watch -i` under load (issue 21): keepalived 2.2.7 master of 255 VRIDs at advert_int 1
 * on one lab host, a flood of 2,000 bad adverts a second from another (src/lab/sender.ts: TTL 64,
 * wrong password, bad checksum, truncated and random bytes, in turn), and on a third host `vrrplab
 * watch -i eth0 --json` beside `tcpdump -i eth0 -w /dev/null` on the same interface in the same
 * run: CPU (every thread's schedstat) and RSS of each over a 20 s window, as ratios watch/tcpdump.
 * Also: every VRID's master named, and the flood raised as `forged` alerts rather than crashing or growing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLab, labStatus } from '../test/lab/lab.js';
import { collect, ensureBuilt, MAIN, ROOT, scratchDir, sleep, startDaemon } from '../test/runtime/lab-helpers.js';

const COUNT = Number(process.env.VRRPLAB_BENCH_INSTANCES ?? 255);
const WINDOW_S = Number(process.env.VRRPLAB_BENCH_WATCH_SECONDS ?? 20);
const FLOOD_PPS = 2000;

function instances(count: number): string {
  const blocks: string[] = [];
  for (let vrid = 1; vrid <= count; vrid++) {
    blocks.push(`vrrp_instance VI_${vrid} {\n interface eth0\n state MASTER\n priority 200\n virtual_router_id ${vrid}\n advert_int 1\n virtual_ipaddress {\n  10.${100 + (vrid >> 8)}.${vrid & 255}.1/32\n }\n}\n`);
  }
  return blocks.join('');
}

function usage(pid: number): { cpu: number; rssKb: number } {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: ns / 1e9, rssKb: rss ? Number(rss[1]) : NaN };
}

/** The PID of the process `ip netns exec` became (it execs, so the child's PID is the command's). */
function pidOf(child: { pid?: number }): number {
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const f = (n: number, digits = 2) => n.toFixed(digits);

export async function run(): Promise<void> {
  const status = labStatus(['keepalived', 'tcpdump']);
  if (status.reason !== null) {
    const bar = '!'.repeat(78);
    console.log(`${bar}\n!! watch bench SKIPPED: ${status.reason} (needs root, network namespaces, keepalived, tcpdump)\n${bar}`);
    return;
  }
  await ensureBuilt();
  const lab = createLab({ hosts: 3 });
  const scratch = scratchDir('vlwbench');
  try {
    const conf = join(scratch.dir, 'master.conf');
    writeFileSync(conf, instances(COUNT));
    startDaemon(lab, 0, 'keepalived', conf, scratch.dir, { detail: false });
    const watch = collect(lab.spawn(2, [process.execPath, MAIN, 'watch', '-i', 'eth0', '--json']));
    const tcpdump = lab.spawn(2, ['tcpdump', '-i', 'eth0', '-w', '/dev/null'], { stdio: ['ignore', 'ignore', 'ignore'] });
    // keepalived's masters are up after ~4 s, its delayed GARPs (5 s) over by 12 s.
    await sleep(12_000);
    const kinds = ['ttl-64', 'wrong-password', 'bad-checksum', 'truncated', 'random'] as const;
    const at = Date.now() + 500;
    const plan = kinds.map((kind, i) => ({
      kind,
      src: '172.16.25.2',
      vrid: 1 + ((i * 51) % COUNT),
      priority: 254,
      password: '',
      advertIntervalMs: 1000,
      addresses: ['10.100.1.1'],
      count: Math.round((FLOOD_PPS / kinds.length) * (WINDOW_S + 2)),
      rate: FLOOD_PPS / kinds.length,
      atEpochMs: at,
      seed: i + 1,
    }));
    // One sender per kind, side by side (a sender plays its streams one after the other).
    const senders = plan.map((stream) => collect(lab.spawn(1, [process.execPath, join(ROOT, 'dist/cli/sender.js'), 'eth0', JSON.stringify([stream])], { stdio: ['ignore', 'pipe', 'pipe'] })));
    await sleep(1000);
    const pids = { watch: pidOf(watch.child), tcpdump: pidOf(tcpdump) };
    const before = { watch: usage(pids.watch), tcpdump: usage(pids.tcpdump) };
    await sleep(WINDOW_S * 1000);
    const after = { watch: usage(pids.watch), tcpdump: usage(pids.tcpdump) };
    const cpu = (k: 'watch' | 'tcpdump') => ((after[k].cpu - before[k].cpu) / WINDOW_S) * 100;
    // The senders end about 2 s after the window.
    await sleep(3000);
    const lines = watch.log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; action?: string; kind?: string });
    const masters = lines.filter((l) => l.type === 'master').length;
    const forged = lines.filter((l) => l.type === 'alert' && l.action === 'raised' && l.kind === 'forged').length;
    const packets = senders
      .flatMap((x) => x.log().trim().split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { sent: number }).sent)
      .reduce((sum, n) => sum + n, 0);
    console.log(`watch: ${COUNT} VRIDs at advert_int 1 + ${FLOOD_PPS}/s bad adverts (${kinds.join(', ')}; ${packets} sent), ${WINDOW_S} s window`);
    console.log(`watch: vrrplab watch -i : CPU ${f(cpu('watch'), 3)}%, RSS ${f(after.watch.rssKb / 1024, 1)} MB (${f(before.watch.rssKb / 1024, 1)} MB at the window's start); ${masters} masters named, ${forged} forged alerts`);
    console.log(`watch: tcpdump -w /dev/null: CPU ${f(cpu('tcpdump'), 3)}%, RSS ${f(after.tcpdump.rssKb / 1024, 1)} MB`);
    console.log(`watch: watch/tcpdump CPU ${f(cpu('watch') / cpu('tcpdump'))}x, RSS ${f(after.watch.rssKb / after.tcpdump.rssKb)}x`);
  } finally {
    await lab.destroy();
    scratch.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
