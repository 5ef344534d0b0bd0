/**
 * Capture analysis speed: a generated 1,000,000-packet VRRP capture (in the OS temp folder, not
 * committed) analysed end to end by `vrrplab replay`'s library code, against peers measured in
 * the same run on the same file:
 *   - tshark -r FILE -Y vrrp -T fields -e vrrp.prio   (target: replay >= 25x faster)
 *   - the npm pcap-parser package only reading the packets (target: replay faster)
 * Then `vrrplab replay FILE [--json]` as a fresh process (node start-up and output included),
 * text and JSON, on that clean capture and on an anomaly-heavy one (the seed-buggy-f1 reference
 * recording repeated to 1M packets, with two masters in every copy: a quarter of a million
 * records), each against tshark on the same file in the same run (target: >= 25x).
 * Peak RSS is measured in child processes on a 100k- and the 1M-packet file: memory must stay
 * flat in the capture's size.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repeatCapture } from '../src/capture/repeat.js';
import { PcapWriter } from '../src/capture/writer.js';
import { replayCapture } from '../src/replay/replay.js';
import { buildAdvertPacket } from '../src/wire/packet.js';
import type { VrrpAdvert } from '../src/wire/types.js';

const PACKETS = 1_000_000;
const SMALL = 100_000;
const VRIDS = 20;
const HOSTS = ['10.1.0.1', '10.1.0.2'];
const MACS = [
  [0x02, 0, 0, 0, 0, 1],
  [0x02, 0, 0, 0, 0, 2],
];

function ethernet(payload: Uint8Array, etherType: number, srcMac: number[], dstMac: number[]): Uint8Array {
  const out = new Uint8Array(14 + payload.length);
  out.set(dstMac, 0);
  out.set(srcMac, 6);
  out[12] = etherType >> 8;
  out[13] = etherType & 0xff;
  out.set(payload, 14);
  return out;
}

function garp(ip: string, mac: number[]): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
  p.set(mac, 8);
  const octets = ip.split('.').map(Number);
  p.set(octets, 14);
  p.set(octets, 24);
  return ethernet(p, 0x0806, mac, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
}

/**
 * 20 VRIDs, two hosts: the master of each VRID advertises every second; every 10 minutes per VRID
 * the master resigns (priority 0) and the other host takes over with a burst of 5 gratuitous ARPs.
 */
export function generateCapture(path: string, packets: number): void {
  const frames = VRIDS;
  const vip = (v: number) => `10.1.1.${v}`;
  const build = (v: number, h: number, priority: number): Uint8Array => {
    const advert: VrrpAdvert = {
      version: 2, vrid: 50 + v, priority, authType: 1, auth: 'secret', advertIntervalMs: 1000, family: 4, addresses: [vip(v)],
    };
    return ethernet(buildAdvertPacket(advert, { src: HOSTS[h] }), 0x0800, MACS[h], [0x01, 0x00, 0x5e, 0, 0, 0x12]);
  };
  const normal = Array.from({ length: frames }, (_, v) => HOSTS.map((_, h) => build(v, h, 100 + h)));
  const resign = Array.from({ length: frames }, (_, v) => HOSTS.map((_, h) => build(v, h, 0)));
  const garps = Array.from({ length: frames }, (_, v) => HOSTS.map((_, h) => garp(vip(v), MACS[h])));
  const master = new Array<number>(frames).fill(0);
  const w = new PcapWriter(path, { linkType: 1 }, 4 << 20);
  const t0 = 1_800_000_000;
  let written = 0;
  for (let sec = 0; written < packets; sec++) {
    for (let v = 0; v < frames && written < packets; v++) {
      const ts = t0 + sec + v * 0.01;
      if (sec > 0 && (sec + v * 30) % 600 === 0) {
        w.write(ts, resign[v][master[v]]);
        master[v] ^= 1;
        w.write(ts + 0.6, normal[v][master[v]]);
        for (let i = 0; i < 5; i++) w.write(ts + 0.6 + i * 1e-4, garps[v][master[v]]);
        written += 7;
      } else {
        w.write(ts, normal[v][master[v]]);
        written++;
      }
    }
  }
  w.close();
}

function timeIt<T>(body: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = body();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

function pcapParserRead(path: string): Promise<number> {
  const require = createRequire(import.meta.url);
  const pcapp = require('pcap-parser') as { parse(input: NodeJS.ReadableStream): NodeJS.EventEmitter };
  return new Promise((resolve, reject) => {
    let n = 0;
    const parser = pcapp.parse(createReadStream(path, { highWaterMark: 1 << 20 }));
    parser.on('packet', () => n++);
    parser.on('end', () => resolve(n));
    parser.on('error', reject);
  });
}

const HERE = dirname(fileURLToPath(import.meta.url));
/** dist/bench -> the repository root. */
const ROOT = join(HERE, '..', '..');
/** The `vrrplab` command as installed (scripts/bundle.mjs). */
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const SEED_BUGGY = join(ROOT, 'captures', 'reference', 'seed-buggy-f1', 'capture.pcap');

/** Wall time of a command, stdout and stderr to /dev/null; undefined when it failed. */
function timeCommand(command: string, args: string[]): number | undefined {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // replay exits 1 when the file itself has problems; these captures have none.
  return r.error === undefined && r.status === 0 ? ms : undefined;
}

function tsharkMs(path: string, runs: number): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < runs; i++) {
    const ms = timeCommand('tshark', ['-r', path, '-Y', 'vrrp', '-T', 'fields', '-e', 'vrrp.prio']);
    if (ms === undefined) return undefined;
    best = Math.min(best ?? ms, ms);
  }
  return best;
}

/** `vrrplab replay` as a user runs it: a fresh process, best of `runs`. */
function freshReplayMs(path: string, json: boolean, runs: number): number | undefined {
  let best: number | undefined;
  for (let i = 0; i < runs; i++) {
    const ms = timeCommand(process.execPath, [CLI, 'replay', path, ...(json ? ['--json'] : [])]);
    if (ms === undefined) return undefined;
    best = Math.min(best ?? ms, ms);
  }
  return best;
}

/** Runs the compiled replay in a fresh node process; returns its analysis time and peak RSS. */
function childReplay(path: string): { ms: number; maxRssMb: number; wallMs: number } | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const module = join(here, '..', 'src', 'replay', 'replay.js');
  const script =
    `const m = await import(${JSON.stringify(module)});` +
    `const t = performance.now(); const r = m.replayCapture(${JSON.stringify(path)});` +
    `const ms = performance.now() - t;` +
    `console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, n: r.records.length }));`;
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    console.log(`  (child replay failed: ${child.stderr.trim().split('\n')[0]})`);
    return undefined;
  }
  const out = JSON.parse(child.stdout.trim()) as { ms: number; maxRssMb: number };
  return { ms: out.ms, maxRssMb: out.maxRssMb, wallMs };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vrrplab-bench-capture-'));
  try {
    const big = join(dir, 'vrrp-1m.pcap');
    const small = join(dir, 'vrrp-100k.pcap');
    const gen = timeIt(() => {
      generateCapture(big, PACKETS);
      generateCapture(small, SMALL);
    });
    const mb = statSync(big).size / 1e6;
    console.log(`capture: ${PACKETS.toLocaleString('en')} packets (${VRIDS} VRIDs, failovers, GARPs), ${mb.toFixed(1)} MB, generated in ${(gen.ms / 1000).toFixed(1)} s`);

    // Warm the page cache and the JIT once, then take the best of three.
    replayCapture(big);
    let best = Number.POSITIVE_INFINITY;
    let adverts = 0;
    for (let i = 0; i < 3; i++) {
      const r = timeIt(() => replayCapture(big));
      best = Math.min(best, r.ms);
      const total = r.value.records.find((x) => x.type === 'capture');
      adverts = total?.type === 'capture' ? total.adverts : 0;
    }
    console.log(`  vrrplab replay analysis (in-process, best of 3) ${best.toFixed(0).padStart(6)} ms   ${(PACKETS / best / 1e3).toFixed(2)} M pkt/s  (${adverts} adverts)`);

    const pp = timeIt(() => 0);
    const ppStart = process.hrtime.bigint();
    const ppCount = await pcapParserRead(big);
    pp.ms = Number(process.hrtime.bigint() - ppStart) / 1e6;
    const ppVerdict = best < pp.ms ? 'meets target' : 'MISSES target';
    console.log(`  pcap-parser, only reading the packets           ${pp.ms.toFixed(0).padStart(6)} ms   replay is ${(pp.ms / best).toFixed(1)}x faster (target > 1x: ${ppVerdict}; ${ppCount} packets)`);

    const ts = timeIt(() => spawnSync('tshark', ['-r', big, '-Y', 'vrrp', '-T', 'fields', '-e', 'vrrp.prio'], { stdio: ['ignore', 'ignore', 'ignore'] }));
    if (ts.value.error !== undefined || ts.value.status !== 0) {
      console.log(`  tshark: not run (${ts.value.error?.message ?? `exit ${ts.value.status}`})`);
    } else {
      const ratio = ts.ms / best;
      console.log(`  tshark -Y vrrp -T fields -e vrrp.prio           ${ts.ms.toFixed(0).padStart(6)} ms   replay is ${ratio.toFixed(1)}x faster (target >= 25x: ${ratio >= 25 ? 'meets target' : 'MISSES target'})`);
    }

    // Fresh processes, text and JSON, clean and anomaly-heavy, each against tshark on the same file.
    const anomalies = join(dir, 'seed-buggy-1m.pcap');
    const copies = repeatCapture(SEED_BUGGY, anomalies, PACKETS, { echoFirstAt: [5, 6, 7, 8, 9, 10] });
    const records = replayCapture(anomalies).records;
    const count = (type: string) => records.filter((r) => r.type === type).length;
    console.log(`  anomaly-heavy capture: seed-buggy-f1 x ${copies} (two masters in each copy), ${PACKETS.toLocaleString('en')} packets: ${records.length} records ` +
      `(${count('transition')} transitions, ${count('anomaly')} anomalies, ${count('garp')} GARP bursts)`);
    const tsharkRuns = 2;
    const replayRuns = 3;
    for (const [name, path, tsharkKnown] of [['clean', big, ts.value.status === 0 ? ts.ms : undefined], ['anomaly-heavy', anomalies, undefined]] as const) {
      const peer = name === 'clean' && tsharkKnown !== undefined ? Math.min(tsharkKnown, tsharkMs(path, tsharkRuns - 1) ?? tsharkKnown) : tsharkMs(path, tsharkRuns);
      for (const json of [false, true]) {
        const ms = freshReplayMs(path, json, replayRuns);
        const label = `  fresh \`vrrplab replay${json ? ' --json' : ''}\`, ${name}`.padEnd(50);
        if (ms === undefined) {
          console.log(`${label} failed`);
          continue;
        }
        const vs = peer === undefined ? 'tshark not run' : `tshark ${peer.toFixed(0)} ms: ${(peer / ms).toFixed(1)}x (target >= 25x: ${peer / ms >= 25 ? 'meets target' : 'MISSES target'})`;
        console.log(`${label}${ms.toFixed(0).padStart(6)} ms   ${vs}`);
      }
    }

    const c1 = childReplay(small);
    const c2 = childReplay(big);
    if (c1 && c2) {
      console.log(`  fresh process: 100k packets ${c1.ms.toFixed(0)} ms analysis (${c1.wallMs.toFixed(0)} ms with node start-up), peak RSS ${c1.maxRssMb.toFixed(0)} MB`);
      console.log(`  fresh process: 1M packets   ${c2.ms.toFixed(0)} ms analysis (${c2.wallMs.toFixed(0)} ms with node start-up), peak RSS ${c2.maxRssMb.toFixed(0)} MB` +
        `  (10x the file, ${(c2.maxRssMb / c1.maxRssMb).toFixed(2)}x the memory)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/bench/capture.js` runs this bench alone.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
