import type { Command } from 'commander';
import { compareCapture, DEFAULT_TOLERANCE_MS, type CompareOptions } from '../../compare/capture.js';
import { compareReportJsonLines, formatCompareReport } from '../../compare/format.js';
import { parseKeepalivedVersion } from '../../config/version.js';
import { parseSignedDuration } from '../../sim/scenario.js';

export interface CompareCliOptions {
  config?: string;
  host?: string;
  events?: string;
  scripts?: string;
  script: string[];
  tolerance?: string;
  startDelay?: string;
  json?: boolean;
  keepalivedVersion?: string;
  clock?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `vrrplab compare`: would this config have done what the real host did in the capture? */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description("drive the engine as one host of a capture, fed the other hosts' adverts, and compare what it sends with what the host sent")
    .argument('<capture>', 'pcap or pcapng file')
    .option('--config <file>', "the host's keepalived.conf (required)")
    .option('--host <address|name>', "the host: any of its addresses in the capture (IPv4 or IPv6), or its name in the events file (required)", collect, [])
    .option('--events <file>', 'events.json: when the host was started, stopped and killed (captureStart, events with t, host, address/address6/addresses, action, arg)')
    .option('--scripts <file>', 'script model (recording.json format: flags, checks); default: recording.json beside the events file')
    .option('--script <name=ok|fail>', 'fixed result of a tracked script (repeatable); others follow the model or succeed', collect, [])
    .option('--tolerance <ms>', `largest accepted timing error (default ${DEFAULT_TOLERANCE_MS})`)
    .option('--start-delay <ms|fit>', "keepalived's exec-to-running delay per start, or fit it (default fit)")
    .option('--keepalived-version <v>', 'the keepalived the host ran: 2.2 (2.2.7, default) or 2.4 (2.4.3: auth_hmac)')
    .option('--clock <offset>', "how far the host's wall clock was ahead of the capture's, e.g. +30s (auth_hmac's time window reads it)")
    .option('--json', 'JSON lines (setup, vrids, adverts, mismatches, summary) instead of a report')
    // Usage errors exit 2, like the input errors below (commander's own default is 1).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .action((capture: string, opts: Omit<CompareCliOptions, 'host'> & { host: string[] }) => {
      // One host is compared: a second --host would silently replace the first.
      if (opts.host.length > 1) {
        process.stderr.write(`vrrplab compare: --host is given ${opts.host.length} times (${opts.host.join(', ')}): give the one host to compare\n`);
        process.exitCode = 2;
        return;
      }
      process.exitCode = runCompare(capture, { ...opts, host: opts.host[0] }, (text) => process.stdout.write(text), (text) => process.stderr.write(text));
    });
}

/** The command without commander: 0 match, 1 mismatch, 2 usage or input error. */
export function runCompare(capture: string, opts: CompareCliOptions, out: (text: string) => void, err: (text: string) => void): number {
  const usage = (message: string): number => {
    err(`vrrplab compare: ${message}\n`);
    return 2;
  };
  if (opts.config === undefined) return usage('--config FILE is required (the host\'s keepalived.conf)');
  if (opts.host === undefined) return usage('--host ADDRESS is required (the host\'s address in the capture)');
  let toleranceMs: number | undefined;
  if (opts.tolerance !== undefined) {
    toleranceMs = Number(opts.tolerance);
    if (opts.tolerance.trim() === '' || !Number.isFinite(toleranceMs) || toleranceMs < 0) return usage(`--tolerance wants milliseconds >= 0, not '${opts.tolerance}'`);
  }
  let startDelay: number | 'fit' | undefined;
  if (opts.startDelay !== undefined && opts.startDelay !== 'fit') {
    startDelay = Number(opts.startDelay);
    if (opts.startDelay.trim() === '' || !Number.isFinite(startDelay)) return usage(`--start-delay wants milliseconds or 'fit', not '${opts.startDelay}'`);
  }
  const scriptResults: Record<string, 'ok' | 'fail'> = {};
  for (const spec of opts.script) {
    const match = /^([^=]+)=(ok|fail)$/.exec(spec);
    if (match === null) return usage(`--script wants NAME=ok or NAME=fail, not '${spec}'`);
    scriptResults[match[1]!] = match[2] as 'ok' | 'fail';
  }

  const keepalivedVersion = opts.keepalivedVersion === undefined ? undefined : parseKeepalivedVersion(opts.keepalivedVersion);
  if (keepalivedVersion === null) return usage(`--keepalived-version ${opts.keepalivedVersion}: give 2.2 or 2.4`);
  const clockOffsetMs = opts.clock === undefined ? undefined : parseSignedDuration(opts.clock);
  if (opts.clock !== undefined && clockOffsetMs === undefined) return usage(`--clock wants an offset such as +30s or -2m, not '${opts.clock}'`);
  const options: CompareOptions = {
    ...(keepalivedVersion !== undefined ? { keepalivedVersion } : {}),
    ...(clockOffsetMs !== undefined ? { clockOffsetMs } : {}),
    capture,
    config: opts.config,
    host: opts.host,
    events: opts.events,
    scripts: opts.scripts,
    scriptResults,
    toleranceMs,
    startDelay,
  };
  const outcome = compareCapture(options);
  if (!outcome.ok) return usage(outcome.error);
  const { report } = outcome;
  const lines = opts.json ? compareReportJsonLines(report) : formatCompareReport(report, { capture, config: opts.config, events: opts.events });
  out(`${lines.join('\n')}\n`);
  return report.pass ? 0 : 1;
}
