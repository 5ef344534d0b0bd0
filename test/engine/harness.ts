/**
 * A single HostEngine driven by hand in virtual time: tests hand in adverts, script results and
 * link changes at chosen times and read back what the engine did, each action stamped with the
 * time it happened (timers are fired one by one at their own deadlines).
 */
import type { KeepalivedConfig } from '../../src/config/model.js';
import { HostEngine, type HostOptions, type InstanceSnapshot } from '../../src/engine/host.js';
import type { EngineAction, EngineEvent, VrrpState } from '../../src/engine/types.js';
import type { ReceivedTrailer, VrrpAdvert } from '../../src/wire/types.js';

export type Stamped<T> = T & { t: number };
type Action<K extends EngineAction['type']> = Extract<EngineAction, { type: K }>;

export interface PeerAdvert {
  vrid?: number;
  priority: number;
  src?: string;
  ttl?: number;
  iface?: string;
  /** Destination: the multicast group, or our own address for a unicast instance. */
  dst?: string;
  /** Overrides of the advert's fields (auth, interval, addresses...). */
  advert?: Partial<VrrpAdvert>;
  /** When the driver hands it in, if later than it arrived (EngineEvent handledAt). */
  handledAt?: number;
  /** keepalived 2.4's auth_hmac trailer, symbolic (ReceivedTrailer.signedWith). */
  hmac?: ReceivedTrailer;
}

export class Bench {
  readonly engine: HostEngine;
  readonly log: Stamped<EngineAction>[] = [];
  now = 0;

  constructor(
    readonly config: KeepalivedConfig,
    /** The interfaces' address at start; null: none (the instances wait in FAULT for one). */
    readonly address: string | null = '10.0.0.1',
    options: HostOptions = {},
  ) {
    const interfaceAddresses: Record<string, string> = {};
    if (address !== null) for (const inst of config.instances) interfaceAddresses[inst.interface] = address;
    this.engine = new HostEngine(config, { interfaceAddresses }, options);
  }

  /** Fire every timer due up to `t`, each at its own deadline, then set the clock to `t`. */
  advance(t: number): this {
    for (;;) {
      const deadline = this.engine.nextDeadline();
      if (deadline === undefined || deadline > t) break;
      this.record(deadline, this.engine.handleTimeout(deadline));
    }
    this.now = Math.max(this.now, t);
    return this;
  }

  event(t: number, event: EngineEvent): this {
    this.advance(t);
    this.record(t, this.engine.handle(t, event));
    return this;
  }

  start(t = 0, event: Omit<Extract<EngineEvent, { type: 'start' }>, 'type'> = {}): this {
    return this.event(t, { type: 'start', ...event });
  }

  stop(t: number): this {
    return this.event(t, { type: 'stop' });
  }

  script(t: number, script: string, exitCode: number): this {
    return this.event(t, { type: 'script-result', script, exitCode });
  }

  link(t: number, iface: string, up: boolean): this {
    return this.event(t, { type: 'link', iface, up });
  }

  /** An address added to (or removed from) an interface, as the kernel reports it. */
  addressChange(t: number, iface: string, address: string, present: boolean, extra: { linkScope?: boolean; prefixLength?: number } = {}): this {
    return this.event(t, { type: 'address', iface, family: address.includes(':') ? 6 : 4, address, present, ...extra });
  }

  file(t: number, trackFile: string, value: number): this {
    return this.event(t, { type: 'file-value', trackFile, value });
  }

  /** An advert from a peer for the (first) instance with that VRID, built like that instance's own. */
  receive(t: number, peer: PeerAdvert): this {
    const vrid = peer.vrid ?? this.config.instances[0]!.vrid;
    const inst = this.config.instances.find((candidate) => candidate.vrid === vrid) ?? this.config.instances[0]!;
    const auth = inst.version === 2 ? inst.authentication : undefined;
    const advert: VrrpAdvert = {
      version: inst.version,
      vrid,
      priority: peer.priority,
      authType: auth === undefined ? 0 : auth.type === 'PASS' ? 1 : 2,
      auth: auth?.type === 'PASS' ? auth.password : '',
      advertIntervalMs: inst.advertIntervalMs,
      family: inst.family,
      addresses: inst.virtualIpaddresses.map((vip) => vip.address),
      ...peer.advert,
    };
    return this.event(t, {
      type: 'advert',
      iface: peer.iface ?? inst.interface,
      packet: {
        advert,
        src: peer.src ?? '10.0.0.2',
        dst: peer.dst ?? (inst.unicastPeers.length > 0 ? (this.address ?? '10.0.0.1') : '224.0.0.18'),
        ttl: peer.ttl ?? 255,
        ...(peer.hmac === undefined ? {} : { hmac: peer.hmac }),
      },
      ...(peer.handledAt === undefined ? {} : { handledAt: peer.handledAt }),
    });
  }

  private record(t: number, actions: EngineAction[]): void {
    for (const action of actions) this.log.push({ ...action, t });
  }

  of<K extends EngineAction['type']>(type: K, since = Number.NEGATIVE_INFINITY): Stamped<Action<K>>[] {
    return this.log.filter((a): a is Stamped<Action<K>> => a.type === type && a.t >= since);
  }

  sent(instance?: string, since?: number): { t: number; priority: number; vrid: number }[] {
    return this.of('send-advert', since)
      .filter((a) => instance === undefined || a.instance === instance)
      .map((a) => ({ t: a.t, priority: a.advert.priority, vrid: a.advert.vrid }));
  }

  transitions(instance?: string): { t: number; from: VrrpState; to: VrrpState; priority: number }[] {
    return this.of('transition')
      .filter((a) => instance === undefined || a.instance === instance)
      .map((a) => ({ t: a.t, from: a.from, to: a.to, priority: a.priority }));
  }

  notifies(instance?: string): { t: number; state: VrrpState; kind: string; args: string[] }[] {
    return this.of('notify')
      .filter((a) => instance === undefined || a.instance === instance)
      .map((a) => ({ t: a.t, state: a.state, kind: a.kind, args: a.args }));
  }

  logs(): string[] {
    return this.of('log').map((a) => a.message);
  }

  snap(name = this.config.instances[0]!.name): InstanceSnapshot {
    const found = this.engine.snapshot().find((s) => s.name === name);
    if (found === undefined) throw new Error(`no instance ${name}`);
    return found;
  }

  state(name?: string): VrrpState {
    return this.snap(name).state;
  }
}
