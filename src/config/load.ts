/**
 * Entry points: read a keepalived.conf (and its includes) into a KeepalivedConfig with the
 * diagnostics and exit status `keepalived -t` would give. Synchronous; never throws on bad input.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ConfigLoadResult, KeepalivedConfig, SourceLocation, SyncGroup, TrackFile, TrackProcess, TrackReference, VrrpScript } from './model.js';
import { ErrClass, Reporter } from './diagnostics.js';
import { DEFAULTS, defaultGlobalDefs } from './defaults.js';
import { readConfig, type ReaderIo, type Statement } from './reader.js';
import {
  applyBlock, GLOBAL_ACCEPTED, GLOBAL_KEYWORDS, IGNORED_ROOTS, INSTANCE_ACCEPTED, INSTANCE_KEYWORDS, type InstanceDraft,
  newTrackProcess, type ParseContext, SCRIPT_KEYWORDS, SYNC_GROUP_ACCEPTED, SYNC_GROUP_KEYWORDS, TRACK_FILE_KEYWORDS,
  TRACK_PROCESS_KEYWORDS,
} from './keywords.js';
import { completeConfig, type ScriptPathProbe, type ScriptProbe } from './complete.js';
import { checkRoute, checkRule } from './routes.js';
import { checkVirtualServer } from './lvs.js';
import { endOfInstanceVmac } from './vmac.js';
import { checkStaticAddresses, closeAt, isClose, lineContext } from './keywords.js';
import type { KeepalivedVersion } from './version.js';

/** How an interface named by the config looks on the machine keepalived -t would run on. */
/**
 * How an interface named by the config looks on the machine keepalived -t would run on:
 * 'macvlan-private' (one keepalived can take over as a VMAC) and 'non-ethernet' (no VMAC on it:
 * a tun device, ...) are present too.
 */
export type InterfaceProbe = (name: string) => 'present' | 'missing' | 'loopback' | 'macvlan-private' | 'non-ethernet';

export interface LoadOptions {
  /** Directory holding a copy of the host's files: absolute paths (includes, scripts) resolve inside it. */
  hostRoot?: string;
  /** Reads a file by the name the config uses (after hostRoot mapping); undefined when unreadable. */
  readFile?: (p: string) => string | undefined;
  /** keepalived's config id (`-i`, default the host name) for `@NAME` lines. */
  hostname?: string;
  /** Whether a script's program exists (default: look on disk, inside hostRoot for absolute paths). */
  scriptExists?: ScriptProbe;
  /** Where a relative script program is looked up (default: the current directory). */
  scriptDirectory?: string;
  /**
   * Look interfaces up as keepalived -t does (it reads the machine's interfaces). Without a probe
   * every interface is taken to exist and is listed in the result's `assumed.interfaces`.
   */
  interfaces?: InterfaceProbe;
  /**
   * With hostRoot: the directory holds the host's configuration, not its system. A script program
   * is missing only where the copy holds its directory without it (`/etc/keepalived/chk.sh`);
   * programs outside the copy (`/usr/bin/pidof`, `nginx`) are taken to be on the host and listed in
   * the result's `assumed.programs`. Shell words (`[[`) are never programs, as for keepalived.
   */
  assumeSystemPrograms?: boolean;
  /**
   * keepalived 2.4.3's path walk of a root-run script (see ScriptPathProbe). Default: the machine's
   * files (lstat); with hostRoot, the copy's, and not known for a path the copy does not hold.
   */
  scriptPath?: ScriptPathProbe;
  /** The keepalived to read the config as: '2.2' (keepalived 2.2.7, the default) or '2.4' (2.4.3). */
  keepalivedVersion?: KeepalivedVersion;
  /**
   * Reads an auth_hmac `file:` key (2.4): its text and permission bits, or undefined when it cannot
   * be opened. Default: from disk, absolute paths inside hostRoot, relative ones from the current
   * directory (keepalived's).
   */
  readKeyFile?: (p: string) => { text: string; mode: number } | undefined;
}

/** Reads the configuration file at `file` (a path as the host sees it when hostRoot is given). */
export function loadConfig(file: string, options: LoadOptions = {}): ConfigLoadResult {
  const io = makeIo(options);
  const text = io.readFile(file);
  if (text === undefined) {
    // keepalived -t says so and still exits 0 unless include_check is set.
    const reporter = new Reporter();
    reporter.report(ErrClass.fileNotFound, `Config files missing '${file}'.`);
    return { config: emptyConfig([]), diagnostics: reporter.diagnostics, exitStatus: 0 };
  }
  return parseWithIo(text, file, io, options);
}

/** Parses configuration text; includes are read relative to `fileName`. */
export function parseConfigText(text: string, fileName: string, options: LoadOptions = {}): ConfigLoadResult {
  return parseWithIo(text, fileName, makeIo(options), options);
}

function parseWithIo(text: string, fileName: string, io: ReaderIo, options: LoadOptions): ConfigLoadResult {
  const reporter = new Reporter();
  const { statements, files } = readConfig(fileName, text, io, reporter, { configId: options.hostname });
  const config = emptyConfig(files);
  const named = new Set<string>();
  let missing = false;
  const probe = options.interfaces;
  const ctx: ParseContext = {
    reporter,
    interfaces: {
      exists: (name) => {
        named.add(name);
        if (!probe || probe(name) !== 'missing') return true;
        // With dynamic_interfaces keepalived waits for the interface instead (a LOG_INFO line only).
        if (Object.hasOwn(config.globalDefs.other, 'dynamic_interfaces')) return true;
        missing = true;
        return false;
      },
      loopback: (name) => (probe ? probe(name) === 'loopback' : name === 'lo'),
      // An interface use_vmac names that exists and is not a private macvlan (unknown without a probe).
      vmacBlocked: (name) => {
        const found = probe?.(name);
        return found !== undefined && found !== 'missing' && found !== 'macvlan-private';
      },
      nonEthernet: (name) => probe?.(name) === 'non-ethernet',
    },
    version: options.keepalivedVersion ?? '2.2',
    readKeyFile: options.readKeyFile ?? ((p) => {
      try {
        const disk = onHostDisk(options.hostRoot, p);
        return { text: fs.readFileSync(disk, 'latin1'), mode: fs.statSync(disk).mode };
      } catch {
        return undefined;
      }
    }),
  };
  const instances: InstanceDraft[] = [];
  ctx.trackProcesses = config.trackProcesses;
  // The top level, as keepalived reads it: a block that ended early hands its remainder back here
  // (ctx.escaped), and a stray '}' is an unknown keyword (see applyBlock).
  const queue = [...statements];
  while (queue.length > 0) {
    const st = queue.shift() as Statement;
    if (isClose(st)) {
      reporter.report(ErrClass.unknownKeyword, "Unknown keyword '}'", st.location);
      continue;
    }
    parseRoot(st, config, instances, ctx);
    if (ctx.escaped !== undefined) {
      queue.unshift(...ctx.escaped);
      ctx.escaped = undefined;
    }
    if (ctx.rootCascade !== undefined) {
      queue.unshift(...ctx.rootCascade);
      ctx.rootCascade = undefined;
    }
  }
  const assumedPrograms: string[] = [];
  const complete = { version: options.keepalivedVersion ?? '2.2', scriptPath: options.scriptPath ?? defaultScriptPathProbe(options) } as const;
  const scripts = options.scriptExists ??
    (options.assumeSystemPrograms && options.hostRoot ? hostTreeScriptProbe(options.hostRoot, assumedPrograms) : defaultScriptProbe(options));
  if (missing) {
    // keepalived's VRRP process stops right after reading the file (vrrp_daemon.c start_vrrp), so
    // none of the end-of-configuration checks (script security, instance completion) are reported.
    reporter.report(ErrClass.badInterface, 'Non-existent interface specified in configuration');
    completeConfig(config, instances, new Reporter(), scripts, complete);
  } else completeConfig(config, instances, reporter, scripts, complete);
  const assumed = { interfaces: probe ? [] : [...named].sort(), programs: [...new Set(assumedPrograms)] };
  // keepalived died reading it: no instance of this configuration ever runs.
  if (reporter.crashes) return { config: emptyConfig(config.files), diagnostics: reporter.diagnostics, exitStatus: reporter.exitStatus(), assumed };
  return { config, diagnostics: reporter.diagnostics, exitStatus: reporter.exitStatus(), assumed };
}

function emptyConfig(files: string[]): KeepalivedConfig {
  return { files, globalDefs: defaultGlobalDefs(), scripts: [], trackFiles: [], trackProcesses: [], instances: [], syncGroups: [], ignored: [] };
}

type RootHandler = (st: Statement, name: string, config: KeepalivedConfig, instances: InstanceDraft[], ctx: ParseContext) => void;

const ROOTS: Record<string, RootHandler> = {
  global_defs: (st, _n, config, _i, ctx) => {
    const g = config.globalDefs;
    for (const line of st.block ?? []) {
      const kw = line.words[0];
      if (GLOBAL_ACCEPTED.has(kw) && !Object.hasOwn(GLOBAL_KEYWORDS, kw)) g.other[kw] = line.words.slice(1).join(' ');
      if (/^(smtp_|notification_email)/.test(kw)) config.ignored.push({ keyword: kw, location: line.location });
    }
    applyBlock(g, st.block, GLOBAL_KEYWORDS, ctx, GLOBAL_ACCEPTED, st.end);
  },
  vrrp_script: (st, name, config, _i, ctx) => {
    const s: VrrpScript = {
      name, location: st.location, script: '', intervalMs: DEFAULTS.script.intervalMs, timeoutMs: 0,
      weight: DEFAULTS.script.weight, weightReverse: false, rise: DEFAULTS.script.rise, fall: DEFAULTS.script.fall, initFail: false,
    };
    applyBlock(s, st.block, SCRIPT_KEYWORDS, ctx, new Set(), st.end);
    // keepalived 2.2.7 and 2.4.3 (lab: 2.4.3's doc/samples/keepalived.conf.conditional_conf, whose
    // only script lines are for other config ids): a block without a script is dropped at its '}',
    // and the instances tracking it then do not find it.
    if (s.script === '') {
      ctx.reporter.report(ErrClass.general, `No script set for vrrp_script ${name} - removing`, st.end ?? st.location);
      return;
    }
    config.scripts.push(s);
  },
  track_file: (st, name, config, _i, ctx) => {
    const t: TrackFile = { name, location: st.location, file: '', weight: DEFAULTS.trackFileWeight, weightReverse: false };
    applyBlock(t, st.block, TRACK_FILE_KEYWORDS, ctx, new Set(), st.end);
    config.trackFiles.push(t);
  },
  vrrp_track_process: (st, name, config, _i, ctx) => {
    const t: TrackProcess = newTrackProcess(name, st.location);
    applyBlock(t, st.block, TRACK_PROCESS_KEYWORDS, ctx, new Set(), st.end);
    // keepalived's vrrp_tprocess_end_handler(): a block without `process` is dropped, said at its '}'.
    if (t.process === '') {
      ctx.reporter.report(ErrClass.general, `track process '${name}' process name not specified`, st.end ?? st.location);
      return;
    }
    (config.trackProcesses ??= []).push(t);
  },
  vrrp_instance: (st, name, config, instances, ctx) => {
    // keepalived 2.2.7 keeps the first definition and skips the whole second block (lab: its VIPs, VRID).
    if (instances.some((other) => other.name === name)) {
      ctx.reporter.report(ErrClass.general, `vrrp instance ${name} already defined`, st.location);
      return;
    }
    const v = newInstance(name, st.location, config);
    applyBlock(v, st.block, INSTANCE_KEYWORDS, ctx, INSTANCE_ACCEPTED, st.end);
    endOfInstanceVmac(v, (st.block ?? []).map((s) => s.words[0]), st.end, ctx.reporter);
    if (v.useVmac && v.interface !== '' && ctx.interfaces?.nonEthernet?.(v.interface) === true) v.nonEthernet = true;
    dropUnknownTracking(v, config, ctx);
    instances.push(v);
  },
  vrrp_sync_group: (st, name, config, _i, ctx) => {
    // As for instances: the first definition stands, the second block is skipped (lab, 2.2.7).
    if (config.syncGroups.some((other) => other.name === name)) {
      ctx.reporter.report(ErrClass.general, `vrrp sync group ${name} already defined`, st.location);
      return;
    }
    const g: SyncGroup = { name, location: st.location, members: [], notify: {}, trackScripts: [], trackInterfaces: [], trackFiles: [] };
    applyBlock(g, st.block, SYNC_GROUP_KEYWORDS, ctx, SYNC_GROUP_ACCEPTED, st.end);
    dropUnknownTracking(g, config, ctx);
    config.syncGroups.push(g);
  },
};
ROOTS.vrrp_track_file = (st, name, config, instances, ctx) => {
  // A running keepalived 2.2.7 logs this once per block; keepalived -t does not print it (lab).
  ctx.reporter.info('"vrrp_track_file" is deprecated, please use "track_file"', st.location);
  ROOTS.track_file?.(st, name, config, instances, ctx);
};

/**
 * keepalived 2.2.7 looks a track_script / track_file name up while it reads the line (lab): a
 * vrrp_script or vrrp_track_file defined further down the file is not found either, and the
 * reference is dropped ("(VI_1) track script chk not found, ignoring..."); a running keepalived
 * then never runs that script ("Warning - script chk is not used"). Messages in line order.
 */
function dropUnknownTracking(owner: { name: string; trackScripts: TrackReference[]; trackFiles: TrackReference[] }, config: KeepalivedConfig, ctx: ParseContext): void {
  const scripts = new Set(config.scripts.map((s) => s.name));
  const files = new Set(config.trackFiles.map((f) => f.name));
  const dropped: { ref: TrackReference; what: string }[] = [];
  owner.trackScripts = owner.trackScripts.filter((ref) => scripts.has(ref.name) || (dropped.push({ ref, what: 'track script' }), false));
  owner.trackFiles = owner.trackFiles.filter((ref) => files.has(ref.name) || (dropped.push({ ref, what: 'track file' }), false));
  dropped.sort((a, b) => a.ref.location.line - b.ref.location.line);
  for (const { ref, what } of dropped) {
    ctx.reporter.report(ErrClass.general, `(${owner.name}) ${what} ${ref.name} not found, ignoring...`, ref.location);
    // Lab, 2.2.7: with a track_file block above, keepalived -t never returns (it spins at full CPU
    // and prints nothing); a running keepalived only drops the reference.
    if (what === 'track file' && files.size > 0) {
      ctx.reporter.info(`keepalived -t (2.2.7) does not return on this config: an unknown track_file name after a track_file block makes it loop; a running keepalived drops the reference`, ref.location);
    }
  }
}

/** Root keywords that take a NAME before their block. */
const NAMED = new Set(['vrrp_script', 'track_file', 'vrrp_track_file', 'vrrp_track_process', 'vrrp_instance', 'vrrp_sync_group']);

function parseRoot(st: Statement, config: KeepalivedConfig, instances: InstanceDraft[], ctx: ParseContext): void {
  const keyword = st.words[0];
  const { reporter } = ctx;
  if (keyword === undefined) return; // an orphan '{' block, already reported
  if (IGNORED_ROOTS.has(keyword)) {
    config.ignored.push({ keyword, location: st.location });
    // Not modelled, but keepalived -t reads them: their diagnostics still count.
    if (keyword === 'virtual_server') checkVirtualServer(st, reporter);
    else if (keyword === 'static_routes') for (const line of st.block ?? []) checkRoute(line.words, line.location, lineContext(ctx));
    else if (keyword === 'static_rules') for (const line of st.block ?? []) checkRule(line.words, line.location, lineContext(ctx));
    else if (keyword === 'static_ipaddress') checkStaticAddresses(st, ctx);
    return;
  }
  const handler = Object.hasOwn(ROOTS, keyword) ? ROOTS[keyword] : undefined;
  if (!handler) {
    reporter.report(ErrClass.unknownKeyword, `Unknown keyword '${keyword}'`, st.location);
    if (st.block) {
      reporter.report(ErrClass.unexpectedBob, "Unexpected '{' - ignoring", st.location);
      // keepalived reads the block's lines at the top level, and its '}' as a keyword (lab).
      ctx.rootCascade = [...st.block, ...closeAt(st.end)];
    }
    return;
  }
  if (!st.block) reporter.report(ErrClass.missingBob, "Missing '{' at beginning of configuration block", st.location);
  let name = '';
  if (NAMED.has(keyword)) {
    if (st.words[1] === undefined) {
      reporter.report(
        ErrClass.missingParameter,
        `*** Configuration line starting \`${keyword}\` is missing a parameter after keyword \`${keyword}\` at word position 2`,
        st.location,
      );
      reporter.missingParameter = true;
      return;
    }
    name = st.words[1];
  }
  handler(st, name, config, instances, ctx);
}

function newInstance(name: string, location: SourceLocation, config: KeepalivedConfig): InstanceDraft {
  const g = config.globalDefs;
  return {
    name, location, interface: '', vrid: 0, priority: DEFAULTS.priority, advertIntervalMs: DEFAULTS.advertIntervalMs,
    version: g.vrrpVersion, family: 4, nopreempt: false, preemptDelayMs: DEFAULTS.preemptDelayMs,
    virtualIpaddresses: [], virtualIpaddressesExcluded: [], trackInterfaces: [], trackScripts: [], trackFiles: [],
    unicastPeers: [], garpMasterDelayMs: g.vrrpGarpMasterDelayMs, garpMasterRepeat: g.vrrpGarpMasterRepeat,
    garpMasterRefreshMs: g.vrrpGarpMasterRefreshMs, garpMasterRefreshRepeat: g.vrrpGarpMasterRefreshRepeat,
    garpLowerPrioDelayMs: g.vrrpGarpLowerPrioDelayMs, garpLowerPrioRepeat: g.vrrpGarpLowerPrioRepeat,
    notify: {}, smtpAlert: false, useVmac: false, dontTrackPrimary: false,
    priorityGiven: false, versionGiven: false, garpLowerPrioDelayGiven: false, garpLowerPrioRepeatGiven: false,
  };
}

// ---------------------------------------------------------------- file access

function makeIo(options: LoadOptions): ReaderIo {
  const toDisk = (p: string): string => onHostDisk(options.hostRoot, p);
  const readFile = options.readFile ?? ((p: string) => {
    try {
      return fs.readFileSync(toDisk(p), 'utf8');
    } catch {
      return undefined;
    }
  });
  return { readFile, glob: (pattern) => globNames(pattern, toDisk) };
}

/** Names (as the host sees them) matching a pattern whose wildcards are in the last components. */
function globNames(pattern: string, toDisk: (p: string) => string): string[] {
  const parts = pattern.split('/');
  let bases = [parts[0] === '' ? '/' : parts[0]];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!/[*?[]/.test(part)) {
      bases = bases.map((b) => path.join(b, part));
      continue;
    }
    const re = globToRegExp(part);
    bases = bases.flatMap((b) => {
      try {
        return fs.readdirSync(toDisk(b)).filter((n) => re.test(n)).sort().map((n) => path.join(b, n));
      } catch {
        return [];
      }
    });
  }
  return bases;
}

function globToRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = part.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${part.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * keepalived looks a bare program name up in PATH and checks absolute ones exist. With a host
 * directory, absolute paths are looked up inside it and bare names on this machine's PATH
 * (a host copy rarely holds /usr/bin), so a shell word such as `[[` is still "not found".
 */
function defaultScriptProbe(options: LoadOptions): ScriptProbe {
  const exists = (p: string): boolean => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  return (program) => {
    if (!program.includes('/')) return PATH_DIRS.some((d) => exists(path.join(d, program)));
    if (path.isAbsolute(program)) return exists(onHostDisk(options.hostRoot, program));
    return exists(path.resolve(options.scriptDirectory ?? '.', program));
  };
}

/** Words a shell gives meaning to that are not programs: keepalived runs no shell, so it cannot find them. */
const SHELL_WORDS = new Set(['[[', ']]', 'if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'while', 'until', 'do', 'done',
  'function', 'select', '{', '}', '!', '((', 'cd', 'exit', 'export', 'source', '.', 'return', 'eval', 'exec', 'set', 'unset', 'alias',
  'let', 'declare', 'local', 'read', 'shift', 'trap', 'ulimit', 'umask']);

/** See LoadOptions.assumeSystemPrograms. Programs taken to be on the host are appended to `assumed`. */
export function hostTreeScriptProbe(hostRoot: string, assumed: string[]): ScriptProbe {
  const isFile = (p: string): boolean => {
    try {
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  const isDir = (p: string): boolean => {
    try {
      return fs.statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  return (program) => {
    if (program === '' || SHELL_WORDS.has(program) || /[=$;|&()<>`]/.test(program)) return false;
    if (path.isAbsolute(program)) {
      if (isFile(onHostDisk(hostRoot, program))) return true;
      // The copy holds that directory, so it says the program is missing there.
      if (isDir(onHostDisk(hostRoot, path.dirname(program)))) return false;
      assumed.push(program);
      return true;
    }
    if (program.includes('/')) return isFile(path.resolve(program));
    if (PATH_DIRS.some((d) => isFile(onHostDisk(hostRoot, path.join(d, program))) || isFile(path.join(d, program)))) return true;
    assumed.push(program);
    return true;
  };
}

/** Where a file the host names (`/etc/keepalived/notify.sh`) is on this disk, given a copy of the host's files. */
export function onHostDisk(hostRoot: string | undefined, file: string): string {
  return hostRoot !== undefined && hostRoot !== '' && path.isAbsolute(file) ? path.join(hostRoot, file) : file;
}

/**
 * The statement tree keepalived would read from `file` (includes, definitions and `@host` lines
 * resolved), for callers that write a configuration back out (the lab's rewritten copies).
 */
export function readConfigStatements(file: string, options: LoadOptions = {}): Statement[] | undefined {
  const io = makeIo(options);
  const text = io.readFile(file);
  if (text === undefined) return undefined;
  return readConfig(file, text, io, new Reporter(), { configId: options.hostname }).statements;
}

/**
 * keepalived 2.4.3's walk of a script path (lib/notify.c check_security): each directory on it must
 * be a directory itself, not a link, and the file a regular file or a link. Read on this machine,
 * or in a host directory (where a path it does not hold is not known).
 */
function defaultScriptPathProbe(options: LoadOptions): ScriptPathProbe {
  const root = options.hostRoot !== undefined && options.hostRoot !== '' ? options.hostRoot : undefined;
  return (program) => {
    const parts = program.split('/').filter((p) => p !== '');
    let at = root ?? '/';
    for (let i = 0; i < parts.length; i++) {
      at = path.join(at, parts[i]);
      let st: fs.Stats;
      try {
        st = fs.lstatSync(at);
      } catch {
        return root !== undefined ? undefined : false;
      }
      const last = i === parts.length - 1;
      if (!last && !st.isDirectory()) return true;
      if (last && !st.isFile() && !st.isSymbolicLink()) return true;
    }
    return false;
  };
}
