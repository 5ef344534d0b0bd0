/**
 * The seed story ("VIP collective drift") driven through two engines alone: the simulator's
 * Cluster core carries adverts between them in virtual time, tracked scripts answer from a model
 * of haproxy, and notify scripts act on that model as the seed's notify.sh does. The timeline is the
 * reference recordings' (both hosts start at 1.0 s; the fault at 9.2 s; the repair at 16.4 s).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { Cluster } from '../../src/sim/cluster.js';

type Variant = 'buggy' | 'fixed';
type Fault = 'keepalived-restart' | 'haproxy-restart';

const VIP_1 = '172.16.25.10'; // VI_1, home A
const VIP_2 = '172.16.25.11'; // VI_2, home B

function seedConfig(host: 'A' | 'B') {
  const { config } = loadConfig(new URL(`../../examples/seed/buggy/${host}/etc/keepalived/keepalived.conf`, import.meta.url).pathname, {
    scriptExists: () => true,
  });
  return config;
}

/** Runs the recordings' timeline; returns which host holds each VIP at the end. */
function runSeed(variant: Variant, fault: Fault, seed: number): Record<string, string[]> {
  const cluster: Cluster = new Cluster(
    [
      { name: 'A', address: '172.16.25.1', config: seedConfig('A') },
      { name: 'B', address: '172.16.25.2', config: seedConfig('B') },
    ],
    {
      seed,
      latencyMs: 0.1,
      startupDelayMs: 70,
      scriptDurationMs: 3,
      notifyDurationMs: 5,
      keepLogs: false,
      // chk_haproxy: is haproxy up; chk_maintaince_down: no maintenance file (never created here).
      runScript: (host, scriptName) => (scriptName === 'chk_haproxy' ? (host.services.get('haproxy') === true ? 0 : 1) : 0),
      runNotify: (host, notify) => {
        const state = notify.args[1];
        if (state === 'master') cluster.setService(host, 'haproxy', true, 'notify master');
        if (variant === 'buggy' && (state === 'backup' || state === 'fault')) cluster.setService(host, 'haproxy', false, `notify ${state}`);
      },
    },
  );
  const [a, b] = cluster.hosts;
  if (a === undefined || b === undefined) throw new Error('two hosts expected');
  for (const host of cluster.hosts) host.services.set('haproxy', true);
  cluster.at(1004, () => {
    cluster.start(a);
    cluster.start(b);
  });
  if (fault === 'keepalived-restart') {
    cluster.at(9202, () => cluster.stop(a));
    cluster.at(16_354, () => cluster.start(a));
  } else {
    cluster.at(9202, () => cluster.setService(a, 'haproxy', false, 'operator stop'));
    cluster.at(16_354, () => cluster.setService(a, 'haproxy', true, 'operator start'));
  }
  cluster.run(30_000);
  const holders: Record<string, string[]> = { [VIP_1]: [], [VIP_2]: [] };
  for (const host of cluster.hosts) for (const address of host.vips.keys()) holders[address]?.push(host.name);
  return holders;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('the seed scenario through the engine alone', () => {
  for (const fault of ['keepalived-restart', 'haproxy-restart'] as const) {
    it(`with the buggy notify script, after the ${fault} both VIPs end on one host (collective drift), whatever the start-up race`, () => {
      for (const seed of SEEDS) {
        const holders = runSeed('buggy', fault, seed);
        expect(holders[VIP_1], `seed ${seed}`).toHaveLength(1);
        expect(holders[VIP_2], `seed ${seed}`).toEqual(holders[VIP_1]);
      }
    });

    it(`with the fixed notify script, after the ${fault} each VIP returns home (VI_1 on A, VI_2 on B)`, () => {
      for (const seed of SEEDS) {
        expect(runSeed('fixed', fault, seed), `seed ${seed}`).toEqual({ [VIP_1]: ['A'], [VIP_2]: ['B'] });
      }
    });
  }
});
