/**
 * The raw IPv4 socket the lab's senders put packets on the LAN with (src/lab/sender.ts, and the
 * test senders in test/lab/fixtures/): on one interface, joined to VRRP's group, never read from.
 * Errors come with the exit status the senders give: 3, no such interface; 4, no socket.
 */
import { RawTransport } from '../runtime/raw-transport.js';
import { readInterface } from '../runtime/system.js';

export async function openRawSender(iface: string): Promise<{ ok: true; transport: RawTransport } | { ok: false; error: string; status: 3 | 4 }> {
  const info = await readInterface(iface);
  if (!info.ok) return { ok: false, error: info.error, status: 3 };
  const listener = { now: () => performance.now(), advert: () => undefined, dropped: () => undefined, error: (_iface: string, message: string) => process.stderr.write(`${message}\n`) };
  const opened = RawTransport.open({ interfaces: [info.info], families: [4], group4: '224.0.0.18', group6: 'ff02::12', listener });
  return opened.ok ? opened : { ok: false, error: opened.error, status: 4 };
}
