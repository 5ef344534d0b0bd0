/** One packet as a capture file holds it, before any protocol decoding. */
export interface CapturedFrame {
  /** Epoch seconds (float). */
  ts: number;
  /** pcap LINKTYPE_* value (1 Ethernet, 113 Linux SLL, 276 Linux SLL2, 101 raw IP, ...). */
  linkType: number;
  /** The captured bytes (may be a view into a larger buffer: copy if kept). */
  data: Uint8Array;
  /** Length on the wire, which may exceed data.length when the capture was truncated (snaplen). */
  originalLength: number;
  /** Byte offset of the record in the file, for error reports. */
  fileOffset: number;
}

/** A frame in place: `bytes[start..end)` are its captured bytes (reused: valid only until the next frame). */
export interface FrameCursor {
  ts: number;
  linkType: number;
  bytes: Uint8Array;
  start: number;
  end: number;
  originalLength: number;
  fileOffset: number;
}

/** A problem found while reading a capture: reported, never thrown. */
export interface CaptureProblem {
  fileOffset: number;
  message: string;
}
