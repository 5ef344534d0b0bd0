/**
 * A classic pcap stream read as it arrives (`tcpdump -w -` piped into `vrrplab watch -r -`): push
 * chunks of any size, take each complete frame as soon as its last byte is in. Pure; never throws
 * on its bytes. reader.ts reads files (pcap and pcapng, sized up front); a pipe has no size and
 * tcpdump writes classic pcap to it, so this reads pcap only and says so for pcapng.
 */
import { MAX_RECORD, PCAPNG_SHB, PCAP_HEADER_LEN as HEADER_LEN, PCAP_NS_LE as PCAP_NS, PCAP_US_LE as PCAP_US } from './reader.js';
import type { CapturedFrame } from './types.js';

const RECORD_LEN = 16;

export class PcapStream {
  private buf = new Uint8Array(0);
  private used = 0;
  private consumed = 0;
  private little = true;
  private nano = false;
  private linkType = -1;
  /** Set once the stream cannot be read on (bad magic, pcapng, a corrupt record); nothing more is handed out. */
  problem: string | undefined;

  /** Appends `chunk` and hands every frame now complete to `onFrame` (its data is a view: copy to keep). */
  push(chunk: Uint8Array, onFrame: (frame: CapturedFrame) => void): void {
    if (this.problem !== undefined) return;
    this.append(chunk);
    let at = 0;
    const b = this.buf;
    const end = this.used;
    const view = new DataView(b.buffer, b.byteOffset, end);
    if (this.linkType < 0) {
      if (end < HEADER_LEN) return;
      const le = view.getUint32(0, true);
      const be = view.getUint32(0, false);
      if (le === PCAP_US || le === PCAP_NS) this.little = true;
      else if (be === PCAP_US || be === PCAP_NS) this.little = false;
      else {
        this.problem = le === PCAPNG_SHB ? 'a pcapng stream: pipe classic pcap (tcpdump -w - writes it), or give a pcapng file by name' : `not a pcap stream (magic 0x${be.toString(16).padStart(8, '0')})`;
        return;
      }
      this.nano = view.getUint32(0, this.little) === PCAP_NS;
      this.linkType = view.getUint32(20, this.little) & 0x0fffffff;
      at = HEADER_LEN;
    }
    while (end - at >= RECORD_LEN) {
      const sec = view.getUint32(at, this.little);
      const frac = view.getUint32(at + 4, this.little);
      const incl = view.getUint32(at + 8, this.little);
      const orig = view.getUint32(at + 12, this.little);
      if (incl > MAX_RECORD) {
        this.problem = `record of ${incl} bytes at stream offset ${this.consumed + at}: corrupt stream`;
        return;
      }
      if (end - at - RECORD_LEN < incl) break;
      const start = at + RECORD_LEN;
      onFrame({
        ts: sec + frac / (this.nano ? 1e9 : 1e6),
        linkType: this.linkType,
        data: b.subarray(start, start + incl),
        originalLength: orig,
        fileOffset: this.consumed + at,
      });
      at = start + incl;
    }
    // Keep the incomplete tail at the front.
    if (at > 0) {
      b.copyWithin(0, at, end);
      this.used = end - at;
      this.consumed += at;
    }
  }

  /** Bytes held back waiting for the rest of a record (a stream that ends here was cut short). */
  get pending(): number {
    return this.used;
  }

  private append(chunk: Uint8Array): void {
    if (this.used + chunk.length > this.buf.length) {
      const grown = new Uint8Array(Math.max(2 * this.buf.length, this.used + chunk.length, 65536));
      grown.set(this.buf.subarray(0, this.used));
      this.buf = grown;
    }
    this.buf.set(chunk, this.used);
    this.used += chunk.length;
  }
}
