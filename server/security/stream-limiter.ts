/**
 * Caps open event streams (SSE) for every route, whichever plugin serves them: a request that
 * accepts `text/event-stream` counts from its arrival until its connection closes. Beyond the cap
 * it gets 503 with Retry-After. On shutdown every open stream is ended, so clients reconnect
 * elsewhere (their `Last-Event-ID` replays what they missed).
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ServerUnavailableError } from '../../correlators/errors.js';
import { sendRefusal } from './refuse.js';

export interface StreamLimiterEvents {
  /** The number of open streams changed. */
  onCount?(open: number): void;
  onRejected?(): void;
}

export class StreamLimiter {
  readonly #open = new Set<ServerResponse>();

  constructor(readonly maxStreams: number, private readonly events: StreamLimiterEvents = {}) {}

  get open(): number {
    return this.#open.size;
  }

  /** Ends every open stream (shutdown). */
  closeAll(): void {
    for (const res of this.#open) {
      if (!res.writableEnded) res.end();
    }
  }

  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (request, reply) => {
      const accept = request.headers.accept;
      if (typeof accept !== 'string' || !accept.includes('text/event-stream')) return;
      if (this.#open.size >= this.maxStreams) {
        this.events.onRejected?.();
        return sendRefusal(request, reply, new ServerUnavailableError(`Too many open event streams (limit ${this.maxStreams}); retry later`, { retryAfterS: 10 }));
      }
      const res = reply.raw;
      this.#open.add(res);
      this.events.onCount?.(this.#open.size);
      const done = (): void => {
        if (this.#open.delete(res)) this.events.onCount?.(this.#open.size);
      };
      res.once('close', done);
      res.once('finish', done);
    });
  }
}
