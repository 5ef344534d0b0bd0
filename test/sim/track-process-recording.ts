/**
 * A recording of keepalived 2.2.7 following a process (test/lab/track-process.test.ts makes it;
 * test/fixtures/track-process/lab/ keeps one) and the simulation of the same run: A (150, weight -30)
 * started outside its namespace with `net_namespace`, so it sees process events; B (130, weight
 * +10) inside its namespace, blind to them (errno 111). The process stops and starts again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

export interface ProcessRecording {
  /** The tracked process's name (a copy of sleep under a name of its own). */
  process: string;
  /** Seconds from the recording's start: keepalived A and B started, the process killed and started again. */
  startA: number;
  startB: number;
  stop: number;
  restart: number;
  end: number;
}

/** The times (s) of `(VI_1) Entering MASTER STATE` in a log whose lines start with seconds from the recording's start. */
export function masterTimes(log: string): number[] {
  return log.split('\n').filter((line) => line.endsWith('(VI_1) Entering MASTER STATE')).map((line) => Number(line.split(' ')[0]));
}

/** When the host's instance initialised (its first "Entering BACKUP STATE"), s from the recording's start. */
export function initTime(log: string): number | undefined {
  const line = log.split('\n').find((l) => l.includes('(VI_1) Entering BACKUP STATE'));
  return line === undefined ? undefined : Number(line.split(' ')[0]);
}

/**
 * The run simulated: the same configs, B without process events, the process as the service of its
 * name, and each keepalived's exec-to-init delay as its log shows it (a start's `startup`).
 */
export function simulateRecording(dir: string, run: ProcessRecording, logs: { A: string; B: string }, options: { blindB?: boolean } = {}): SimulationResult {
  const startup = (log: string, start: number): string => {
    const init = initTime(log);
    return init === undefined ? '' : `, startup: ${Math.max(1, Math.round((init - start) * 1000))}ms`;
  };
  const yaml = [
    'name: track-process-lab', `duration: ${Math.ceil(run.end)}s`, 'hosts:',
    `  A: { config: ${path.join(dir, 'A.conf')}, address: 172.16.25.1 }`,
    `  B: { config: ${path.join(dir, 'B.conf')}, address: 172.16.25.2${options.blindB === false ? '' : ', process-events: false'} }`,
    `services: { ${run.process}: up }`,
    'timeline:',
    `  - { at: ${run.startA.toFixed(3)}s, host: A, do: start${startup(logs.A, run.startA)} }`,
    `  - { at: ${run.startB.toFixed(3)}s, host: B, do: start${startup(logs.B, run.startB)} }`,
    `  - { at: ${run.stop.toFixed(3)}s, host: A, do: service-stop, service: ${run.process} }`,
    `  - { at: ${run.restart.toFixed(3)}s, host: A, do: service-start, service: ${run.process} }`,
  ].join('\n');
  const parsed = parseScenario(yaml, dir, 'track-process-lab.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

/** When each host entered MASTER in the simulation, s. */
export function simulatedMasterTimes(result: SimulationResult, host: string): number[] {
  return result.records.filter((r) => r.type === 'transition' && r.host === host && r.to === 'MASTER').map((r) => r.t);
}

export function readRecording(dir: string): { run: ProcessRecording; logs: { A: string; B: string } } {
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as ProcessRecording;
  return { run, logs: { A: fs.readFileSync(path.join(dir, 'A.log'), 'utf8'), B: fs.readFileSync(path.join(dir, 'B.log'), 'utf8') } };
}
