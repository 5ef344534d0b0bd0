/**
 * Lab tier: issue 22's smaller differences between `vrrplab run` and keepalived 2.2.7, each daemon
 * in its own lab in the same run: the dump files' modes, the SIGUSR1 data after a reload, the log
 * lines at start, reload and SIGUSR1, a notify_stop still running at exit, and a hung track
 * script. Each daemon runs in a mount namespace of its own with a private /tmp (keepalived always
 * writes its dumps there), read through /proc/PID/root. Script processes that ignore SIGTERM
 * outlive both daemons, as keepalived leaves them: the test kills them by PID.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ensureBuilt, exited, frameTimes, MAIN, ROOT, sleep, waitFor, type Daemon } from '../runtime/lab-helpers.js';

const KINDS: Daemon[] = ['keepalived', 'vrrplab'];

/** PIDs of script processes to kill after each test (they ignore SIGTERM, as in the lab runs). */
const leftovers = new Set<number>();
/** Scratch directories outside /tmp, which the daemons do not see (their /tmp is private). */
const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync('/var/tmp/vli22-');
  dirs.push(dir);
  return dir;
}
const made = removedAfterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const pid of leftovers) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch { /* gone */ }
    }
  }
  leftovers.clear();
});

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
});

interface Line {
  /** Epoch ms when the line was read. */
  at: number;
  /** The message without keepalived's date prefix. */
  text: string;
}

interface Run {
  lab: Lab;
  pid: number;
  lines: Line[];
  exited: Promise<number | null>;
  /** keepalived's VRRP child (which writes the dumps), or vrrplab's one process. */
  vrrpPid(): number;
}

/**
 * The shell line that gives a daemon a private /tmp (a tmpfs in its own mount namespace) and then
 * runs it. A checkout under /tmp (CI's may be) stays visible in it: the tmpfs is mounted on /mnt
 * first, the checkout bound into it at the same path, and the whole moved onto /tmp.
 */
const PRIVATE_TMP = ROOT.startsWith('/tmp/')
  ? `mount -t tmpfs none /mnt && mkdir -p '/mnt${ROOT.slice('/tmp'.length)}' && mount --bind '${ROOT}' '/mnt${ROOT.slice('/tmp'.length)}' && mount --move /mnt /tmp && exec "$@"`
  : 'mount -t tmpfs none /tmp && exec "$@"';

/** keepalived or vrrplab with keepalived's flags, in a private /tmp, each line timestamped as read. */
function start(lab: Lab, kind: Daemon, conf: string, dir: string, detail = true): Run {
  const pidFile = join(dir, `${kind}.pid`);
  const daemon = kind === 'keepalived' ? ['keepalived'] : ['node', MAIN, 'run'];
  const argv = [...daemon, '-n', '-l', ...(detail ? ['-D'] : []), '-P', '-f', conf, '-p', pidFile, '-r', `${pidFile}.vrrp`];
  const child = lab.spawn(0, ['unshare', '-m', 'sh', '-c', PRIVATE_TMP, 'sh', ...argv]);
  const lines: Line[] = [];
  let buffer = '';
  const take = (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      lines.push({ at: Date.now(), text: buffer.slice(0, i).replace(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: /, '') });
      buffer = buffer.slice(i + 1);
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return {
    lab,
    pid: child.pid!,
    lines,
    exited: exited(child),
    vrrpPid: () => (kind === 'keepalived' ? Number(readFileSync(`${pidFile}.vrrp`, 'utf8').trim()) : child.pid!),
  };
}

const texts = (r: Run) => r.lines.map((l) => l.text);
const logged = (r: Run, pattern: RegExp) => r.lines.some((l) => pattern.test(l.text));

const STOP_SCRIPT = (dir: string) => `#!/bin/bash
echo "start $$ $(date +%s%3N)" >> ${dir}/stop.log
bash -c 'trap "echo child-term \\$(date +%s%3N) >> ${dir}/stop.log; exit 0" TERM; for i in \\$(seq 1 60); do sleep 0.1; done' &
trap "echo term \\$(date +%s%3N) >> ${dir}/stop.log" TERM
for i in $(seq 1 60); do sleep 0.1; done
`;

const DUMP_CONF = (dir: string, advertInt: number) => `global_defs {
  router_id lab1
}
vrrp_script chk_ok {
  script "/bin/true"
  interval 1
}
vrrp_instance VI_1 {
  interface eth0
  state MASTER
  priority 150
  virtual_router_id 51
  advert_int ${advertInt}
  authentication {
    auth_type PASS
    auth_pass secret12
  }
  virtual_ipaddress {
    172.16.25.100
  }
  track_script {
    chk_ok
  }
  notify_stop "${dir}/stop.sh"
}
vrrp_instance VI_2 {
  interface eth0
  state BACKUP
  priority 100
  virtual_router_id 52
  advert_int 1
  virtual_ipaddress {
    172.16.25.110
  }
}
vrrp_instance VI_6 {
  interface eth0
  state BACKUP
  version 3
  priority 100
  virtual_router_id 66
  advert_int 1
  virtual_ipaddress {
    2001:db8:25::100/64
    fe80::100
  }
}
`;

const USER_LINE = "Script user 'keepalived_script' does not exist";

interface DumpRun {
  /** "Script user" lines logged within 450 ms of each SIGUSR1 (three: before, again, after a reload). */
  userOnSignal: number[];
  modes: Record<string, string>;
  modesAfterChmod: Record<string, string>;
  reloadAt: number;
  /** Per instance after the reload: state, last transition (epoch ms), master down timer (usecs). */
  instances: { name: string; state: string; lastTransition: number; downTimer: number }[];
  log: string[];
  /** Epoch ms: SIGTERM sent, the daemon gone, the notify_stop's TERM, its background child's TERM. */
  termAt: number;
  exitAt: number;
  notifyTerm?: number;
  childTerm?: number;
  notifyAliveAfterExit: boolean;
}

async function dumpRun(kind: Daemon): Promise<DumpRun> {
  const lab = made.lab();
  const dir = scratch();
  writeFileSync(join(dir, 'stop.sh'), STOP_SCRIPT(dir));
  chmodSync(join(dir, 'stop.sh'), 0o755);
  const conf = join(dir, 'k.conf');
  writeFileSync(conf, DUMP_CONF(dir, 1));
  const r = start(lab, kind, conf, dir);
  expect(await waitFor(() => logged(r, /\(VI_6\) Entering MASTER STATE/), 15_000), kind).toBeGreaterThanOrEqual(0);
  await sleep(500);
  const tmp = (file: string) => `/proc/${r.vrrpPid()}/root/tmp/${file}`;
  const mode = (file: string) => (existsSync(tmp(file)) ? (statSync(tmp(file)).mode & 0o777).toString(8) : 'missing');
  const signalled: number[] = [];
  signalled.push(Date.now());
  process.kill(r.pid, 'SIGUSR1');
  await sleep(500);
  process.kill(r.pid, 'SIGUSR2');
  await sleep(500);
  const modes = { data: mode('keepalived.data'), stats: mode('keepalived.stats') };
  for (const file of ['keepalived.data', 'keepalived.stats']) chmodSync(tmp(file), 0o644);
  process.kill(r.pid, 'SIGUSR2');
  signalled.push(Date.now());
  process.kill(r.pid, 'SIGUSR1');
  await sleep(500);
  const modesAfterChmod = { data: mode('keepalived.data'), stats: mode('keepalived.stats') };
  writeFileSync(conf, DUMP_CONF(dir, 2));
  const reloadAt = Date.now();
  process.kill(r.pid, 'SIGHUP');
  await waitFor(() => logged(r, /^Reload complete/), 5000);
  await sleep(2500);
  signalled.push(Date.now());
  process.kill(r.pid, 'SIGUSR1');
  await waitFor(() => r.lines.filter((l) => /^Printing VRRP data/.test(l.text)).length >= 3, 5000);
  await sleep(500);
  const data = readFileSync(tmp('keepalived.data'), 'utf8');
  const instances = data.split(' VRRP Instance = ').slice(1).map((block) => ({
    name: block.split('\n')[0].trim(),
    state: /\n {3}State = (\S+)/.exec(block)?.[1] ?? '',
    lastTransition: Number(/Last transition = ([\d.]+)/.exec(block)?.[1]) * 1000,
    downTimer: Number(/Master down timer = (\d+) usecs/.exec(block)?.[1]),
  }));
  await sleep(300);
  const termAt = Date.now();
  process.kill(r.pid, 'SIGTERM');
  await r.exited;
  const exitAt = Date.now();
  await sleep(800);
  const stopLog = existsSync(join(dir, 'stop.log')) ? readFileSync(join(dir, 'stop.log'), 'utf8') : '';
  const notifyPid = Number(/^start (\d+)/m.exec(stopLog)?.[1]);
  let notifyAliveAfterExit = false;
  if (notifyPid > 0) {
    leftovers.add(notifyPid);
    try {
      process.kill(notifyPid, 0);
      notifyAliveAfterExit = true;
    } catch { /* gone */ }
  }
  const stamp = (word: string) => {
    const m = new RegExp(`^${word} (\\d+)`, 'm').exec(stopLog);
    return m ? Number(m[1]) : undefined;
  };
  const userOnSignal = signalled.map((t) => r.lines.filter((l) => l.at >= t && l.at < t + 450 && l.text === USER_LINE).length);
  return {
    userOnSignal, modes, modesAfterChmod, reloadAt, instances, log: texts(r).map((l) => l.split(dir).join('DIR')), termAt, exitAt,
    notifyTerm: stamp('term'), childTerm: stamp('child-term'), notifyAliveAfterExit,
  };
}

describe('issue 22, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('writes the dumps mode 0600, resets every transition time and a MASTER\'s down timer on reload, logs keepalived\'s start, reload and SIGUSR1 lines, and SIGTERMs a notify_stop still running when it exits', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const [k, v] = await Promise.all(KINDS.map(dumpRun));
    for (const [kind, run] of [['keepalived', k], ['vrrplab', v]] as const) {
      process.stderr.write(`runtime lab: issue 22 ${kind}: modes ${JSON.stringify(run.modes)} after chmod 644 ${JSON.stringify(run.modesAfterChmod)}; after reload ${JSON.stringify(run.instances.map((i) => [i.name, i.state, (i.lastTransition - run.reloadAt).toFixed(0), i.downTimer]))}; exit ${run.exitAt - run.termAt} ms, notify TERM ${run.notifyTerm === undefined ? 'none' : run.notifyTerm - run.termAt} ms, its child ${run.childTerm === undefined ? 'none' : run.childTerm - run.termAt}\n`);
      // Dumps: 0600, also over a file made 0644 (the data dump holds the auth_pass).
      expect(run.modes, kind).toEqual({ data: '600', stats: '600' });
      expect(run.modesAfterChmod, kind).toEqual({ data: '600', stats: '600' });
      // After the reload every instance's last transition is the reload time; a MASTER's down timer 0.
      expect(run.instances.map((i) => i.name), kind).toEqual(['VI_1', 'VI_2', 'VI_6']);
      for (const i of run.instances) {
        expect(i.state, `${kind} ${i.name}`).toBe('MASTER');
        expect(Math.abs(i.lastTransition - run.reloadAt), `${kind} ${i.name} last transition`).toBeLessThan(300);
        expect(i.downTimer, `${kind} ${i.name} down timer`).toBe(0);
      }
      // The notify_stop gets SIGTERM as the daemon exits, about 1 s after SIGTERM; its background
      // child gets nothing (PID, not group), and it is not killed (it traps TERM and lives on).
      expect(run.exitAt - run.termAt, kind).toBeGreaterThan(900);
      expect(run.notifyTerm, kind).toBeDefined();
      expect(run.notifyTerm! - run.termAt, kind).toBeGreaterThan(900);
      expect(run.notifyTerm! - run.exitAt, kind).toBeLessThan(400);
      expect(run.childTerm, kind).toBeUndefined();
      expect(run.notifyAliveAfterExit, kind).toBe(true);
    }
    // The log lines issue 22 found missing or extra, where keepalived puts them.
    const around = (log: string[], line: string) => [log[log.indexOf(line) - 1], line];
    const notice = 'NOTICE: setting config option max_auto_priority should result in better keepalived performance';
    const user = USER_LINE;
    const linkLocal = '(VI_6) the first IPv6 VIP address should be link local';
    for (const [kind, log] of [['keepalived', k.log], ['vrrplab', v.log]] as const) {
      expect(log.filter((l) => l === notice), kind).toHaveLength(1);
      expect(log.indexOf(notice), kind).toBeGreaterThan(log.findIndex((l) => l.startsWith('Configuration file')));
      // At start (the config has scripts), after "Reloading", and at the first SIGUSR1 after each.
      expect(log.filter((l) => l === user), kind).toHaveLength(4);
      expect(log[log.indexOf('Reloading') + 1], kind).toBe(user);
      expect(log.filter((l) => l === linkLocal), kind).toHaveLength(2);
      expect(around(log, linkLocal)[0], kind).toMatch(/^Assigned address fe80::/);
      expect(log.filter((l) => /^Printing VRRP (data|stats) for process\(\d+\) on signal$/.test(l)), kind).toHaveLength(5);
      expect(log.some((l) => / to \/tmp\/|vrrplab resources/.test(l)), kind).toBe(false);
    }
    // The user line at the first SIGUSR1, none at the second, one after the reload (the config has scripts).
    expect(k.userOnSignal).toEqual([1, 0, 1]);
    expect(v.userOnSignal).toEqual(k.userOnSignal);
  }, 90_000);
});

const HANG_CONF = (dir: string) => `global_defs {
  router_id lab1
  script_user root
  enable_script_security
}
vrrp_script chk_hang {
  script "${dir}/hang.sh"
  interval 1
  timeout 2
  fall 2
  weight -20
}
vrrp_instance VI_1 {
  interface eth0
  state MASTER
  priority 150
  virtual_router_id 51
  advert_int 1
  virtual_ipaddress {
    172.16.25.100
  }
  track_script {
    chk_hang
  }
}
`;

/** Succeeds until DIR/hang exists, then hangs and ignores SIGTERM (so does its sleep). */
const HANG_SCRIPT = (dir: string) => `#!/bin/bash
echo "start $$ $(date +%s%3N)" >> ${dir}/runs.log
[ -e ${dir}/hang ] || exit 0
trap '' TERM
sleep 100 & wait
`;

interface HangRun {
  hungAt: number;
  /** Start times (epoch ms) of the runs from the first hung one on, while hanging. */
  starts: number[];
  /** How many runs were alive at once, at most (ps every 200 ms). */
  maxAlive: number;
  /** How long each hung run lived, seen by ps (ms). */
  lifetimes: number[];
  skipLines: string[];
  dropAt?: number;
  droppedLine?: string;
}

async function hangRun(kind: Daemon): Promise<HangRun> {
  const lab = made.lab();
  const dir = scratch();
  writeFileSync(join(dir, 'hang.sh'), HANG_SCRIPT(dir));
  chmodSync(join(dir, 'hang.sh'), 0o755);
  const conf = join(dir, 'k.conf');
  writeFileSync(conf, HANG_CONF(dir));
  const r = start(lab, kind, conf, dir);
  expect(await waitFor(() => logged(r, /\(VI_1\) Entering MASTER STATE/), 15_000), kind).toBeGreaterThanOrEqual(0);
  await sleep(1200);
  writeFileSync(join(dir, 'hang'), '');
  const hangFrom = Date.now();
  const seen = new Map<number, [number, number]>();
  let maxAlive = 0;
  const { execFileSync } = await import('node:child_process');
  while (Date.now() - hangFrom < 12_000) {
    const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    const now = Date.now();
    const alive = out.split('\n').filter((l) => l.includes(`${dir}/hang.sh`)).map((l) => Number(l.trim().split(/\s+/)[0]));
    maxAlive = Math.max(maxAlive, alive.length);
    for (const pid of alive) {
      leftovers.add(pid);
      const span = seen.get(pid);
      if (span) span[1] = now;
      else seen.set(pid, [now, now]);
    }
    await sleep(200);
  }
  const runs = [...readFileSync(join(dir, 'runs.log'), 'utf8').matchAll(/^start (\d+) (\d+)$/gm)].map((m) => ({ pid: Number(m[1]), at: Number(m[2]) }));
  for (const run of runs) leftovers.add(run.pid);
  const hung = runs.filter((run) => run.at > hangFrom);
  const hungAt = hung[0]?.at ?? NaN;
  const drop = r.lines.find((l) => /^\(VI_1\) Changing effective priority from 150 to 130$/.test(l.text));
  const lines = texts(r);
  process.kill(r.pid, 'SIGTERM');
  await r.exited;
  // Lifetimes of runs seen start and end inside the window (not the last ones, still alive).
  const lifetimes = [...seen.entries()].filter(([, [first, last]]) => first > hangFrom + 100 && last < hangFrom + 11_500).map(([, [first, last]]) => last - first);
  return {
    hungAt,
    starts: hung.map((run) => run.at),
    maxAlive,
    lifetimes,
    skipLines: lines.filter((l) => /^Track script chk_hang is/.test(l)),
    dropAt: drop?.at,
    droppedLine: lines.find((l) => /^VRRP_Script\(chk_hang\) (timed_out|failed)/.test(l)),
  };
}

describe('a hung track script, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('starts a run every interval while earlier runs hang, kills each at timeout + 2 s, logs the skip line as keepalived does and drops the priority as soon', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const [k, v] = await Promise.all(KINDS.map(hangRun));
    for (const [kind, run] of [['keepalived', k], ['vrrplab', v]] as const) {
      const gaps = run.starts.slice(1).map((t, i) => t - run.starts[i]);
      process.stderr.write(`runtime lab: hung script ${kind}: ${run.starts.length} runs in 12 s, gaps ${Math.min(...gaps)}-${Math.max(...gaps)} ms, ${run.maxAlive} alive at most, lifetimes ${Math.min(...run.lifetimes)}-${Math.max(...run.lifetimes)} ms, ${run.skipLines.length} skip lines, drop ${run.dropAt === undefined ? 'none' : run.dropAt - run.hungAt} ms after the first hung run\n`);
      // A run every second, hung or not: 11-13 in the 12 s.
      expect(run.starts.length, kind).toBeGreaterThanOrEqual(11);
      for (const gap of gaps) expect(Math.abs(gap - 1000), `${kind} run gap`).toBeLessThan(150);
      // Each lives timeout (2 s) + 2 s: TERM ignored, then SIGKILL; so 4 are alive at once.
      expect(run.maxAlive, kind).toBeGreaterThanOrEqual(3);
      expect(run.maxAlive, kind).toBeLessThanOrEqual(7);
      // Typically 4 s each. keepalived's own timers race here (a run's re-armed kill timer falls due
      // 2 s after its TERM, within a few ms of the next run's first timeout, and the state they share
      // decides who gets which signal): under CI load one keepalived run lived 5.8 s. So the typical
      // run is held to 4 s, and every run to being killed well before its sleep (100 s) ends.
      const lifetimes = [...run.lifetimes].sort((a, b) => a - b);
      const median = lifetimes[Math.floor(lifetimes.length / 2)];
      expect(median, `${kind} median run lifetime`).toBeGreaterThan(3300);
      expect(median, `${kind} median run lifetime`).toBeLessThan(4600);
      for (const life of lifetimes) expect(life, `${kind} run lifetime`).toBeLessThan(11_000);
      // timed_out, or "failed (due to signal 9)" for a run SIGKILLed while the shared state said
      // idle (keepalived, under load: the race above).
      expect(run.droppedLine, kind).toMatch(/^VRRP_Script\(chk_hang\) (timed_out|failed \(due to signal 9\))$/);
      // The second killed run (fall 2) is the drop.
      expect(run.dropAt, kind).toBeDefined();
      // Typically 5 s; when the shared state's race above goes the other way (a run SIGKILLed at its
      // first timeout) the second timed-out run, and the drop, come a second sooner: 4 s. Both
      // daemons have been seen to take either side under load.
      expect(run.dropAt! - run.hungAt, kind).toBeGreaterThan(3600);
      expect(run.dropAt! - run.hungAt, kind).toBeLessThan(5400);
    }
    // One skip line per tick while an earlier run is alive and the shared state is not idle:
    // typically two "already running" then two "being timed out" (RRTT); which tick sees which
    // state is keepalived's own race, and beside other work on two cores it logged RTRT, RRTTR,
    // RRRTRR. vrrplab, before it kept keepalived's shared state, logged it 24 times.
    for (const [kind, run] of [['keepalived', k], ['vrrplab', v]] as const) {
      for (const line of run.skipLines) expect(line, kind).toMatch(/^Track script chk_hang is (already running|being timed out), expect idle - skipping run$/);
      expect(run.skipLines.length, kind).toBeGreaterThanOrEqual(2);
      expect(run.skipLines.length, kind).toBeLessThanOrEqual(7);
    }
  }, 90_000);
});

const PLAIN_CONF = (iface: string) => `vrrp_instance VI_1 {
  interface ${iface}
  state BACKUP
  priority 150
  virtual_router_id 51
  advert_int 1
  track_interface {
    ${iface}
  }
  virtual_ipaddress {
    172.16.25.100/16 dev ${iface}
  }
}
`;

/** The daemon's lines from its config line on, without what cannot be the same (README). */
function comparable(r: Run, dir: string): string[] {
  const log = texts(r).map((l) => l.split(dir).join('DIR'));
  return log.slice(log.findIndex((l) => l.startsWith('Configuration file')) + 1)
    .filter((l) => !/^(Starting VRRP child process|pid \d+ exited with permanent error|Stopped (Keepalived|vrrplab)|Assigned address|Startup complete)/.test(l))
    .map((l) => l.replace(/[\d.]+(\/[\d.]+)? (user|system) time/g, 'T $2 time').replace(/user: \S+ system: \S+$/, 'user: T system: T').replace(/fd\(\d+,\d+\)/, 'fd(N,N)'));
}

describe('start and stop lines, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('refuses an interface named by its altname as keepalived does: the same warnings, no start, exit status 2', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const results = await Promise.all(KINDS.map(async (kind) => {
      const lab = made.lab();
      const dir = scratch();
      lab.exec(0, ['ip', 'link', 'property', 'add', 'dev', 'eth0', 'altname', 'lanport0']);
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, PLAIN_CONF('lanport0'));
      const r = start(lab, kind, conf, dir);
      const status = await Promise.race([r.exited, sleep(8000).then(() => 'running' as const)]);
      return { kind, status, lines: comparable(r, dir) };
    }));
    const [k, v] = results;
    process.stderr.write(`runtime lab: altname: keepalived exit ${k.status}, vrrplab exit ${v.status}\n`);
    expect(k.status).toBe(2);
    expect(v.status).toBe(2);
    expect(k.lines).toContain("(DIR/k.conf: Line 2) WARNING - interface lanport0 for vrrp_instance VI_1 doesn't exist");
    expect(v.lines).toEqual(k.lines);
  }, 30_000);

  it('stops with keepalived\'s lines: "Stopped - used" without children\'s time when no script ran, and only "Stopped" without -D', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const runs = await Promise.all(KINDS.flatMap((kind) => [true, false].map(async (detail) => {
      const lab = made.lab();
      const dir = scratch();
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, PLAIN_CONF('eth0'));
      const r = start(lab, kind, conf, dir, detail);
      expect(await waitFor(() => logged(r, /\(VI_1\) Entering BACKUP STATE \(init\)/), 10_000), kind).toBeGreaterThanOrEqual(0);
      await sleep(500);
      process.kill(r.pid, 'SIGTERM');
      await r.exited;
      const lines = comparable(r, dir);
      return { kind, detail, stop: lines.slice(lines.indexOf('Stopping')) };
    })));
    const of = (kind: Daemon, detail: boolean) => runs.find((r) => r.kind === kind && r.detail === detail)!.stop;
    expect(of('keepalived', true)).toEqual(['Stopping', 'Stopped - used T user time, T system time', 'CPU usage (self/children) user: T system: T']);
    expect(of('keepalived', false)).toEqual(['Stopping', 'Stopped']);
    expect(of('vrrplab', true)).toEqual(of('keepalived', true));
    expect(of('vrrplab', false)).toEqual(of('keepalived', false));
  }, 40_000);

  it('logs a config\'s problems where keepalived does: global_defs\' by the parent and, on reload, the child; the rest after "Script user"; SECURITY VIOLATION last', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const runs = await Promise.all(KINDS.map(async (kind) => {
      const lab = made.lab();
      const dir = scratch();
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, BAD_CONF);
      const r = start(lab, kind, conf, dir);
      // The tracked script holds the instance in init until its first result: no "(init)" here.
      expect(await waitFor(() => logged(r, /\(VI_1\) Entering BACKUP STATE/), 10_000), kind).toBeGreaterThanOrEqual(0);
      process.kill(r.pid, 'SIGHUP');
      expect(await waitFor(() => logged(r, /^Reload complete/), 5000), kind).toBeGreaterThanOrEqual(0);
      process.kill(r.pid, 'SIGTERM');
      await r.exited;
      const log = texts(r).map((l) => l.split(dir).join('DIR')).filter((l) => !/^Starting VRRP child process/.test(l));
      const upTo = (from: number) => log.slice(from, log.findIndex((l, i) => i > from && l.startsWith('Assigned address')));
      return { start: upTo(log.findIndex((l) => l.startsWith('Configuration file'))), reload: upTo(log.indexOf('Reloading ...')) };
    }));
    const [k, v] = runs;
    expect(k.start).toEqual([
      'Configuration file DIR/k.conf',
      "(Line 3) Unknown keyword 'bogus_global'",
      'NOTICE: setting config option max_auto_priority should result in better keepalived performance',
      'Registering Kernel netlink reflector',
      'Registering Kernel netlink command channel',
      "Script user 'keepalived_script' does not exist",
      "(DIR/k.conf: Line 14) Unknown keyword 'bogus_keyword'",
      'SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
    ]);
    expect(v.start).toEqual(k.start);
    expect(k.reload.slice(0, 8)).toEqual([
      'Reloading ...',
      "Opening file 'DIR/k.conf'.",
      'Configuration file DIR/k.conf',
      "(Line 3) Unknown keyword 'bogus_global'",
      'Reloading',
      "(DIR/k.conf: Line 3) Unknown keyword 'bogus_global'",
      "Script user 'keepalived_script' does not exist",
      "(DIR/k.conf: Line 14) Unknown keyword 'bogus_keyword'",
    ]);
    expect(v.reload).toEqual(k.reload);
  }, 40_000);
});

const V6_CONF = `vrrp_instance VI_6 {
  interface eth0
  state BACKUP
  version 3
  priority 100
  virtual_router_id 66
  advert_int 1
  virtual_ipaddress {
    fe80::100
    2001:db8:25::100/64
  }
}
`;

describe('an IPv6-only config, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('registers only the NDISC channel, with and without -D, as keepalived does', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const runs = await Promise.all(KINDS.flatMap((kind) => [true, false].map(async (detail) => {
      const lab = made.lab();
      const dir = scratch();
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, V6_CONF);
      const r = start(lab, kind, conf, dir, detail);
      expect(await waitFor(() => logged(r, /\(VI_6\) Entering BACKUP STATE \(init\)/), 10_000), kind).toBeGreaterThanOrEqual(0);
      await sleep(300);
      process.kill(r.pid, 'SIGTERM');
      await r.exited;
      const lines = comparable(r, dir);
      return { kind, detail, start: lines.slice(0, lines.indexOf('(VI_6) Entering BACKUP STATE (init)')).filter((l) => !/removing VIPs/.test(l)) };
    })));
    const of = (kind: Daemon, detail: boolean) => runs.find((r) => r.kind === kind && r.detail === detail)!.start;
    expect(of('keepalived', true)).toContain('Registering gratuitous NDISC shared channel');
    expect(of('keepalived', true)).not.toContain('Registering gratuitous ARP shared channel');
    expect(of('vrrplab', true)).toEqual(of('keepalived', true));
    expect(of('vrrplab', false)).toEqual(of('keepalived', false));
  }, 40_000);
});

const TWO_FAMILIES_CONF = `vrrp_instance VI_4 {
  interface eth0
  state BACKUP
  priority 100
  virtual_router_id 44
  advert_int 1
  virtual_ipaddress {
    172.16.25.100
    172.16.25.101
  }
}
${V6_CONF}`;

describe('takeover lines with -D, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('logs each VIP\'s "Sending/queueing" line before its first frame, and a second takeover after the first\'s frames', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const runs = await Promise.all(KINDS.map(async (kind) => {
      const lab = made.lab();
      const dir = scratch();
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, TWO_FAMILIES_CONF);
      const r = start(lab, kind, conf, dir);
      expect(await waitFor(() => logged(r, /\(VI_6\) Entering MASTER STATE/), 10_000), kind).toBeGreaterThanOrEqual(0);
      await sleep(500);
      process.kill(r.pid, 'SIGTERM');
      await r.exited;
      const log = texts(r);
      return log.slice(log.findIndex((l) => / Entering MASTER STATE$/.test(l)), log.indexOf('Stopping'));
    }));
    const [k, v] = runs;
    // keepalived's order (both time out together; VI_4 first, as configured).
    expect(k.slice(0, 6)).toEqual([
      '(VI_4) Entering MASTER STATE',
      '(VI_4) setting VIPs.',
      '(VI_4) Sending/queueing gratuitous ARPs on eth0 for 172.16.25.100',
      'Sending gratuitous ARP on eth0 for 172.16.25.100',
      '(VI_4) Sending/queueing gratuitous ARPs on eth0 for 172.16.25.101',
      'Sending gratuitous ARP on eth0 for 172.16.25.101',
    ]);
    expect(v).toEqual(k);
  }, 40_000);
});

const BAD_CONF = `global_defs {
  router_id lab1
  bogus_global 1
}
vrrp_script chk_ok {
  script "/bin/true"
  interval 1
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority 150
  virtual_router_id 51
  bogus_keyword 3
  advert_int 1
  virtual_ipaddress {
    172.16.25.100
  }
  track_script {
    chk_ok
  }
}
`;

describe('an interface\'s addresses changing, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('waits in FAULT for an address, comes up as BACKUP when one is added, steps down when its VIP is removed by hand, and goes to FAULT when the address goes, as keepalived does', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const STATES = /^(\(VI_1\) (Entering|entering|sent 0|removing)|Assigned address 172|Deassigned address|Netlink reflector reports IP)/;
    const runs = await Promise.all(KINDS.map(async (kind) => {
      const lab = made.lab();
      const dir = scratch();
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, PLAIN_CONF('eth0'));
      lab.exec(0, ['ip', 'addr', 'del', '172.16.25.1/16', 'dev', 'eth0']);
      const r = start(lab, kind, conf, dir);
      expect(await waitFor(() => logged(r, /no IPv4 address for interface/), 10_000), kind).toBeGreaterThanOrEqual(0);
      await sleep(1000);
      const addedAt = Date.now();
      lab.exec(0, ['ip', 'addr', 'add', '172.16.25.1/16', 'dev', 'eth0']);
      expect(await waitFor(() => logged(r, /^\(VI_1\) Entering MASTER STATE/), 8000), kind).toBeGreaterThanOrEqual(0);
      const masterAfter = r.lines.find((l) => /^\(VI_1\) Entering MASTER STATE/.test(l.text))!.at - addedAt;
      await sleep(500);
      // The VIP removed by hand: BACKUP with a down timer of the skew only, then MASTER again.
      const removedAt = Date.now();
      lab.exec(0, ['ip', 'addr', 'del', '172.16.25.100/16', 'dev', 'eth0']);
      expect(await waitFor(() => r.lines.filter((l) => /^\(VI_1\) Entering MASTER STATE/.test(l.text)).length === 2, 4000), kind).toBeGreaterThanOrEqual(0);
      const backAfter = r.lines.filter((l) => /^\(VI_1\) Entering MASTER STATE/.test(l.text))[1].at - removedAt;
      await sleep(500);
      // The primary address removed (the kernel removes the VIP of its subnet with it).
      lab.exec(0, ['ip', 'addr', 'del', '172.16.25.1/16', 'dev', 'eth0']);
      expect(await waitFor(() => logged(r, /^\(VI_1\) Entering FAULT STATE/), 4000), kind).toBeGreaterThanOrEqual(0);
      await sleep(300);
      process.kill(r.pid, 'SIGTERM');
      await r.exited;
      return { kind, masterAfter, backAfter, lines: texts(r).filter((l) => STATES.test(l)) };
    }));
    const [k, v] = runs;
    process.stderr.write(`runtime lab: address added after start: MASTER after keepalived ${k.masterAfter} ms, vrrplab ${v.masterAfter} ms; VIP removed by hand: MASTER again after keepalived ${k.backAfter} ms, vrrplab ${v.backAfter} ms\n`);
    expect(k.lines).toEqual([
      '(VI_1) entering FAULT state (no IPv4 address for interface)',
      '(VI_1) entering FAULT state',
      '(VI_1) removing VIPs.',
      'Assigned address 172.16.25.1 for interface eth0',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) Entering MASTER STATE',
      'Netlink reflector reports IP 172.16.25.100 removed from eth0',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) sent 0 priority',
      '(VI_1) removing VIPs.',
      '(VI_1) Entering MASTER STATE',
      'Netlink reflector reports IP 172.16.25.100 removed from eth0',
      '(VI_1) Entering BACKUP STATE',
      '(VI_1) sent 0 priority',
      '(VI_1) removing VIPs.',
      'Deassigned address 172.16.25.1 from interface eth0',
      '(VI_1) Entering FAULT STATE',
    ]);
    expect(v.lines).toEqual(k.lines);
    for (const run of runs) {
      // Master_Down_Interval of priority 150 at advert_int 1: 3.41 s.
      expect(Math.abs(run.masterAfter - 3414), run.kind).toBeLessThan(300);
      // The skew only: 0.41 s.
      expect(Math.abs(run.backAfter - 414), run.kind).toBeLessThan(250);
    }
  }, 40_000);
});

const NO_ACCEPT_CONF = `vrrp_instance VI_1 {
  interface eth0
  state MASTER
  priority 150
  virtual_router_id 51
  version 3
  advert_int 1
  no_accept
  virtual_ipaddress {
    172.16.25.100/16
  }
}
vrrp_instance VI_2 {
  interface eth0
  state MASTER
  priority 150
  virtual_router_id 52
  version 3
  advert_int 1
  virtual_ipaddress {
    172.16.25.110/16
  }
}
`;

describe('accept mode off, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('drops packets to a no_accept MASTER\'s VIP with keepalived\'s nftables tables, answers the other VIP, and removes the tables when it stops', async (ctx) => {
    requireLab(ctx, ['keepalived', 'ping']);
    const runs = await Promise.all(KINDS.map(async (kind) => {
      const lab = made.lab();
      const dir = scratch();
      const conf = join(dir, 'k.conf');
      writeFileSync(conf, NO_ACCEPT_CONF);
      const r = start(lab, kind, conf, dir);
      expect(await waitFor(() => r.lines.filter((l) => /Entering MASTER STATE/.test(l.text)).length === 2, 10_000), kind).toBeGreaterThanOrEqual(0);
      await sleep(300);
      const answered = (vip: string) => {
        try {
          lab.exec(1, ['ping', '-c', '1', '-W', '1', vip], { timeoutMs: 3000 });
          return true;
        } catch {
          return false;
        }
      };
      const ruleset = lab.exec(0, ['nft', 'list', 'ruleset']);
      const pings = { noAccept: answered('172.16.25.100'), accept: answered('172.16.25.110') };
      process.kill(r.pid, 'SIGTERM');
      await r.exited;
      return { kind, ruleset, pings, after: lab.exec(0, ['nft', 'list', 'ruleset']), lines: texts(r).filter((l) => /firewall drop rule/.test(l)) };
    }));
    const [k, v] = runs;
    process.stderr.write(`runtime lab: no_accept: keepalived pings ${JSON.stringify(k.pings)}, vrrplab ${JSON.stringify(v.pings)}\n`);
    expect(k.pings).toEqual({ noAccept: false, accept: true });
    expect(v.pings).toEqual(k.pings);
    expect(k.ruleset).toContain('elements = { 172.16.25.100 }');
    expect(v.ruleset).toBe(k.ruleset);
    expect(k.after.trim()).toBe('');
    expect(v.after.trim()).toBe('');
    expect(k.lines).toEqual(['(VI_1) removing firewall drop rule', '(VI_1) setting firewall drop rule', '(VI_1) removing firewall drop rule']);
    expect(v.lines).toEqual(k.lines);
  }, 40_000);
});

const SENDER = join(ROOT, 'test/lab/fixtures/steady-sender.mjs');

/**
 * A lower-priority advertiser and a MASTER, as tcpdump saw them: from each of its packets to the
 * master's next advert after the answer (s), and the master's adverts that answered nothing.
 */
interface AnswerRun {
  kind: Daemon;
  /** The slow phase: each packet's next regular advert, s after the packet. */
  rearm: number[];
  /** Adverts more than 15 ms after the last packet: s after it (fast phase included). */
  unanswered: number[];
  /** How many adverts the master sent within 15 ms after each packet (its answer: one). */
  answers: number[];
  senderPackets: number;
}

const ANSWER_CONF = `vrrp_instance VI_1 {
  interface eth0
  state MASTER
  priority 150
  virtual_router_id 51
  advert_int 1
  virtual_ipaddress {
    172.16.25.100/16
  }
}
`;

async function answerRun(kind: Daemon): Promise<AnswerRun> {
  const lab = made.lab();
  const dir = scratch();
  const conf = join(dir, 'k.conf');
  writeFileSync(conf, ANSWER_CONF);
  const pcap = join(dir, 'vrrp.pcap');
  const dump = lab.spawn(0, ['tcpdump', '-i', 'eth0', '-n', '-U', '--time-stamp-precision=micro', '-w', pcap, 'ip', 'proto', '112']);
  const r = start(lab, kind, conf, dir, false);
  expect(await waitFor(() => logged(r, /\(VI_1\) Entering MASTER STATE/), 10_000), kind).toBeGreaterThanOrEqual(0);
  await sleep(300);
  const spec = JSON.stringify({ src: lab.hosts[1].address, vrid: 51, priority: 100, password: '', advertIntervalMs: 1000, addresses: ['172.16.25.100'] });
  // Spawned, not run synchronously: the other daemon's lab runs meanwhile.
  const send = async (period: string, count: string) => expect(await exited(lab.spawn(1, ['node', SENDER, join(ROOT, 'dist'), 'eth0', spec, period, count])), kind).toBe(0);
  // 1.3 s apart: the master's regular advert after each answer shows where its timer restarted.
  await send('1300', '3');
  // Then 1.0007 s apart, just under the master's next advert after each answer.
  await send('1000.7', '4');
  await sleep(600);
  process.kill(r.pid, 'SIGTERM');
  await r.exited;
  process.kill(dump.pid!, 'SIGINT');
  await exited(dump);
  const master = frameTimes(pcap, `ip.src == ${lab.hosts[0].address} && vrrp && vrrp.prio != 0`);
  const sender = frameTimes(pcap, `ip.src == ${lab.hosts[1].address} && vrrp`);
  const rearm = sender.slice(0, 2).map((p) => {
    const answer = master.find((m) => m >= p)!;
    return (master.find((m) => m > answer + 0.05) ?? NaN) - p;
  });
  const during = master.filter((m) => m >= sender[0]);
  const unanswered = during.map((m) => m - sender.filter((p) => p <= m).at(-1)!).filter((gap) => gap > 0.015);
  if (process.env.ANSWER_DEBUG) process.stderr.write(`${kind} master ${JSON.stringify(master.map((m) => +(m - sender[0]).toFixed(4)))} sender ${JSON.stringify(sender.map((m) => +(m - sender[0]).toFixed(4)))}\n`);
  const answers = sender.map((p) => master.filter((m) => m >= p && m - p <= 0.015).length);
  return { kind, rearm, unanswered, answers, senderPackets: sender.length };
}

describe('a MASTER answering a lower-priority advert, vrrplab against keepalived 2.2.7 in the same run', () => {
  it('counts its next advert from its answer, not from the packet it answers, and sends none while the next packet comes first', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const runs = await Promise.all(KINDS.map(answerRun));
    for (const run of runs) {
      process.stderr.write(`runtime lab: lower-priority adverts, ${run.kind}: next regular advert ${run.rearm.map((g) => g.toFixed(4)).join(', ')} s after the packet; adverts within 15 ms of each packet ${run.answers.join(' ')}; others ${run.unanswered.map((g) => g.toFixed(4)).join(', ')} s after the last packet\n`);
    }
    for (const run of runs) {
      expect(run.senderPackets, run.kind).toBe(7);
      // keepalived: 1.0008-1.0027 s in issue 22, 1.0007-1.0076 here; vrrplab was 1.0000 to the microsecond.
      expect(run.rearm, run.kind).toHaveLength(2);
      for (const gap of run.rearm) {
        expect(gap, run.kind).toBeGreaterThan(1.0002);
        expect(gap, run.kind).toBeLessThan(1.02);
      }
      // Every other advert answers a packet, or comes after its timer ran out: never in the
      // moments before a packet due 1.0007 s after the last (vrrplab sent 9 adverts in 4 s there,
      // keepalived 4: one per packet).
      for (const gap of run.unanswered) expect(gap, run.kind).toBeGreaterThan(1.0002);
      // One advert per packet, its answer. A regular advert the packet arrives less than ~0.3 ms
      // before can still leave with it in vrrplab (the sender thread holds it in its last 150 us,
      // or the loop reads the packet late; keepalived reads the packet first however late it
      // wakes): at most once here, where the sender's own jitter (1-2 ms) puts a packet there.
      expect(run.answers.every((n) => n >= 1), run.kind).toBe(true);
      expect(run.answers.filter((n) => n > 1).length, run.kind).toBeLessThanOrEqual(run.kind === 'keepalived' ? 0 : 1);
    }
  }, 30_000);
});
