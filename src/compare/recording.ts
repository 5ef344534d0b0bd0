/**
 * Reading a reference recording folder (../shared/captures-reference layout): the capture's
 * VRRP adverts, events.json and notify.log, with every time in ms since the capture started.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipPacketOf } from '../capture/link.js';
import { readCaptureFile } from '../capture/reader.js';
import { decodeAdvertPacket } from '../wire/decode.js';
import type { ReceivedAdvert } from '../wire/types.js';

export interface RecordedEvent {
  t: number;
  host?: string;
  address?: string;
  action: string;
  arg?: string;
}

export interface RecordedNotify {
  t: number;
  host: string;
  /** The notify script's first argument: master, backup, fault... */
  state: string;
  /** Its second argument (the seed's scripts pass the VIP). */
  arg: string;
}

export interface Recording {
  name: string;
  /** Epoch seconds of time 0. */
  captureStart: number;
  events: RecordedEvent[];
  notifies: RecordedNotify[];
  /** Every well-formed VRRP advert in the capture, in capture order. */
  /** With the IP packet's bytes: the engine checks them as keepalived checks what it receives. */
  adverts: { t: number; packet: ReceivedAdvert; bytes: Uint8Array }[];
}

interface EventsFile {
  captureStart: number;
  events: { t: number; host?: string; address?: string; action: string; arg?: string }[];
}

export function readRecording(dir: string, name = dir): Recording {
  const eventsFile = JSON.parse(readFileSync(join(dir, 'events.json'), 'utf8')) as EventsFile;
  const start = eventsFile.captureStart;
  const ms = (epochSeconds: number): number => (epochSeconds - start) * 1000;
  const events = eventsFile.events.map((event) => ({ ...event, t: ms(event.t) }));
  const notifies: RecordedNotify[] = [];
  for (const line of readFileSync(join(dir, 'notify.log'), 'utf8').split('\n')) {
    const [time, host, state, arg] = line.trim().split(/\s+/);
    if (time === undefined || host === undefined || state === undefined || Number.isNaN(Number(time))) continue;
    notifies.push({ t: ms(Number(time)), host, state, arg: arg ?? '' });
  }
  notifies.sort((a, b) => a.t - b.t);
  const adverts: Recording['adverts'] = [];
  for (const frame of readCaptureFile(join(dir, 'capture.pcap'))) {
    const ip = ipPacketOf(frame);
    if (ip === undefined) continue;
    const bytes = frame.data.slice(ip.offset); // a copy: the reader reuses its frame buffer
    const decoded = decodeAdvertPacket(bytes);
    if (decoded?.received == null || decoded.verdict !== 'ok') continue;
    adverts.push({ t: ms(frame.ts), packet: decoded.received, bytes });
  }
  return { name, captureStart: start, events, notifies, adverts };
}
