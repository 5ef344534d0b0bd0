/**
 * The lab's foreign sender: a scenario's `inject` streams, played from a namespace of its own on
 * the lab's bridge at the `from` address (`node sender.js IFACE PLAN_JSON`). The packets are the
 * simulator's (src/wire/forge.ts), so both put the same bytes on the LAN; they go to 224.0.0.18 on
 * a raw socket, each stream at its rate from its epoch time. Bounded: the plan's packets are
 * bounded by the scenario (MAX_INJECT_PACKETS per event) and the sender ends after its last stream.
 * One JSON line per stream when it ends ({stream, sent, failures}).
 */
import { openRawSender } from './raw-sender.js';
import type { InjectStream } from '../sim/cluster.js';
import { forgePacket } from '../wire/forge.js';

export interface SenderStream extends InjectStream {
  /** When the stream starts, epoch ms. */
  atEpochMs: number;
}

/** Distinct packets per stream; a longer stream repeats them, as the simulator's does. */
const VARIANTS = 64;

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, Math.max(0, ms)));

async function main(): Promise<number> {
  const [iface, planText] = process.argv.slice(2);
  if (iface === undefined || planText === undefined) {
    process.stderr.write('usage: sender.js IFACE PLAN_JSON\n');
    return 2;
  }
  const streams = JSON.parse(planText) as SenderStream[];
  const opened = await openRawSender(iface);
  if (!opened.ok) {
    process.stderr.write(`${opened.error}\n`);
    return opened.status;
  }
  const transport = opened.transport;
  for (const [index, stream] of [...streams].sort((a, b) => a.atEpochMs - b.atEpochMs).entries()) {
    await sleep(stream.atEpochMs - Date.now());
    const packets = Array.from({ length: Math.min(stream.count, VARIANTS) }, (_, i) => forgePacket(stream, i));
    const start = performance.now();
    let sent = 0;
    let failures = 0;
    while (sent < stream.count) {
      const due = Math.min(stream.count, Math.floor(((performance.now() - start) / 1000) * stream.rate) + 1);
      for (; sent < due; sent++) {
        const packet = packets[sent % packets.length];
        if (packet !== undefined && !transport.send({ iface, packet, dst: '224.0.0.18' }).ok) failures++;
      }
      if (sent < stream.count) await sleep(5);
    }
    process.stdout.write(`${JSON.stringify({ stream: index, sent, failures })}\n`);
  }
  transport.close();
  return 0;
}

process.exitCode = await main();
