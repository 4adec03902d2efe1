/**
 * A small pool of worker threads running ingest jobs (ingest-worker.ts), at most one job per
 * worker at a time, in the order they were queued. Workers start on demand and end on `close()`.
 */
import { Worker } from 'node:worker_threads';
import type { IngestJob, IngestReply, IngestRequest, IngestResult } from './ingest-jobs.js';
import type { AnalysisWindow } from '../../../correlators/signals/index.js';

const WORKER_URL = new URL('./ingest-worker.js', import.meta.url);

/** Cumulative lines and bytes of the job so far. */
export type JobProgress = (lines: number, bytes: number) => void;

interface Task {
  req: IngestRequest;
  onProgress: JobProgress;
  resolve: (r: IngestResult) => void;
  reject: (e: Error) => void;
}

export class IngestPool {
  private readonly queue: Task[] = [];
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly size: number, private readonly window: AnalysisWindow, private readonly tz: string | undefined) {}

  run(job: IngestJob, onProgress: JobProgress): Promise<IngestResult> {
    if (this.closed) return Promise.reject(new Error('the ingest pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ req: { id: this.nextId++, job, window: this.window, tz: this.tz }, onProgress, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every worker; jobs not finished are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the ingest pool is closed'));
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let w = this.idle.pop();
      if (!w && this.busy.size < this.size) w = this.spawn();
      if (!w) return;
      const task = this.queue.shift()!;
      this.busy.set(w, task);
      w.postMessage(task.req);
    }
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_URL);
    w.on('message', (msg: IngestReply) => {
      const task = this.busy.get(w);
      if (!task || task.req.id !== msg.id) return;
      if (msg.type === 'progress') return task.onProgress(msg.lines, msg.bytes);
      this.busy.delete(w);
      this.idle.push(w);
      if (msg.type === 'done') task.resolve(msg.result);
      else task.reject(new Error(msg.message));
      this.dispatch();
    });
    const fail = (e: Error): void => {
      const task = this.busy.get(w);
      this.busy.delete(w);
      const i = this.idle.indexOf(w);
      if (i >= 0) this.idle.splice(i, 1);
      task?.reject(e);
      if (!this.closed) this.dispatch();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`ingest worker exited with code ${code}`)));
    return w;
  }
}
