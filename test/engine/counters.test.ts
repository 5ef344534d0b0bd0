/**
 * The per-instance counters keepalived 2.2.7 keeps (vrrp_stats; printed on SIGUSR2), updated by
 * the engine's receive checks (vrrp_check_packet) and transitions.
 */
import { describe, expect, it } from 'vitest';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const authed = (): Bench =>
  new Bench(config({ instances: [instance({ authentication: { type: 'PASS', password: 'secret' } })] })).start(0);

describe('counters', () => {
  it('advert_rcvd counts adverts that pass the checks; pri_zero_rcvd counts the priority 0 ones among them', () => {
    const bench = authed().receive(1000, { priority: 150 }).receive(2000, { priority: 0 });
    expect(bench.snap().stats).toMatchObject({ advert_rcvd: 2, pri_zero_rcvd: 1 });
  });

  it('a wrong password counts auth_failure and the advert is ignored', () => {
    const bench = authed().receive(1000, { priority: 0, advert: { auth: 'wrong' } }).advance(2000);
    expect(bench.snap().stats).toMatchObject({ auth_failure: 1, advert_rcvd: 0, pri_zero_rcvd: 0 });
    expect(bench.state()).toBe('BACKUP');
    expect(bench.logs()).toContain('(VI_1) received an invalid passwd!');
  });

  it('an auth type other than ours counts authtype_mismatch; one above 2 counts invalid_authtype', () => {
    const bench = authed().receive(1000, { priority: 150, advert: { authType: 0, auth: '' } }).receive(1100, { priority: 150, advert: { authType: 7 } });
    expect(bench.snap().stats).toMatchObject({ authtype_mismatch: 1, invalid_authtype: 1, advert_rcvd: 0 });
  });

  it('a multicast advert with TTL other than 255 counts ip_ttl_err and is ignored (not checked for unicast)', () => {
    const bench = authed().receive(1000, { priority: 0, ttl: 64 });
    expect(bench.snap().stats).toMatchObject({ ip_ttl_err: 1, advert_rcvd: 0 });
    const unicast = new Bench(config({ instances: [instance({ unicastPeers: ['10.0.0.2'] })] })).start(0).receive(1000, { priority: 150, ttl: 64 });
    expect(unicast.snap().stats).toMatchObject({ ip_ttl_err: 0, advert_rcvd: 1 });
  });

  it('a VIP list that differs from ours counts addr_list_err (after advert_rcvd, as keepalived orders the checks)', () => {
    const bench = authed().receive(1000, { priority: 150, advert: { addresses: ['10.0.0.200'] } });
    expect(bench.snap().stats).toMatchObject({ addr_list_err: 1, advert_rcvd: 1 });
    const count = authed().receive(1000, { priority: 150, advert: { addresses: ['10.0.0.100', '10.0.0.101'] } });
    expect(count.snap().stats).toMatchObject({ addr_list_err: 1, advert_rcvd: 0 });
  });

  it('a v2 advert interval mismatch is dropped without counting anything (advert_interval_err stays 0 in 2.2.7)', () => {
    const bench = authed().receive(1000, { priority: 0, advert: { advertIntervalMs: 2000 } });
    expect(bench.snap().stats).toMatchObject({ advert_interval_err: 0, advert_rcvd: 0, pri_zero_rcvd: 0 });
  });

  it('advert_sent, become_master, release_master and pri_zero_sent follow the sends and transitions', () => {
    // MASTER at 3609.375 (adverts at 3609, 4609, 5609), BACKUP at 6000, MASTER again at 9609.375,
    // stopped at 10000 with a priority 0 advert.
    const bench = authed().receive(6000, { priority: 200 }).stop(10_000);
    expect(bench.sent().map((s) => s.priority)).toEqual([100, 100, 100, 100, 0]);
    expect(bench.snap().stats).toMatchObject({ advert_sent: 5, become_master: 2, release_master: 1, pri_zero_sent: 1 });
  });
});
