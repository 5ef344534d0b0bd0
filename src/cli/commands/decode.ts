import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readCaptureFile } from '../../capture/reader.js';
import { ipPacketOf } from '../../capture/link.js';
import { decodeAdvertPacket, type DecodedPacket } from '../../wire/decode.js';

/** One VRRP packet as `vrrplab decode --json` prints it. */
export interface DecodeRecord {
  /** Epoch seconds; null for packets given as hex. */
  ts: number | null;
  frame: number;
  src: string;
  dst: string;
  ttl: number;
  version: number | null;
  vrid: number | null;
  priority: number | null;
  authType: number | null;
  auth: string;
  advertIntervalMs: number | null;
  addresses: string[];
  checksumValid: boolean | null;
  verdict: string;
}

function record(d: DecodedPacket, ts: number | null, frame: number): DecodeRecord {
  const a = d.received?.advert;
  const h = d.header;
  return {
    ts,
    frame,
    src: d.src,
    dst: d.dst,
    ttl: d.ttl,
    version: h?.version ?? null,
    vrid: h?.vrid ?? null,
    priority: h?.priority ?? null,
    authType: h?.authType ?? null,
    auth: a?.auth ?? '',
    advertIntervalMs: h?.advertIntervalMs ?? null,
    addresses: a?.addresses ?? [],
    checksumValid: d.checksumValid,
    verdict: d.verdict,
  };
}

const AUTH_NAMES: Record<number, string> = { 0: 'none', 1: 'PASS', 2: 'AH' };

function line(r: DecodeRecord): string {
  const when = r.ts === null ? `#${r.frame}` : new Date(r.ts * 1000).toISOString();
  const head = `${when} ${r.src} > ${r.dst} ttl ${r.ttl}`;
  if (r.version === null) return `${head} VRRP malformed: ${r.verdict}`;
  const auth = r.authType === null ? '' : r.authType === 1 ? ` auth PASS "${r.auth}"` : ` auth ${AUTH_NAMES[r.authType] ?? r.authType}`;
  const addrs = r.addresses.length > 0 ? ` [${r.addresses.join(', ')}]` : '';
  const status = r.verdict === 'ok' ? 'ok' : `MALFORMED: ${r.verdict}`;
  return `${head} VRRPv${r.version} vrid ${r.vrid} prio ${r.priority}${r.version === 2 ? auth : ''} int ${r.advertIntervalMs}ms${addrs} ${status}`;
}

/** Hex text (IP packet or Ethernet frame; spaces, colons and 0x allowed) to bytes, or null. */
function hexBytes(text: string): Uint8Array | null {
  const clean = text.replace(/^0x/i, '').replace(/[\s:.-]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  const v = out[0] >> 4;
  if (v !== 4 && v !== 6 && out.length >= 14) {
    const type = (out[12] << 8) | out[13];
    if (type === 0x0800 || type === 0x86dd) return out.subarray(14);
  }
  return out;
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('decode VRRP packets from a pcap/pcapng file or hex bytes (one line per VRRP packet)')
    .argument('<input...>', 'a capture file, or one or more IP packets (or Ethernet frames) in hex')
    .option('--json', 'one JSON object per line')
    .action((inputs: string[], options: { json?: boolean }) => {
      const emit = (r: DecodeRecord): void => {
        process.stdout.write(options.json ? `${JSON.stringify(r)}\n` : `${line(r)}\n`);
      };
      if (inputs.length === 1 && existsSync(inputs[0])) {
        let frame = 0;
        let problems = 0;
        for (const f of readCaptureFile(inputs[0], {
          onProblem: (p) => {
            problems++;
            process.stderr.write(`vrrplab decode: ${inputs[0]}: offset ${p.fileOffset}: ${p.message}\n`);
          },
        })) {
          frame++;
          const ip = ipPacketOf(f);
          if (!ip) continue;
          const d = decodeAdvertPacket(f.data.subarray(ip.offset));
          if (d) emit(record(d, f.ts, frame));
        }
        if (problems > 0 && frame === 0) process.exitCode = 1;
        return;
      }
      inputs.forEach((text, i) => {
        const bytes = hexBytes(text);
        if (bytes === null) {
          process.stderr.write(`vrrplab decode: ${text}: neither an existing file nor hex bytes\n`);
          process.exitCode = 1;
          return;
        }
        const d = decodeAdvertPacket(bytes);
        if (d) emit(record(d, null, i + 1));
      });
    });
}
