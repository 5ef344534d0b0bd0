/** The wire layer's public surface: codecs, validation, statistics. */
export type { IpFamily, VrrpAdvert, ReceivedAdvert } from './types.js';
export { canonicalAddress, formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './address.js';
export { internetChecksum } from './checksum.js';
export { buildAdvertPacket, locateVrrp, newLocation, vrrpChecksumValid, type BuildOptions, type VrrpLocation } from './packet.js';
export { AUTH_AH, AUTH_NONE, AUTH_PASS, VRRP_GROUP_V4, VRRP_GROUP_V6, passwordBytes, vrrpLength } from './vrrp.js';
export { decodeAdvertPacket, verdictLogLine, type DecodedPacket, type LogContext } from './decode.js';
export {
  checkAdvertForInstance,
  checkVrrpPacket,
  compileExpectation,
  recordVerdict,
  shouldCheckAddresses,
  validateAdvertPacket,
  verdictInfo,
  VERDICTS,
  type AdvertExpectation,
  type CompiledExpectation,
  type Disposition,
  type InstanceVerdict,
  type PacketVerdict,
  type Verdict,
  type VerdictInfo,
} from './validate.js';
export { formatVrrpStats, newVrrpStats, type VrrpStats, type VrrpStatsCounter } from './stats.js';
