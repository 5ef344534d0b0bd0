/** An explore worker thread: one Explorer, answering run and shrink requests from ./explore.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './explore.js';
import { Explorer, type ExplorerSetup } from './explorer.js';

const port = parentPort;
if (port === null) throw new Error('explore worker: not in a worker thread');
const send = (message: FromWorker): void => port.postMessage(message);

try {
  const explorer = new Explorer(workerData as ExplorerSetup);
  send({ type: 'ready', phases: explorer.plan.phases });
  port.on('message', (message: ToWorker) => {
    try {
      if (message.type === 'run') send({ type: 'ran', result: explorer.runChunk(message.indices) });
      else send({ type: 'shrunk', shrunk: explorer.shrink(message.candidate) });
    } catch (error) {
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
