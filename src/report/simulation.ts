/**
 * Simulation results as timelines: a lane per host per instance (grouped by VRID), state spans from
 * the transitions, effective priorities, the VIPs each lane holds, and markers for injected events,
 * service changes, notify runs and findings.
 */
import { keepalivedRelease } from '../config/version.js';
import type { VrrpState } from '../engine/types.js';
import { NOTIFY_FIFO } from '../sim/cluster.js';
import { formatFinding } from '../sim/format.js';
import type { SimulationResult } from '../sim/run.js';
import { renderReport, writeReportFile } from './html.js';
import { appendTo, type HoldSpan, type Lane, type LaneGroup, type LaneState, type Marker, type Timeline } from './timeline.js';

interface LaneBuilder {
  lane: Lane;
  vrid: number;
  state: LaneState;
  since: number;
  note: string | undefined;
  vips: Set<string>;
  holdingSince: number;
}

export function simulationTimeline(result: SimulationResult, title = result.scenario.name): Timeline {
  const { scenario } = result;
  const end = scenario.durationMs / 1000;
  const builders = new Map<string, LaneBuilder>();
  const markers: Marker[] = [];
  const laneFor = (record: { host: string; instance: string }, vrid?: number): LaneBuilder => {
    const id = `${record.host}/${record.instance}`;
    let builder = builders.get(id);
    if (builder === undefined) {
      builder = {
        lane: { id, host: record.host, instance: record.instance, spans: [], priorities: [], holds: [] },
        vrid: vrid ?? 0,
        state: 'DOWN',
        since: 0,
        note: undefined,
        vips: new Set(),
        holdingSince: 0,
      };
      builders.set(id, builder);
    }
    if (vrid !== undefined) builder.vrid = vrid;
    return builder;
  };
  const closeHold = (builder: LaneBuilder, t: number) => {
    if (builder.vips.size === 0) return;
    builder.lane.holds.push({ from: builder.holdingSince, to: t, label: [...builder.vips].sort().join(' ') } satisfies HoldSpan);
  };

  for (const record of result.records) {
    switch (record.type) {
      case 'transition': {
        // A FAULT keepalived never shows (awaiting a first script result): the lane stays as it was.
        if (record.silent === true) {
          laneFor(record, record.vrid);
          break;
        }
        const builder = laneFor(record, record.vrid);
        const state = laneState(record.to);
        if (state !== builder.state) {
          builder.lane.spans.push({ from: builder.since, to: record.t, state: builder.state, note: builder.note });
          builder.state = state;
          builder.since = record.t;
        }
        builder.note = record.to === 'STOP' ? undefined : `entered with priority ${record.priority}`;
        pushPriority(builder.lane, record.t, record.to === 'STOP' ? null : record.priority);
        break;
      }
      case 'priority':
        pushPriority(laneFor(record, record.vrid).lane, record.t, record.to);
        break;
      case 'vip': {
        const builder = laneFor(record);
        closeHold(builder, record.t);
        if (record.held) builder.vips.add(record.address);
        else builder.vips.delete(record.address);
        builder.holdingSince = record.t;
        break;
      }
      case 'notify':
        if (record.command === NOTIFY_FIFO) {
          // A notify fifo line: on its instance's lane; a group's line makes no lane of its own.
          const line = record.args.join(' ');
          const instance = line.startsWith('INSTANCE ');
          if (instance) laneFor(record);
          markers.push({ kind: 'notify', at: record.t, ...(instance ? { lane: `${record.host}/${record.instance}` } : {}), label: `${record.host} notify_fifo: ${line}` });
          break;
        }
        laneFor(record);
        markers.push({ kind: 'notify', at: record.t, lane: `${record.host}/${record.instance}`, label: `${record.host} notify ${record.state.toLowerCase()}: ${record.args.join(' ')}` });
        break;
      case 'fault':
        markers.push({ kind: 'event', at: record.t, label: `${record.host === undefined ? '' : `${record.host} `}${record.action}${record.detail === undefined ? '' : ` ${record.detail}`}` });
        break;
      case 'service':
        // Services the timeline itself starts or stops already have an event marker.
        if (record.cause === 'timeline') break;
        markers.push({ kind: 'service', at: record.t, label: `${record.host}: ${record.service} ${record.up ? 'started' : 'STOPPED'} (${record.cause})`, tone: record.up ? 'good' : 'bad' });
        break;
      case 'log':
        break;
    }
  }

  for (const builder of builders.values()) {
    if (end > builder.since) builder.lane.spans.push({ from: builder.since, to: end, state: builder.state, note: builder.note });
    closeHold(builder, end);
  }

  const laneIds = new Set(builders.keys());
  for (const finding of result.findings) {
    // Instances are named `host/instance` (the lane id), or bare names meaning each listed host's.
    const lanes = [...new Set(finding.instances.flatMap((instance) => (laneIds.has(instance) ? [instance] : finding.hosts.map((host) => `${host}/${instance}`))))].filter((id) => laneIds.has(id));
    markers.push({ kind: 'finding', at: finding.from, to: finding.to, lanes, label: `${finding.kind}: ${finding.message}` });
  }

  const hostOrder = new Map(scenario.hosts.map((host, index) => [host.name, index]));
  const byVrid = new Map<number, LaneBuilder[]>();
  for (const builder of builders.values()) appendTo(byVrid, builder.vrid, builder);
  const groups: LaneGroup[] = [...byVrid.entries()]
    .sort(([a], [b]) => a - b)
    .map(([vrid, members]) => {
      members.sort((a, b) => (hostOrder.get(a.lane.host) ?? 0) - (hostOrder.get(b.lane.host) ?? 0) || a.lane.instance.localeCompare(b.lane.instance));
      const names = [...new Set(members.map((member) => member.lane.instance))];
      return { title: `${names.join(' / ')} · VRID ${vrid}`, lanes: members.map((member) => member.lane) };
    });

  const notes = [
    ...(result.findings.length === 0 ? ['Findings: none'] : result.findings.map((finding) => formatFinding(finding))),
    `VIPs at the end: ${scenario.hosts.map((host) => `${host.name} ${(result.vips[host.name] ?? []).join(' ') || '-'}`).join('; ')}`,
  ];
  return {
    title,
    subtitle: `${scenario.name}: ${scenario.hosts.length} hosts, ${end} s virtual, ${scenario.scripts} mode, seed ${result.seed}, keepalived ${keepalivedRelease(result.keepalivedVersion ?? '2.2')}`,
    start: 0,
    end,
    groups,
    markers,
    notes,
  };
}

/** Add a point to a lane's step line unless it repeats the current value. */
function pushPriority(lane: Lane, t: number, priority: number | null): void {
  const last = lane.priorities[lane.priorities.length - 1];
  if (last !== undefined && last.priority === priority) return;
  lane.priorities.push({ t, priority });
}

function laneState(state: VrrpState): LaneState {
  switch (state) {
    case 'MASTER':
      return 'MASTER';
    case 'BACKUP':
      return 'BACKUP';
    case 'FAULT':
      return 'FAULT';
    case 'INIT':
    case 'STOP':
      return 'DOWN';
  }
}

export function renderSimulationReport(result: SimulationResult): string {
  return renderReport({ title: `vrrplab simulate: ${result.scenario.name}`, timelines: [simulationTimeline(result)] });
}

export function writeSimulationReport(result: SimulationResult, file: string): void {
  writeReportFile(file, renderSimulationReport(result));
}

/** Two runs on one page, on the same time axis (e.g. the buggy and the fixed notify.sh). */
export function renderComparisonReport(left: SimulationResult, right: SimulationResult, titles?: [string, string]): string {
  const timelines = [simulationTimeline(left, titles?.[0]), simulationTimeline(right, titles?.[1])];
  return renderReport({ title: `vrrplab simulate: ${timelines[0].title} vs ${timelines[1].title}`, timelines, sharedAxis: true });
}

export function writeComparisonReport(left: SimulationResult, right: SimulationResult, file: string, titles?: [string, string]): void {
  writeReportFile(file, renderComparisonReport(left, right, titles));
}
