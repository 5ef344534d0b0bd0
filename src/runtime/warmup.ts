/**
 * JIT warm-up. keepalived is C: its first takeover runs as fast as its thousandth. In Node the
 * first MASTER transition runs cold code (lazy compilation of the engine's takeover path and of the
 * packet builder) and was measured at ~0.8 ms in the engine plus ~1 ms before the advert left:
 * the whole of vrrplab's extra failover delay. So at start-up a throwaway engine with the same
 * configuration is driven, in virtual time and without any I/O, through what the real one will
 * do: BACKUP, takeover, adverts, a higher-priority peer, a resignation, a stop.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { HostEngine, type HostEnvironment } from '../engine/host.js';
import type { EngineAction } from '../engine/types.js';
import { buildAdvertPacket } from '../wire/packet.js';
import { decodeAdvertPacket } from '../wire/decode.js';

const PEER = { 4: '0.0.0.1', 6: 'fe80::1' } as const;

/**
 * Takeovers to drive in all: enough for V8 to compile the path. A round takes every instance over
 * once, so a config with many instances needs fewer rounds: 255 instances at 40 rounds each left
 * RSS at 96-109 MB for the first ~30 s (bench/runtime.ts); one round, 69-77 MB.
 */
const WARM_TAKEOVERS = 40;

export function warmUp(config: KeepalivedConfig, env: HostEnvironment): void {
  const rounds = Math.ceil(WARM_TAKEOVERS / Math.max(1, config.instances.length));
  for (let round = 0; round < rounds; round++) {
    const engine = new HostEngine(config, env);
    let now = 0;
    const drain = (actions: EngineAction[]): void => {
      for (const action of actions) {
        if (action.type !== 'send-advert' || action.src === undefined) continue;
        const dst = action.advert.family === 6 ? config.globalDefs.vrrpMcastGroup6 : config.globalDefs.vrrpMcastGroup4;
        decodeAdvertPacket(buildAdvertPacket(action.advert, { src: action.src, dst }));
      }
    };
    drain(engine.handle(now, { type: 'start' }));
    for (const instance of config.instances) {
      const done = engine.handle(now, { type: 'script-result', script: instance.trackScripts[0]?.name ?? '', exitCode: 0 });
      drain(done);
    }
    // Let every instance time out into MASTER and advertise a few times.
    for (let step = 0; step < 8; step++) {
      now = engine.nextDeadline() ?? now + 1000;
      drain(engine.handleTimeout(now));
    }
    // A peer with a higher priority, then its resignation: MASTER -> BACKUP -> MASTER again.
    for (const priority of [255, 0]) {
      for (const instance of config.instances) {
        const advert = { version: instance.version, vrid: instance.vrid, priority, authType: 0, auth: '', advertIntervalMs: instance.advertIntervalMs, family: instance.family, addresses: instance.virtualIpaddresses.map((vip) => vip.address) };
        drain(engine.handle(now, { type: 'advert', iface: instance.interface, packet: { advert, src: PEER[instance.family], dst: '224.0.0.18', ttl: 255 } }));
      }
      now = engine.nextDeadline() ?? now + 1000;
      drain(engine.handleTimeout(now));
    }
    drain(engine.handle(now + 1, { type: 'stop' }));
  }
}
