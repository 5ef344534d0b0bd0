/**
 * The per-instance half of keepalived's vrrp_check_packet() (vrrp.c): checks that depend on the
 * receiving instance's configuration. Byte-level checks (length, checksum) happen when the packet
 * is decoded; a packet that reaches the engine is well formed.
 *
 * Returns 'ok', 'drop' (ignored, no counter: keepalived's VRRP_PACKET_DROP) or 'ko' (ignored and
 * counted), and the log line keepalived prints.
 */
import type { ReceivedAdvert } from '../wire/types.js';
import type { InstanceState } from './instance.js';

export type ReceiveVerdict = 'ok' | 'ko' | 'drop';

export interface ReceiveCheck {
  verdict: ReceiveVerdict;
  log?: string;
}

const VRRP_TTL = 255;

export function checkReceivedAdvert(instance: InstanceState, packet: ReceivedAdvert, checkVipAddresses: boolean): ReceiveCheck {
  const { advert } = packet;
  const { config, stats } = instance;
  const name = config.name;
  // RFC 3768 7.1 / RFC 5798 7.1: TTL must be 255, but keepalived does not check it for unicast.
  if (!instance.unicast && packet.ttl !== VRRP_TTL) {
    stats.ip_ttl_err++;
    return { verdict: 'ko', log: `(${name}) invalid TTL/HL. Received ${packet.ttl} and expect ${VRRP_TTL}` };
  }
  if (advert.version !== config.version) {
    stats.vers_err++;
    return { verdict: 'ko', log: `(${name}) wrong version. Received ${advert.version} and expect ${config.version}` };
  }
  if (config.version === 2) {
    if (advert.authType > 2) {
      stats.invalid_authtype++;
      return { verdict: 'ko', log: `(${name}) Invalid auth type: ${advert.authType}` };
    }
    const expectedAuthType = config.authentication === undefined ? 0 : config.authentication.type === 'PASS' ? 1 : 2;
    if (advert.authType !== expectedAuthType) {
      stats.authtype_mismatch++;
      return { verdict: 'ko', log: `(${name}) received a ${advert.authType} auth, expecting ${expectedAuthType}!` };
    }
    if (expectedAuthType === 1 && advert.auth !== config.authentication?.password) {
      stats.auth_failure++;
      return { verdict: 'ko', log: `(${name}) received an invalid passwd!` };
    }
    // keepalived 2.2.7 drops a v2 interval mismatch without counting it (advert_interval_err stays 0).
    if (advert.advertIntervalMs !== instance.advertIntervalMs) {
      return {
        verdict: 'drop',
        log: `(${name}) advertisement interval mismatch mine=${Math.floor(instance.advertIntervalMs / 1000)} sec rcv'd=${Math.floor(advert.advertIntervalMs / 1000)} sec`,
      };
    }
  }
  if (checkVipAddresses && advert.addresses.length !== instance.vips.length) {
    stats.addr_list_err++;
    return {
      verdict: 'ko',
      log: `(${name}) received an unexpected ip number count ${advert.addresses.length}, expected ${instance.vips.length}!`,
    };
  }
  stats.advert_rcvd++;
  if (checkVipAddresses) {
    const received = new Set(advert.addresses);
    for (const vip of instance.vips) {
      if (!received.has(vip)) {
        stats.addr_list_err++;
        return { verdict: 'ko', log: `(${name}) ip address associated with VRID ${config.vrid} not present in MASTER advert: ${vip}` };
      }
    }
  }
  if (advert.priority === 0) stats.pri_zero_rcvd++;
  return { verdict: 'ok' };
}
