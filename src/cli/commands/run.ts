import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, version as osVersion } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { formatDiagnostic } from '../../config/diagnostics.js';
import type { Diagnostic } from '../../config/model.js';
import { StreamLogger, stderrLines, type LogFormat } from '../../runtime/log.js';
import { Runtime, type ConfigLines } from '../../runtime/runtime.js';
import { cpuTimes, stopLines } from '../../runtime/host-info.js';
import { interfaceKind } from '../../runtime/sysfs.js';
import { loadVrrpSocket, VrrpSocket } from '../../runtime/vrrp-socket.js';
import { removeStalePidFiles } from '../../runtime/pid-files.js';
import { parseListen } from '../../metrics/listen.js';
import { DEFAULT_KEEPALIVED_VERSION, keepalivedRelease, parseKeepalivedVersion } from '../../config/version.js';

/** glibc's M_MMAP_THRESHOLD for the daemon: the larger pieces of V8's compiler threads' working memory are mapped alone (issue 22). */
const MALLOC_MMAP_THRESHOLD = 16 * 1024;

const NO_INTERFACE = 'Non-existent interface specified in configuration';

interface RunFlags {
  useFile: string;
  dontFork?: boolean;
  logConsole?: boolean;
  logDetail?: boolean;
  vrrp?: boolean;
  pid?: string;
  vrrp_pid?: string;
  configTest?: boolean;
  transport: 'raw' | 'udp';
  udpGroup?: string;
  udpPort?: string;
  pcap?: string;
  logFormat: LogFormat;
  dumpDir: string;
  hardenedReceive?: boolean;
  listen?: string;
  keepalivedVersion?: string;
}

/**
 * `vrrplab run`: a VRRP router on a real network, taking keepalived's own flags so lab scripts
 * can swap `keepalived -n -l -D -P -f CONF -p PID -r PID` for `vrrplab run` with the same args.
 */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run as a VRRP router on this host, like keepalived (needs CAP_NET_RAW/CAP_NET_ADMIN for --transport raw)')
    .requiredOption('-f, --use-file <FILE>', 'keepalived configuration file')
    .option('-n, --dont-fork', 'stay in the foreground (always the case)')
    .option('-l, --log-console', 'log to the console (always the case)')
    .option('-D, --log-detail', 'detailed log messages')
    .option('-P, --vrrp', 'VRRP subsystem only (the only one vrrplab has)')
    .option('-p, --pid <FILE>', 'main pid file')
    .option('-r, --vrrp_pid <FILE>', 'VRRP child pid file')
    .option('-t, --config-test', 'check the configuration and exit (same as vrrplab check)')
    .option('--transport <KIND>', 'raw (IP protocol 112, interoperates with keepalived) or udp (shim, vrrplab only)', 'raw')
    .option('--udp-group <ADDR>', 'multicast group of the UDP shim', undefined)
    .option('--udp-port <PORT>', 'port of the UDP shim', undefined)
    .option('--pcap <FILE>', 'record every VRRP packet sent and received (raw IP pcap)')
    .option('--log-format <FORMAT>', 'keepalived (console lines) or json', 'keepalived')
    .option('--dump-dir <DIR>', 'where SIGUSR1/SIGUSR2 write keepalived.data/keepalived.stats', '/tmp')
    .option('--listen <ADDR:PORT>', 'serve Prometheus metrics of the instances on http://ADDR:PORT/metrics ([IPV6]:PORT, :PORT for every address)')
    .option('--keepalived-version <v>', 'behave as keepalived 2.2 (2.2.7, default) or 2.4 (2.4.3: auth_hmac, its log lines)')
    .option('--hardened-receive', 'beyond keepalived: a rejected packet never moves a timer (keepalived lets a stream of bad packets silence a master)')
    .action(async (flags: RunFlags) => {
      process.exitCode = await run(flags);
    });
}

async function run(flags: RunFlags): Promise<number> {
  // V8 grows its young generation (to 16 MiB a semi-space) when much of what it holds survives, as
  // a reload's new config and instances do, and keeps it: with 255 instances RSS went 57 -> 98 MB
  // (masters) and 57 -> 102 MB (backups) over 100 SIGHUPs, 10 s after them, while the heap in use
  // stayed ~10 MB (issue 22; keepalived stays flat). Not grown, the same reloads left 67 and 64 MB;
  // steady CPU unchanged (10 ticks in 10 s either way). Only this flag is read after start-up (the
  // semi-space maximum is fixed when the heap is made).
  setFlagsFromString('--semi-space-growth-factor=1');
  // What is left is the old generation: each reload promotes its new config and instances and
  // leaves the last ones there as garbage, so 100 reloads fill it to V8's limit (the live ~8 MB
  // plus an 8 MB step) and V8 keeps those pages: heap total 9 -> 18-19 MB, RSS +17-36% (heap
  // snapshots before and after: the live heap +0.5 MB, compiled code; no leak). V8's memory
  // reducer, which hands such pages back once allocation calms, starts again only when the old
  // generation has grown 10 MB past its last run, and the reloads stop just short of that.
  // Optimizing for size (read at each GC, like the flag above) lets it run after the reloads and
  // grows the old generation in smaller steps: the same 100 reloads left RSS +1.4 to +5.8% (four
  // runs), steady CPU the same, a reload of 255 instances ~6 ms more CPU (26 against 20 ms).
  setFlagsFromString('--optimize-for-size');
  const logger = new StreamLogger(flags.logFormat === 'json' ? 'json' : 'keepalived', flags.logDetail === true);
  if (flags.transport !== 'raw' && flags.transport !== 'udp') {
    process.stderr.write(`vrrplab run: unknown transport '${flags.transport}' (raw or udp)\n`);
    return 2;
  }
  if (flags.listen !== undefined) {
    const listen = parseListen(flags.listen);
    if (!listen.ok) {
      process.stderr.write(`vrrplab run: ${listen.error}\n`);
      return 2;
    }
  }
  const version = flags.keepalivedVersion === undefined ? DEFAULT_KEEPALIVED_VERSION : parseKeepalivedVersion(flags.keepalivedVersion);
  if (version === null) {
    process.stderr.write(`vrrplab run: --keepalived-version ${flags.keepalivedVersion}: give 2.2 or 2.4\n`);
    return 2;
  }
  const compatible = `keepalived ${keepalivedRelease(version)} compatible`;
  const cpuAtLoad = cpuTimes();
  // Interfaces are looked up as keepalived's VRRP process does at start (an altname is missing).
  const loaded = loadConfig(flags.useFile, flags.configTest ? { keepalivedVersion: version } : { interfaces: interfaceKind, keepalivedVersion: version });
  if (flags.configTest) {
    for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    return loaded.exitStatus;
  }
  // The daemon only, not -t. What the backups kept beyond --optimize-for-size (+6 to +11%) was in
  // the malloc arenas of V8's compiler threads, one each, ~1.5 MB larger after the reloads and too
  // fragmented for malloc_trim (a node started with --no-concurrent-recompilation stayed flat). Their working memory comes in
  // segments of 8 KB and up: from 16 KB, each now gets a mapping of its own, unmapped when freed.
  // 30 s after 100 reloads, three soak runs: backups -2.7 to +1.8% (the build before: up to +11%),
  // masters -1.9 to +6.9% (README, Soak).
  if (loadVrrpSocket().ok) VrrpSocket.mallocMmapThreshold(MALLOC_MMAP_THRESHOLD);
  logger.log('info', `Starting vrrplab (${compatible})`);
  logger.log('info', `Running on ${osVersion()} ${release()}`);
  logger.log('info', `Command line: ${process.argv.slice(1).map((a) => `'${a}'`).join(' ')}`);
  logger.log('debug', `Opening file '${flags.useFile}'.`); // keepalived: with -D only
  logger.log('info', `Configuration file ${flags.useFile}`);
  const lines = configLines(loaded.diagnostics, flags.useFile);
  for (const line of lines.parent) logger.log('warning', line);
  const pidFiles = [flags.pid, flags.vrrp_pid].filter((p): p is string => Boolean(p));
  for (const file of removeStalePidFiles(pidFiles)) if (version === '2.2') logger.log('info', `Remove a zombie pid file ${file}`);
  // keepalived's parent at start (not on reload), with or without -D, unless the option is set.
  if (loaded.config.globalDefs.other.max_auto_priority === undefined) {
    logger.log('info', 'NOTICE: setting config option max_auto_priority should result in better keepalived performance');
  }
  const missingInterface = loaded.diagnostics.some((d) => d.message === NO_INTERFACE);
  if (missingInterface) {
    // keepalived's VRRP process reports the missing interfaces as it reads the config, after its
    // netlink lines, stops at once and the daemon exits with status 2 (its parent's "pid N exited
    // with permanent error CONFIG. Terminating" has no counterpart: vrrplab is one process).
    logger.log('info', 'Registering Kernel netlink reflector');
    logger.log('info', 'Registering Kernel netlink command channel');
  }
  if (missingInterface) {
    for (const line of [...lines.parse, ...lines.complete]) logger.log('warning', line);
    for (const line of stopLines(cpuAtLoad, cpuTimes(), { detail: flags.logDetail === true, children: false })) logger.log('info', line);
    logger.log('info', `Stopped vrrplab (${compatible})`);
    return 2;
  }
  // Like keepalived, a running daemon reports config problems and carries on with what it could
  // read; the exit status of `-t` is where they count. The runtime logs them where keepalived's
  // VRRP process does (after its netlink lines), this process those keepalived's parent logs.

  for (const file of pidFiles) writeFileSync(file, `${process.pid}\n`);
  const removePidFiles = () => {
    for (const file of pidFiles) rmSync(file, { force: true });
  };

  const runtime = new Runtime({
    config: loaded.config,
    transport: flags.transport,
    udpGroup: flags.udpGroup,
    udpPort: flags.udpPort ? Number(flags.udpPort) : undefined,
    pcapPath: flags.pcap,
    dumpDir: flags.dumpDir,
    logger,
    hardenedReceive: flags.hardenedReceive === true,
    keepalivedVersion: version,
    logDetail: flags.logDetail === true,
  });
  // The drop rules of accept mode off go on every way out (an uncaught error included; a SIGKILL
  // leaves them, as it leaves keepalived's).
  process.on('exit', () => runtime.firewall.close());
  const cpuAtStart = cpuTimes();
  const started = await runtime.start(lines);
  if (!started.ok) {
    logger.log('error', `Cannot start: ${started.error}`);
    removePidFiles();
    return 1;
  }
  // "Startup complete" is logged by the runtime after the instances' init lines.
  // A VMAC must not outlive vrrplab: an exit that is not a stop (an uncaught error) removes them too.
  process.on('exit', () => runtime.removeVmacs());
  // Not keepalived's (keepalived-exporter reads its dumps instead): the instances' state and
  // counters, rendered at each scrape from what SIGUSR1/SIGUSR2 would write.
  let metrics: { address: string; close(): Promise<void> } | undefined;
  if (flags.listen !== undefined) {
    try {
      // Loaded only here: node:http costs a start-up without --listen 3 ms.
      const [{ serveMetrics }, { runSnapshot }] = await Promise.all([import('../../metrics/server.js'), import('../../metrics/run-snapshot.js')]);
      metrics = await serveMetrics(flags.listen, () => runSnapshot({
        config: runtime.currentConfig(),
        instances: runtime.snapshot(),
        lastTransitionEpochMs: runtime.lastTransitions(),
        atSec: Date.now() / 1000,
      }));
      logger.log('info', `Serving metrics on http://${metrics.address}/metrics`);
    } catch (e) {
      // The protocol goes on without metrics, as keepalived would without its exporter.
      logger.log('error', `Cannot serve metrics on ${flags.listen}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  return new Promise<number>((resolve) => {
    const shutdown = () => {
      void metrics?.close();
      void runtime.stop().then(() => {
        // keepalived's VRRP child and parent each log their CPU use; vrrplab is one process.
        for (const line of stopLines(cpuAtStart, cpuTimes(), { detail: flags.logDetail === true, children: runtime.childrenEnded })) logger.log('info', line);
        logger.log('info', `Stopped vrrplab (${compatible})`);
        removePidFiles();
        resolve(0);
        // A notify or script child may still be running (detached); nothing else needs us once
        // every log line is out (a reader that fell behind gets them all).
        void stderrLines().flush().then(() => setTimeout(() => process.exit(0), 50).unref());
      });
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    process.on('SIGHUP', () => {
      logger.log('info', 'Reloading ...');
      logger.log('debug', `Opening file '${flags.useFile}'.`); // keepalived: with -D only
      logger.log('info', `Configuration file ${flags.useFile}`);
      const again = loadConfig(flags.useFile, { keepalivedVersion: version });
      const reread = configLines(again.diagnostics, flags.useFile);
      for (const line of reread.parent) logger.log('warning', line);
      const reloaded = runtime.reload(again.config, reread);
      if (!reloaded.ok) logger.log('warning', `Reload not applied: ${reloaded.error}`);
    });
    // keepalived's words; the file is --dump-dir's keepalived.data / keepalived.stats.
    process.on('SIGUSR1', () => {
      runtime.writeDataDump();
      logger.log('info', `Printing VRRP data for process(${process.pid}) on signal`);
      for (const line of runtime.dumpScriptUserLines()) logger.log('info', line);
    });
    process.on('SIGUSR2', () => {
      runtime.writeStatsDump();
      logger.log('info', `Printing VRRP stats for process(${process.pid}) on signal`);
      // Not keepalived's: bench/soak.ts (and the flood lab test) ask for it with VRRPLAB_RESOURCES=1.
      if (process.env.VRRPLAB_RESOURCES === '1') logger.log('info', runtime.resourceLine());
    });
  });
}

/**
 * Where keepalived 2.2.7 logs a config's problems (netns lab, an unknown keyword in global_defs and
 * one in an instance, scripts without script security): global_defs' are logged by its parent as
 * "(Line N) …" (no file) after "Configuration file", at start and on reload, and again by its VRRP
 * child with the file on reload only; the rest by the child as it reads the file; the end-of-config
 * checks (no location: SECURITY VIOLATION, …) after them.
 */
export function configLines(diagnostics: readonly Diagnostic[], file: string, read?: (f: string) => string): ConfigLines & { parent: string[] } {
  const inGlobal = globalDefsLines(file, read);
  const isGlobal = (d: Diagnostic) => d.location !== undefined && d.location.file === file && inGlobal.has(d.location.line);
  return {
    parent: diagnostics.filter(isGlobal).map((d) => `(Line ${d.location!.line}) ${d.message}`),
    global: diagnostics.filter(isGlobal).map(formatDiagnostic),
    parse: diagnostics.filter((d) => d.location !== undefined && !isGlobal(d)).map(formatDiagnostic),
    complete: diagnostics.filter((d) => d.location === undefined).map(formatDiagnostic),
  };
}

/** The 1-based lines of the global_defs blocks of a config file (not of its includes). */
export function globalDefsLines(file: string, read: (f: string) => string = (f) => readFileSync(f, 'utf8')): Set<number> {
  const lines = new Set<number>();
  let text: string;
  try {
    text = read(file);
  } catch {
    return lines;
  }
  let depth = -1;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/[#!].*$/, '');
    if (depth < 0 && /^\s*global_defs\b/.test(line)) depth = 0;
    if (depth < 0) return;
    lines.add(i + 1);
    for (const c of line) {
      if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    if (depth <= 0 && line.includes('}')) depth = -1;
  });
  return lines;
}
