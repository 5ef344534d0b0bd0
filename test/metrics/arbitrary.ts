/** fast-check snapshots for the exposition's property test and the lab's promtool cross-check. */
import fc from 'fast-check';
import { COUNTERS } from '../../src/metrics/exposition.js';
import type { AlertSnapshot, MetricsSnapshot, SnapshotState, VridSnapshot, VrrpCounterName } from '../../src/metrics/snapshot.js';

const counterNames = COUNTERS.map(([key]) => key);
const state = fc.constantFrom<SnapshotState>('INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP', 'UNKNOWN');
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\\', '"', '\n', '\\n', '\\"', ''));
const value = fc.oneof(fc.nat(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER));
const vrid: fc.Arbitrary<VridSnapshot> = fc.record(
  {
    instance: text,
    iface: text,
    vrid: fc.integer({ min: 0, max: 255 }),
    family: fc.constantFrom<4 | 6>(4, 6),
    state,
    master: text,
    priority: fc.integer({ min: 0, max: 255 }),
    advertIntervalMs: fc.integer({ min: 0, max: 40950 }),
    lastTransitionSec: fc.double({ min: 0, max: 4e9, noNaN: true }),
    backups: fc.array(text, { maxLength: 3 }),
    addresses: fc.array(text, { maxLength: 3 }),
    counters: fc.dictionary(fc.constantFrom<VrrpCounterName>(...counterNames), value),
  },
  { requiredKeys: ['iface', 'vrid', 'family', 'state', 'counters'] },
);
const alert: fc.Arbitrary<AlertSnapshot> = fc.record({ kind: text, iface: text, vrid: fc.integer({ min: 0, max: 255 }), active: fc.boolean(), sinceSec: fc.nat(), evidence: text });
/** Any snapshot a producer could hand the renderer, odd strings and numbers included. */
export const anySnapshot: fc.Arbitrary<MetricsSnapshot> = fc.record(
  {
    source: fc.constantFrom<'watch' | 'run'>('watch', 'run'),
    atSec: fc.nat(),
    vrids: fc.array(vrid, { maxLength: 6 }),
    alerts: fc.array(alert, { maxLength: 4 }),
    malformed: fc.dictionary(text, fc.nat()),
    packetsSeen: fc.nat(),
  },
  { requiredKeys: ['source', 'atSec', 'vrids', 'alerts'] },
);

