/** The injected faults as spans, from the fault to its undoing. */
import type { SimRecord } from '../cluster.js';
import { writtenValue, type Facts } from './facts.js';
import { parseGroups } from './world.js';

export interface FaultSpan {
  label: string;
  host?: string;
  from: number;
  /** Infinity while still in force at the end. */
  to: number;
  network: boolean;
  /** partition groups, for partitions. */
  groups?: string[][];
}

/** The injected faults as spans from the fault to its undoing (start after stop, heal after partition, ...). */
export function faultSpans(records: SimRecord[], facts: Facts): FaultSpan[] {
  const spans: FaultSpan[] = [];
  const open = new Map<string, FaultSpan>();
  const close = (key: string, t: number): void => {
    const span = open.get(key);
    if (span === undefined) return;
    span.to = t;
    open.delete(key);
  };
  const begin = (key: string, span: Omit<FaultSpan, 'to'>): void => {
    close(key, span.from);
    const full = { ...span, to: Number.POSITIVE_INFINITY };
    open.set(key, full);
    spans.push(full);
  };
  for (const record of records) {
    if (record.type !== 'fault') continue;
    const { t, host, action, detail } = record;
    const who = host ?? '*';
    switch (action) {
      case 'start':
        close(`${who}\0down`, t);
        break;
      case 'stop':
      case 'kill':
        begin(`${who}\0down`, { label: `${who} ${action}`, host, from: t, network: false });
        break;
      case 'service-stop':
        begin(`${who}\0service\0${detail ?? ''}`, { label: `${who} service-stop ${detail ?? ''}`, host, from: t, network: false });
        break;
      case 'service-start':
        close(`${who}\0service\0${detail ?? ''}`, t);
        break;
      case 'touch':
        begin(`${who}\0file\0${detail ?? ''}`, { label: `${who} touch ${detail ?? ''}`, host, from: t, network: false });
        break;
      case 'rm':
        close(`${who}\0file\0${detail ?? ''}`, t);
        break;
      case 'write': {
        // "PATH \"VALUE\"": a file with a value other than 0 is in force like a touched one.
        const { file, zero } = writtenValue(detail);
        if (zero) close(`${who}\0file\0${file}`, t);
        else begin(`${who}\0file\0${file}`, { label: `${who} write ${detail ?? ''}`, host, from: t, network: false });
        break;
      }
      case 'script-hang':
        begin(`${who}\0script\0${detail ?? ''}`, { label: `${who} script-hang ${detail ?? ''}`, host, from: t, network: false });
        break;
      case 'script-resume':
        close(`${who}\0script\0${detail ?? ''}`, t);
        break;
      case 'link-down':
        begin(`${who}\0link\0${detail ?? ''}`, { label: `${who} link-down${detail !== undefined ? ` ${detail}` : ''}`, host, from: t, network: false });
        break;
      case 'link-up':
        if (detail !== undefined) close(`${who}\0link\0${detail}`, t);
        else for (const key of [...open.keys()].filter((candidate) => candidate.startsWith(`${who}\0link\0`))) close(key, t);
        break;
      case 'partition':
        begin('partition', { label: `partition ${detail ?? ''}`, from: t, network: true, groups: parseGroups(detail) });
        break;
      case 'heal':
        close('partition', t);
        break;
      case 'loss':
      case 'delay':
        close(action, t);
        if ((Number.parseFloat(detail ?? '0') || 0) > 0) begin(action, { label: `${action} ${detail ?? ''}`, from: t, network: true });
        break;
      case 'inject': {
        // A foreign sender on the LAN, for as long as its stream lasts ("N kind packets from X (VRID v, R/s)").
        const match = /^(\d+) .*, (\d+(?:\.\d+)?)\/s\)$/.exec(detail ?? '');
        const seconds = match !== null ? Number(match[1]) / Number(match[2]) : 0;
        spans.push({ label: `inject ${detail ?? ''}`, from: t, to: t + seconds, network: true });
        break;
      }
      default:
        spans.push({ label: `${who} ${action}${detail !== undefined ? ` ${detail}` : ''}`, host, from: t, to: t, network: host === undefined });
        break;
    }
  }
  for (const span of spans) if (span.to === Number.POSITIVE_INFINITY) span.to = facts.durationS;
  return spans;
}
