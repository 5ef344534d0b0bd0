/**
 * An explore worker process: one Explorer, set up by the first message, then answering run and
 * shrink requests from ./explore.ts. It ends when its parent disconnects (or goes away).
 */
import type { FromWorker, ToWorker } from './explore.js';
import { Explorer } from './explorer.js';

const send = (message: FromWorker): void => {
  process.send?.(message);
};
const failure = (error: unknown): FromWorker => ({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });

if (process.send === undefined) throw new Error('explore worker: not started by vrrplab explore (no IPC channel)');
let explorer: Explorer | undefined;
process.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'setup') {
      explorer = new Explorer(message.setup);
      send({ type: 'ready', phases: explorer.plan.phases });
    } else if (explorer === undefined) send({ type: 'error', message: 'explore worker: not set up' });
    else if (message.type === 'run') send({ type: 'ran', result: explorer.runChunk(message.indices) });
    else send({ type: 'shrunk', shrunk: explorer.shrink(message.candidate) });
  } catch (error) {
    send(failure(error));
  }
});
process.on('disconnect', () => process.exit(0));
