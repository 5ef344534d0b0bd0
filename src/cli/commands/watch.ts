import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { openCaptureFrames } from '../../capture/reader.js';
import { PcapStream } from '../../capture/stream.js';
import { jsonLine, summary, textLine, view } from '../../watch/format.js';
import { watchInterface, type LiveWatch } from '../../watch/live.js';
import { Watcher, type WatchEvent } from '../../watch/watcher.js';
import { progressReporter } from '../progress.js';
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig, onHostDisk } from '../../config/load.js';
import { expectedFromHosts, type Expected } from '../../watch/expected.js';
import { parseHostSpecs } from '../hosts.js';
import { parseKeyOption } from './decode.js';
import { parseListen } from '../../metrics/listen.js';

interface WatchFlags {
  read?: string;
  interface?: string;
  json?: boolean;
  duration?: number;
  key?: string[];
  host?: string[];
  listen?: string;
}

/** The terminal view is redrawn at most this often. */
const REDRAW_MS = 250;

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'the LAN as it is now: master per VRID, its priority, interval and backups, and alerts (two-masters, vrid-conflict, master-silent, flapping, ' +
        'priority-drop, no-garp, forged, replayed; with --host: host-silent, unexpected-master, config) from a live interface ' +
        '(passive: it never sends) or a capture; --listen serves it to Prometheus',
    )
    .option('-i, --interface <IFACE>', 'watch this interface live (needs root: a receive-only packet socket)')
    .option('-r, --read <FILE>', "a pcap/pcapng capture file, or '-' for a pcap stream on stdin (tcpdump -w - | vrrplab watch -r -)")
    .option('--json', 'JSON lines: one per master change and per alert raised or cleared, a summary last')
    .option('--duration <D>', 'stop after this long (10, 10s, 2m, 500ms); live only', parseDuration)
    .option('--key <ID=KEY>', "an auth_hmac key (keepalived 2.4) to verify trailers and follow their sequence with: ID=hex:…, ID=file:PATH or ID=text (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--host <NAME=DIR>', "a host's configuration (DIR/etc/keepalived/keepalived.conf, as check reads it): which host should be master, and check's findings as alerts (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option('--listen <ADDR:PORT>', 'live only: serve the VRIDs, counters and alerts as Prometheus metrics on http://ADDR:PORT/metrics ([IPV6]:PORT, :PORT for every address)')
    .action(runWatch);
}

export function parseDuration(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (m === null) throw new Error(`--duration: '${text}' is not a duration (10, 10s, 2m, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

const DEFAULT_CONF = '/etc/keepalived/keepalived.conf';

/** The --host configs read as check reads them (keepalived 2.2.7), or the usage error. */
function loadHosts(specs: readonly string[]): Expected | string {
  const parsed = parseHostSpecs(specs);
  if (!parsed.ok) return parsed.error;
  const hosts = [];
  for (const { name, root } of parsed.hosts) {
    const file = onHostDisk(root, DEFAULT_CONF);
    if (!existsSync(file)) return `--host ${name}: ${file}: no such file`;
    const result = loadConfig(DEFAULT_CONF, { hostRoot: root, hostname: name, assumeSystemPrograms: true });
    hosts.push({
      name,
      config: result.config,
      readFile: (p: string) => {
        try {
          return readFileSync(onHostDisk(root, p), 'utf8');
        } catch {
          return undefined;
        }
      },
    });
  }
  return expectedFromHosts(hosts);
}

function fail(message: string, code = 2): void {
  process.stderr.write(`vrrplab watch: ${message}\n`);
  process.exitCode = code;
}

async function runWatch(flags: WatchFlags): Promise<void> {
  if ((flags.read === undefined) === (flags.interface === undefined)) return fail('give -i IFACE (live) or -r FILE|- (a capture)');
  if (flags.read === '-' && process.stdin.isTTY === true) return fail("-r - reads a pcap stream on stdin, which is a terminal here: pipe one in (tcpdump -i IFACE -U -w - 'vrrp or arp or icmp6' | vrrplab watch -r -)");
  if (flags.listen !== undefined) {
    if (flags.read !== undefined && flags.read !== '-') return fail('--listen serves a live watch (-i IFACE or -r -), not a capture file read to its end');
    const listen = parseListen(flags.listen);
    if (!listen.ok) return fail(listen.error);
  }
  let keys: Map<number, Uint8Array> | undefined;
  for (const spec of flags.key ?? []) {
    const parsed = parseKeyOption(spec);
    if (typeof parsed === 'string') return fail(`--key ${spec}: ${parsed}`);
    (keys ??= new Map()).set(parsed.id, parsed.key);
  }
  let expected: Expected | undefined;
  if (flags.host !== undefined) {
    const loaded = loadHosts(flags.host);
    if (typeof loaded === 'string') return fail(loaded);
    expected = loaded;
  }
  const raised = new Map<string, number>();
  const out = (e: WatchEvent, showLines: boolean): void => {
    if (e.type === 'alert' && e.action === 'raised') raised.set(e.kind, (raised.get(e.kind) ?? 0) + 1);
    if (flags.json) process.stdout.write(`${jsonLine(e)}\n`);
    else if (showLines) process.stdout.write(`${textLine(e)}\n`);
  };
  /** -i: frames the kernel dropped because the capture socket's buffer was full (never silently). */
  let dropped = (): number => 0;
  const finish = (w: Watcher, nowMs: number): void => {
    const lost = dropped();
    if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...w.snapshot(nowMs), raised: Object.fromEntries(raised), malformed: w.malformed, notes: w.notes(), ...(flags.interface !== undefined ? { dropped: lost } : {}) })}\n`);
    else process.stdout.write(`${[...summary(w, nowMs, raised), ...(lost > 0 ? [`${lost} frames dropped by the kernel: the capture socket's buffer was full (what they held was not judged)`] : [])].join('\n')}\n`);
  };

  if (flags.read !== undefined && flags.read !== '-') {
    const w = new Watcher({ iface: 'capture', keys, expected });
    const path = flags.read;
    let size = 0;
    try {
      size = statSync(path).size;
    } catch (error) {
      return fail(`cannot read ${path}: ${(error as Error).message}`, 1);
    }
    const progress = size > 16 * 1024 * 1024 ? progressReporter('watch') : undefined;
    const problems: string[] = [];
    const frames = openCaptureFrames(path, {
      onProblem: (p) => problems.push(`offset ${p.fileOffset}: ${p.message}`),
      onProgress: (read, total) => progress?.update(read / total, `${read >> 20} of ${total >> 20} MiB`),
    });
    let last = 0;
    for (let f = frames.next(); f !== undefined; f = frames.next()) {
      last = f.ts * 1000;
      w.frame(last, f.bytes, f.linkType, f.start, f.end, f.originalLength);
      for (const e of w.poll()) out(e, true);
    }
    progress?.done();
    for (const p of problems) process.stderr.write(`vrrplab watch: ${path}: ${p}\n`);
    finish(w, last);
    if (problems.length > 0) process.exitCode = 1;
    return;
  }

  // Live: an interface, or a pcap stream on stdin.
  const iface = flags.interface ?? 'stdin';
  const w = new Watcher({ iface, keys, garpVisible: flags.interface !== undefined, expected });
  const tty = process.stdout.isTTY === true && !flags.json;
  let lastDraw = 0;
  const draw = (nowMs: number): void => {
    if (!tty || nowMs - lastDraw < REDRAW_MS) return;
    lastDraw = nowMs;
    const header = `vrrplab watch ${flags.interface !== undefined ? `-i ${iface}` : '-r -'}  ${new Date(nowMs).toISOString().replace('T', ' ').slice(0, 19)}  ${w.packets} frames  (Ctrl-C to stop)`;
    process.stdout.write(`\x1b[H\x1b[2J${view(w, nowMs, header, Math.max(5, (process.stdout.rows ?? 40) - 16)).join('\n')}\n`);
  };
  const drain = (nowMs: number): void => {
    for (const e of w.poll()) out(e, !tty);
    draw(nowMs);
  };

  let live: LiveWatch | undefined;
  let streamTimer: NodeJS.Timeout | undefined;
  /** Stream time: the last frame's stamp moved on by the wall time since it arrived. */
  let stampMs: number | undefined;
  let stampAt = 0;
  const streamNow = (): number => (stampMs === undefined ? Date.now() : stampMs + (performance.now() - stampAt));
  let stopped = false;
  let metrics: { close(): Promise<void> } | undefined;
  let stop: (why: string) => void = () => {};
  const done = new Promise<void>((resolve) => {
    stop = (why: string) => {
      if (stopped) return;
      stopped = true;
      live?.close();
      void metrics?.close();
      if (streamTimer !== undefined) clearInterval(streamTimer);
      if (flags.read === '-') process.stdin.pause();
      const now = flags.interface !== undefined ? Date.now() : streamNow();
      w.tick(now);
      lastDraw = 0; // the last view is drawn whatever the time since the one before
      drain(now);
      if (tty) process.stdout.write('\n');
      if (!flags.json && why !== '') process.stderr.write(`vrrplab watch: ${why}\n`);
      finish(w, now);
      resolve();
    };
  });
  const onSignal = (signal: string) => () => stop(`stopped by ${signal}`);
  const sigint = onSignal('SIGINT');
  const sigterm = onSignal('SIGTERM');
  process.once('SIGINT', sigint);
  process.once('SIGTERM', sigterm);

  if (flags.interface !== undefined) {
    const started = watchInterface(flags.interface, w, drain, (message) => process.stderr.write(`vrrplab watch: read error: ${message}\n`));
    if (typeof started === 'string') {
      process.removeListener('SIGINT', sigint);
      process.removeListener('SIGTERM', sigterm);
      return fail(started, 1);
    }
    live = started;
    dropped = () => started.dropped();
  } else {
    const stream = new PcapStream();
    process.stdin.on('data', (chunk: Buffer) => {
      stream.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), (f) => {
        stampMs = f.ts * 1000;
        stampAt = performance.now();
        w.frame(stampMs, f.data, f.linkType, 0, f.data.length, f.originalLength);
      });
      if (stream.problem !== undefined) {
        process.exitCode = 1;
        stop(`stdin: ${stream.problem}`);
        return;
      }
      drain(streamNow());
    });
    process.stdin.on('end', () => stop(stream.pending > 0 ? `stdin ended inside a record (${stream.pending} bytes left)` : ''));
    streamTimer = setInterval(() => {
      const now = streamNow();
      w.tick(now);
      drain(now);
    }, 100);
  }
  if (flags.listen !== undefined && !stopped) {
    try {
      // Loaded only here, as in run: node:http is not paid for without --listen.
      const { serveMetrics } = await import('../../metrics/server.js');
      metrics = await serveMetrics(flags.listen, () => w.snapshot(flags.interface !== undefined ? Date.now() : streamNow()));
      if (stopped) void metrics.close();
    } catch (e) {
      // As run: the watch goes on without its metrics, and says why.
      process.stderr.write(`vrrplab watch: cannot serve metrics on ${flags.listen}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  if (flags.duration !== undefined) setTimeout(() => stop(''), flags.duration).unref();
  draw(Date.now());
  await done;
  process.removeListener('SIGINT', sigint);
  process.removeListener('SIGTERM', sigterm);
}
