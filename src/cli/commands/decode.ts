import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readCaptureFile } from '../../capture/reader.js';
import { ipPacketOf } from '../../capture/link.js';
import { decodeAdvertPacket, type DecodedPacket } from '../../wire/decode.js';
import { authTypeName, quotedPassword } from '../../wire/vrrp.js';
import { checkTrailerHmac, keyBytes, trailerSequenceText, type HmacCheck, type HmacTrailer } from '../../wire/auth-hmac.js';

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
  /** 'rfc', 'no-pseudo-header' (a VRRPv3/IPv4 checksum without the pseudo-header), 'bad', or null. */
  checksumVariant: string | null;
  /** Cisco MD5 (auth type 254): the 16-byte digest and the Cisco block before it, hex. */
  md5Digest?: string;
  ciscoBlock?: string;
  /** VRRPv2 auth type 1..254 whose auth data is missing from the packet. */
  authMissing?: true;
  /** The addresses (and other fields) were read from a packet whose length is wrong. */
  partial?: true;
  /** keepalived 2.4's auth_hmac trailer after the PDU (fields that do not fit are null). */
  hmac?: HmacTrailer;
  /** With --key: the trailer's HMAC checked ('good', 'bad-hmac', 'unknown-key', 'malformed'). */
  hmacCheck?: HmacCheck;
  verdict: string;
}

function record(d: DecodedPacket, ts: number | null, frame: number, ip: Uint8Array, keys: ReadonlyMap<number, Uint8Array> | null): DecodeRecord {
  const a = d.received?.advert ?? d.partial ?? undefined;
  const h = d.header;
  const out: DecodeRecord = {
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
    checksumVariant: d.checksumVariant,
    verdict: d.verdict,
  };
  if (d.auth?.kind === 'cisco-md5') {
    out.md5Digest = d.auth.digest;
    out.ciscoBlock = d.auth.block;
  }
  if (d.auth?.kind === 'missing') out.authMissing = true;
  if (d.received === null && d.partial !== null) out.partial = true;
  if (d.hmac !== null) {
    out.hmac = d.hmac;
    if (keys !== null && d.vrrpOffset !== undefined && d.expectedLength !== null) {
      out.hmacCheck = checkTrailerHmac(ip, d.vrrpOffset, d.expectedLength, d.length, keys);
    }
  }
  // Keep `verdict` last, where it always was.
  const { verdict, ...rest } = out;
  return { ...rest, verdict };
}

function line(r: DecodeRecord): string {
  const when = r.ts === null ? `#${r.frame}` : new Date(r.ts * 1000).toISOString();
  const head = `${when} ${r.src} > ${r.dst} ttl ${r.ttl}`;
  if (r.version === null) return `${head} VRRP malformed: ${r.verdict}`;
  let auth = '';
  if (r.authType !== null && r.version === 2) {
    auth = r.authType === 1 && r.authMissing !== true ? ` auth PASS ${quotedPassword(r.auth)}` : ` auth ${authTypeName(r.authType)}`;
    if (r.md5Digest !== undefined) auth += ` digest ${r.md5Digest}`;
    if (r.authMissing === true) auth += ' (auth data missing)';
  }
  const addrs = r.addresses.length > 0 ? ` [${r.addresses.join(', ')}]` : '';
  const checksum =
    r.checksumVariant === 'no-pseudo-header' ? ' checksum without the IPv4 pseudo-header (not RFC 5798)' : r.checksumVariant === 'bad' && r.verdict !== 'bad-checksum' ? ' bad checksum' : '';
  const status = r.verdict === 'ok' ? 'ok' : `MALFORMED: ${r.verdict}`;
  return `${head} VRRPv${r.version} vrid ${r.vrid} prio ${r.priority}${auth} int ${r.advertIntervalMs}ms${addrs}${trailerText(r)}${checksum} ${status}`;
}

const CHECK_TEXT: Record<HmacCheck, string> = {
  good: 'HMAC good',
  'bad-hmac': 'HMAC BAD',
  'unknown-key': 'HMAC unknown key',
  malformed: 'HMAC not checked (malformed trailer)',
};

/** keepalived 2.4's auth_hmac trailer, as far as it was read, and the --key check. */
function trailerText(r: DecodeRecord): string {
  const t = r.hmac;
  if (t === undefined) return '';
  let out = t.extType === 1 ? ' auth_hmac' : ` auth trailer ext_type ${t.extType}`;
  if (t.keyId !== null) out += ` key ${t.keyId}`;
  const seq = trailerSequenceText(t);
  if (seq !== '') out += ` seq ${seq}`;
  if (t.hmac !== null) out += ` hmac ${t.hmac}`;
  if (t.problem === 'short') out += ` (trailer short: ${t.length} of 28 bytes)`;
  else if (t.problem === 'unknown-ext-type') out += ' (unknown ext_type: keepalived 2.4.3 knows 1, HMAC-SHA256/128)';
  else if (t.problem === 'reserved') out += ` (reserved ${t.reserved} not zero)`;
  if (r.hmacCheck !== undefined) out += ` ${CHECK_TEXT[r.hmacCheck]}`;
  return out;
}

/** Hex text (IP packet or Ethernet frame; spaces, colons and 0x allowed) to bytes, or null. */
function hexBytes(text: string): Uint8Array | null {
  const clean = text.replace(/^0x/i, '').replace(/[\s:.-]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  const v = out[0] >> 4;
  if (v !== 4 && v !== 6 && out.length >= 14) {
    // An Ethernet frame, possibly with 802.1Q / QinQ tags before the EtherType.
    let at = 12;
    let type = (out[at] << 8) | out[at + 1];
    while ((type === 0x8100 || type === 0x88a8) && at + 6 <= out.length) {
      at += 4;
      type = (out[at] << 8) | out[at + 1];
    }
    if (type === 0x0800 || type === 0x86dd) return out.subarray(at + 2);
  }
  return out;
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('decode VRRP packets from a pcap/pcapng file or hex bytes (one line per VRRP packet)')
    .argument('<input...>', 'a capture file, or one or more IP packets (or Ethernet frames) in hex')
    .option('--json', 'one JSON object per line')
    .option(
      '--key <ID=KEY>',
      "an auth_hmac key (keepalived 2.4) to verify trailers with: ID=hex:…, ID=file:PATH or ID=ASCII text, as keepalived.conf's 'key' (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action((inputs: string[], options: { json?: boolean; key?: string[] }) => {
      let keys: Map<number, Uint8Array> | null = null;
      for (const spec of options.key ?? []) {
        const parsed = parseKeyOption(spec);
        if (typeof parsed === 'string') {
          process.stderr.write(`vrrplab decode: --key ${spec}: ${parsed}\n`);
          process.exitCode = 2;
          return;
        }
        (keys ??= new Map()).set(parsed.id, parsed.key);
      }
      let emitted = 0;
      const emit = (r: DecodeRecord): void => {
        emitted++;
        process.stdout.write(options.json ? `${JSON.stringify(r)}\n` : `${line(r)}\n`);
      };
      const noVrrp = (what: string): void => {
        process.stderr.write(`vrrplab decode: no VRRP packet in ${what}\n`);
        process.exitCode = 1;
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
          const bytes = f.data.subarray(ip.offset);
          const d = decodeAdvertPacket(bytes);
          if (d) emit(record(d, f.ts, frame, bytes, keys));
        }
        if (problems > 0 && frame === 0) process.exitCode = 1;
        if (emitted === 0) noVrrp(`${inputs[0]} (${frame} frame${frame === 1 ? '' : 's'})`);
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
        if (d) emit(record(d, null, i + 1, bytes, keys));
        else process.stderr.write(`vrrplab decode: ${text}: not a VRRP packet (neither IPv4/IPv6 carrying protocol 112 nor an Ethernet frame holding one)\n`);
      });
      if (emitted === 0) noVrrp(inputs.length === 1 ? 'the input' : `the ${inputs.length} inputs`);
    });
}

/**
 * `--key ID=VALUE`: an id of 1..255 and a value read as keepalived 2.4.3 reads a key (`hex:` bytes,
 * `file:` a file holding such a value, its line ending dropped, or ASCII text). keepalived's
 * length bounds (32..64 bytes) are not enforced here: a key it would refuse still verifies what it
 * verifies. A message for a bad option.
 */
export function parseKeyOption(spec: string): { id: number; key: Uint8Array } | string {
  const eq = spec.indexOf('=');
  if (eq < 0) return 'expected ID=hex:…, ID=file:PATH or ID=ASCII';
  const idText = spec.slice(0, eq);
  const id = /^[0-9]+$/.test(idText) ? Number(idText) : NaN;
  if (!(id >= 1 && id <= 255)) return `key id '${idText}' must be between 1 and 255`;
  let value = spec.slice(eq + 1);
  if (value.startsWith('file:')) {
    try {
      value = readFileSync(value.slice(5), 'utf8').replace(/[\r\n]+$/, '');
    } catch (e) {
      return `cannot read ${value.slice(5)}: ${(e as Error).message}`;
    }
  }
  const key = keyBytes(value);
  if (key.length === 0) return value.startsWith('hex:') ? 'no key bytes (keepalived reads a hex: value with a non-hex digit as length 0)' : 'empty key';
  return { id, key };
}
