import type { SimulationResult } from '../sim/run.js';

/** Placeholder until the HTML timeline issue lands. */
export function writeSimulationReport(result: SimulationResult, file: string): void {
  void result;
  throw new Error(`--html is not implemented yet (would write ${file})`);
}
