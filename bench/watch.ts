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
import { run as watcherCost } from './watch-frames.js';

const COUNT = Number(process.env.VRRPLAB_BENCH_INSTANCES ?? 255);
const WINDOW_S = Number(process.env.VRRPLAB_BENCH_WATCH_SECONDS ?? 20);
const FLOOD_PPS = 2000;
/**
 * The watchers run side by side on the same interface, by VRRPLAB_WATCH_HOLD_MS (src/watch/live.ts):
 * the default hold, and 0 (a wake-up per frame, as watch read before issue 21's fix).
 */
const HOLDS = (process.env.VRRPLAB_BENCH_WATCH_HOLDS ?? '40,0').split(',').map((h) => h.trim());
/**
 * Another build's CLI (e.g. a copy of dist/cli made before a change, put beside it as dist/cli-before):
 * a watcher of it runs too, with the default hold, on the same interface in the same run.
 */
const BEFORE = process.env.VRRPLAB_BENCH_WATCH_BEFORE;
/** A directory: watch runs with --cpu-prof there (where its CPU goes; the profile is written when it ends). */
const PROFILE = process.env.VRRPLAB_BENCH_WATCH_PROFILE;

function instances(count: number): string {
  const blocks: string[] = [];
  for (let vrid = 1; vrid <= count; vrid++) {
    blocks.push(`vrrp_instance VI_${vrid} {\n interface eth0\n state MASTER\n priority 200\n virtual_router_id ${vrid}\n advert_int 1\n virtual_ipaddress {\n  10.${100 + (vrid >> 8)}.${vrid & 255}.1/32\n }\n}\n`);
  }
  return blocks.join('');
}

/** The process's user and system CPU (s), from /proc/PID/stat (utime, stime: clock ticks of 10 ms). */
function userSystem(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

function usage(pid: number): { cpu: number; rssKb: number; threads: Map<string, { cpu: number; wakeups: number }>; user: number; system: number } {
  let ns = 0;
  const threads = new Map<string, { cpu: number; wakeups: number }>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, , slices] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ').map(Number);
      ns += run;
      const name = `${readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim()}/${task}`;
      threads.set(name, { cpu: run / 1e9, wakeups: slices });
    } catch {
      // the thread ended meanwhile
    }
  }
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: ns / 1e9, rssKb: rss ? Number(rss[1]) : NaN, threads, ...userSystem(pid) };
}

/** The PID of the process `ip netns exec` became (it execs, so the child's PID is the command's). */
function pidOf(child: { pid?: number }): number {
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const f = (n: number, digits = 2) => n.toFixed(digits);
const slices = (u: ReturnType<typeof usage>) => [...u.threads.values()].reduce((sum, t) => sum + t.wakeups, 0);

export async function run(): Promise<void> {
  // The Watcher's own work a frame, in-process (no root needed).
  await watcherCost();
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
    const runs = [...HOLDS.map((hold) => ({ hold, main: MAIN, label: `hold ${hold} ms` })), ...(BEFORE ? [{ hold: '40', main: BEFORE, label: `hold 40 ms, ${BEFORE}` }] : [])];
    const watches = runs.map(({ hold, main }) =>
      collect(
        lab.spawn(2, [process.execPath, ...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []), main, 'watch', '-i', 'eth0', '--json'], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, VRRPLAB_WATCH_HOLD_MS: hold },
        }),
      ),
    );
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
    const pids = [...watches.map((w) => pidOf(w.child)), pidOf(tcpdump)];
    const before = pids.map(usage);
    await sleep(WINDOW_S * 1000);
    const after = pids.map(usage);
    const cpu = (i: number) => ((after[i].cpu - before[i].cpu) / WINDOW_S) * 100;
    const td = pids.length - 1;
    // The senders end about 2 s after the window.
    await sleep(3000);
    for (const pid of pids.slice(0, td)) process.kill(pid, 'SIGTERM'); // each ends with its summary (and --cpu-prof's profile)
    await sleep(3000);
    const packets = senders
      .flatMap((x) => x.log().trim().split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { sent: number }).sent)
      .reduce((sum, n) => sum + n, 0);
    console.log(`watch: ${COUNT} VRIDs at advert_int 1 + ${FLOOD_PPS}/s bad adverts (${kinds.join(', ')}; ${packets} sent), ${WINDOW_S} s window`);
    console.log(`watch: tcpdump -w /dev/null: CPU ${f(cpu(td), 3)}%, RSS ${f(after[td].rssKb / 1024, 1)} MB, ${Math.round((slices(after[td]) - slices(before[td])) / WINDOW_S)} timeslices/s`);
    runs.forEach(({ label }, i) => {
      const lines = watches[i].log().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; action?: string; kind?: string; packetsSeen?: number; dropped?: number });
      const masters = lines.filter((l) => l.type === 'master').length;
      const forged = lines.filter((l) => l.type === 'alert' && l.action === 'raised' && l.kind === 'forged').length;
      const end = lines.find((l) => l.type === 'summary');
      // Where watch's CPU went, per thread, and how often each ran (timeslices: about its wake-ups).
      const busy = [...after[i].threads]
        .map(([name, a]) => ({ name, cpu: a.cpu - (before[i].threads.get(name)?.cpu ?? 0), slices: a.wakeups - (before[i].threads.get(name)?.wakeups ?? 0) }))
        .filter((t) => t.slices > 0)
        .sort((x, y) => y.cpu - x.cpu)
        .slice(0, 2)
        .map((t) => `${t.name.replace(/\/\d+$/, '')} ${f((t.cpu / WINDOW_S) * 100, 2)}% ${Math.round(t.slices / WINDOW_S)}/s`);
      console.log(
        `watch: vrrplab watch -i (${label}): CPU ${f(cpu(i), 3)}% (user ${f(((after[i].user - before[i].user) / WINDOW_S) * 100)}%, system ${f(((after[i].system - before[i].system) / WINDOW_S) * 100)}%), RSS ${f(after[i].rssKb / 1024, 1)} MB (${f(before[i].rssKb / 1024, 1)} at the window's start), ` +
          `${Math.round((slices(after[i]) - slices(before[i])) / WINDOW_S)} timeslices/s (busiest threads: ${busy.join(', ')}); ` +
          `${masters} masters named, ${forged} forged alerts, ${end?.packetsSeen ?? '?'} frames read, ${end?.dropped ?? 0} dropped by the kernel; ` +
          `watch/tcpdump CPU ${f(cpu(i) / cpu(td))}x, RSS ${f(after[i].rssKb / after[td].rssKb)}x`,
      );
    });
  } finally {
    await lab.destroy();
    scratch.remove();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
