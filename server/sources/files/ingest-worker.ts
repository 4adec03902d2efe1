/**
 * Worker-thread entry of a parallel bundle read: runs the jobs it is sent, one at a time, and
 * posts progress (at most every 100 ms) and the result back. Its only side effect is listening.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { runIngestJob, type IngestReply, type IngestRequest } from './ingest-jobs.js';
import { errorText } from './read-file.js';

const PROGRESS_INTERVAL_MS = 100;

async function handle(req: IngestRequest, post: (r: IngestReply) => void): Promise<void> {
  let lines = 0;
  let bytes = 0;
  let lastMs = performance.now();
  const hooks = {
    line(): void {
      lines++;
    },
    bytes(n: number): void {
      bytes = n;
      const now = performance.now();
      if (now - lastMs < PROGRESS_INTERVAL_MS) return;
      lastMs = now;
      post({ id: req.id, type: 'progress', lines, bytes });
    },
  };
  try {
    const result = await runIngestJob(req, hooks);
    post({ id: req.id, type: 'progress', lines, bytes });
    post({ id: req.id, type: 'done', result });
  } catch (e) {
    post({ id: req.id, type: 'error', message: errorText(e) });
  }
}

const port = parentPort;
if (port) {
  const post = (r: IngestReply): void => port.postMessage(r);
  port.on('message', (req: IngestRequest) => void handle(req, post));
}
