import { parentPort, workerData } from 'node:worker_threads';
import { FileSide, runWorker } from './load';

/** Worker thread entry: reads the side given in workerData and posts the packed table back. */
if (parentPort) {
  const port = parentPort;
  runWorker(workerData as FileSide, (message, transfer) => port.postMessage(message, transfer ?? []));
}
