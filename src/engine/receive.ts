/**
 * The per-instance half of keepalived's vrrp_check_packet(), delegated to the wire layer's
 * `checkAdvertForInstance` so that the engine, `vrrplab decode` and replay share one definition of
 * what keepalived accepts, counts and logs. Byte-level checks (length, checksum) happen when the
 * packet is decoded; a packet that reaches the engine is well formed.
 */
import { verdictLogLine } from '../wire/decode.js';
import { checkAdvertForInstance, recordVerdict, type AdvertExpectation } from '../wire/validate.js';
import type { ReceivedAdvert } from '../wire/types.js';
import type { InstanceState } from './instance.js';

export interface ReceiveCheck {
  ok: boolean;
  /** The line keepalived logs for a rejected packet. */
  log?: string;
}

export function expectationOf(instance: InstanceState, checkAddresses: boolean): AdvertExpectation {
  const { config } = instance;
  const auth = config.version === 2 ? config.authentication : undefined;
  return {
    version: config.version,
    vrid: config.vrid,
    family: config.family,
    authType: auth === undefined ? 0 : auth.type === 'PASS' ? 1 : 2,
    auth: auth?.password ?? '',
    advertIntervalMs: instance.advertIntervalMs,
    addresses: config.virtualIpaddresses.filter((vip) => vip.family === config.family).map((vip) => vip.address),
    unicast: instance.unicast,
    checkAddresses,
    unicastPeers: config.unicastPeers,
  };
}

/** Expectations depend only on configuration and one flag: built once per instance. */
const expectations = new WeakMap<InstanceState, [AdvertExpectation, AdvertExpectation]>();

export function checkReceivedAdvert(instance: InstanceState, packet: ReceivedAdvert, checkAddresses: boolean): ReceiveCheck {
  let pair = expectations.get(instance);
  if (pair === undefined) {
    pair = [expectationOf(instance, false), expectationOf(instance, true)];
    expectations.set(instance, pair);
  }
  const expectation = pair[checkAddresses ? 1 : 0];
  const verdict = checkAdvertForInstance(packet, expectation);
  recordVerdict(instance.stats, verdict, packet.advert.priority, instance.config.family);
  if (verdict === 'ok') return { ok: true };
  return { ok: false, log: verdictLogLine(verdict, { instance: instance.name, received: packet, expectation }) ?? undefined };
}
