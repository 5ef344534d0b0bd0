/**
 * The classic BPF program `vrrplab watch -i` attaches to its capture socket (SO_ATTACH_FILTER,
 * native setFilter): the kernel hands over only the frames the Watcher can use, so the rest of a
 * busy LAN costs no copy, no wake-up and no call into JS. Built here as data (struct sock_filter
 * entries); the native helper only wraps it in a sock_fprog. test/watch/filter.test.ts runs it
 * in a small BPF interpreter against the Watcher itself.
 *
 * Kept: exactly the frames the Watcher (watcher.ts, replay's FrameDecoder, wire's locateVrrp)
 * does anything with, read as they do, Ethernet with up to MAX_TAGS 802.1Q/802.1ad tags:
 * - IPv4 with protocol 112 (VRRP) or 51 (AH: the decoder reads VRRP behind it), or shorter than
 *   its protocol byte (the decoder counts it malformed);
 * - IPv6 with next header 112, or an extension header the decoder walks (0, 43, 44, 51, 60), or a
 *   neighbour advertisement (next header 58, type 136 at byte 40, 64 bytes or more), or truncated
 *   (under 40 bytes, or a payload length beyond the frame: malformed) or not version 6;
 * - ARP (gratuitous ARPs, and which MAC has an address);
 * - frames with more than MAX_TAGS tags (passed unread: the Watcher decides).
 * Dropped: every other EtherType, IPv4 of any other protocol, IPv6 of any other next header.
 * A VLAN tag the NIC took off (most do) is not in the frame at all, here as in what is read.
 */

/** struct sock_filter, as linux/filter.h: code, jump if true, jump if false, constant. */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

// linux/bpf_common.h
export const BPF = {
  LD_W_LEN: 0x80, // A = frame length
  LD_H_ABS: 0x28, // A = u16 at k (big-endian)
  LD_B_ABS: 0x30, // A = u8 at k
  ALU_ADD_K: 0x04,
  ALU_RSH_K: 0x74,
  TAX: 0x07, // X = A
  JEQ_K: 0x15,
  JGE_K: 0x35,
  JGE_X: 0x3d,
  RET_K: 0x06,
} as const;

/** What an accepted frame keeps: all of it (tcpdump's snap length). */
export const ACCEPT = 262144;
/** VLAN tags read before the filter gives up and passes the frame. */
export const MAX_TAGS = 2;

const TAGS = [0x8100, 0x88a8, 0x9100, 0x9200];
const IPV4 = 0x0800;
const IPV6 = 0x86dd;
const ARP = 0x0806;
/** IPv6 headers ipv6UpperLayer walks past (hop-by-hop, routing, fragment, AH, destination options). */
const IPV6_EXTENSIONS = [0, 43, 44, 51, 60];

type Target = string;
type Op =
  | { code: number; k: number; label?: string }
  | { code: number; k: number; yes: Target; no: Target; label?: string };

/** A tiny assembler: jumps name labels; they must lie ahead, within 255 instructions. */
function assemble(ops: Op[]): BpfInsn[] {
  const at = new Map<string, number>();
  ops.forEach((op, i) => {
    if (op.label !== undefined) at.set(op.label, i);
  });
  return ops.map((op, i) => {
    if (!('yes' in op)) return { code: op.code, jt: 0, jf: 0, k: op.k >>> 0 };
    const jump = (t: Target): number => {
      const to = at.get(t);
      if (to === undefined || to <= i || to - i - 1 > 255) throw new Error(`bpf: bad jump to ${t} at ${i}`);
      return to - i - 1;
    };
    return { code: op.code, jt: jump(op.yes), jf: jump(op.no), k: op.k >>> 0 };
  });
}

/** The program (see the module comment). */
export function watchFilter(): BpfInsn[] {
  const ops: Op[] = [];
  const eq = (k: number, yes: Target, no: Target, label?: string) => ops.push({ code: BPF.JEQ_K, k, yes, no, label });
  /** A chain of `== values[i]` tests, the first labelled `first`: any match goes to `yes`, none to `no`. */
  const anyOf = (values: readonly number[], yes: Target, no: Target, first: string) =>
    values.forEach((v, i) => eq(v, yes, i === values.length - 1 ? no : `${first}+${i + 1}`, i === 0 ? first : `${first}+${i}`));
  for (let level = 0; level <= MAX_TAGS; level++) {
    const type = 12 + 4 * level;
    const p = type + 2; // where the network-layer packet starts
    const next = level < MAX_TAGS ? `type${level + 1}` : 'accept';
    ops.push({ code: BPF.LD_H_ABS, k: type, label: `type${level}` });
    eq(IPV4, `ip4.${level}`, `t6.${level}`);
    eq(IPV6, `ip6.${level}`, `tarp.${level}`, `t6.${level}`);
    eq(ARP, 'accept', `tag.${level}`, `tarp.${level}`);
    anyOf(TAGS, next, 'drop', `tag.${level}`);

    // IPv4: the decoder reads the protocol byte when the frame has it, else counts it malformed.
    ops.push({ code: BPF.LD_W_LEN, k: 0, label: `ip4.${level}` });
    ops.push({ code: BPF.JGE_K, k: p + 10, yes: `ip4p.${level}`, no: 'accept' });
    ops.push({ code: BPF.LD_B_ABS, k: p + 9, label: `ip4p.${level}` });
    anyOf([112, 51], 'accept', 'drop', `ip4v.${level}`);

    // IPv6: what locateVrrp calls truncated is passed (malformed), as is another version nibble.
    ops.push({ code: BPF.LD_W_LEN, k: 0, label: `ip6.${level}` });
    ops.push({ code: BPF.JGE_K, k: p + 40, yes: `ip6v.${level}`, no: 'accept' });
    ops.push({ code: BPF.LD_B_ABS, k: p, label: `ip6v.${level}` });
    ops.push({ code: BPF.ALU_RSH_K, k: 4 });
    eq(6, `ip6l.${level}`, 'accept');
    ops.push({ code: BPF.LD_H_ABS, k: p + 4, label: `ip6l.${level}` });
    ops.push({ code: BPF.ALU_ADD_K, k: p + 40 });
    ops.push({ code: BPF.TAX, k: 0 });
    ops.push({ code: BPF.LD_W_LEN, k: 0 });
    ops.push({ code: BPF.JGE_X, k: 0, yes: `ip6n.${level}`, no: 'accept' });
    ops.push({ code: BPF.LD_B_ABS, k: p + 6, label: `ip6n.${level}` });
    eq(58, `na.${level}`, `ip6x.${level}`);
    anyOf([112, ...IPV6_EXTENSIONS], 'accept', 'drop', `ip6x.${level}`);
    // A neighbour advertisement as the Watcher takes it: 64 bytes or more, ICMPv6 type 136.
    ops.push({ code: BPF.LD_W_LEN, k: 0, label: `na.${level}` });
    ops.push({ code: BPF.JGE_K, k: p + 64, yes: `nat.${level}`, no: 'drop' });
    ops.push({ code: BPF.LD_B_ABS, k: p + 40, label: `nat.${level}` });
    eq(136, 'accept', 'drop');
  }
  ops.push({ code: BPF.RET_K, k: 0, label: 'drop' });
  ops.push({ code: BPF.RET_K, k: ACCEPT, label: 'accept' });
  return assemble(ops);
}

/** The program as setFilter takes it: 8 bytes an instruction, host byte order. */
export function encodeFilter(program: readonly BpfInsn[], littleEndian: boolean): Buffer {
  const b = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    if (littleEndian) {
      b.writeUInt16LE(insn.code, i * 8);
      b.writeUInt32LE(insn.k, i * 8 + 4);
    } else {
      b.writeUInt16BE(insn.code, i * 8);
      b.writeUInt32BE(insn.k, i * 8 + 4);
    }
    b[i * 8 + 2] = insn.jt;
    b[i * 8 + 3] = insn.jf;
  });
  return b;
}
