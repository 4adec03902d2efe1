/**
 * Graceful shutdown, as fastify's `preClose` hook, so `app.close()` (SIGTERM in the CLI) does it:
 * `/readyz` turns 503 and new analyses are refused with 503, queued ones are cancelled, running
 * ones get the grace period and are then cancelled, and open event streams are ended.
 */
import type { FastifyInstance } from 'fastify';
import type { AnalysisLimiter } from '../security/analysis-limiter.js';
import type { StreamLimiter } from '../security/stream-limiter.js';

export function installGracefulShutdown(app: FastifyInstance, parts: { limiter: AnalysisLimiter; streams: StreamLimiter; graceMs: number }): void {
  app.addHook('preClose', async () => {
    const { limiter, streams } = parts;
    app.log.info({ running: limiter.running, queued: limiter.queued, streams: streams.open, graceMs: parts.graceMs }, 'shutting down');
    // Streams first: they would hold the server open, and their clients can reconnect elsewhere now.
    streams.closeAll();
    await limiter.drain(parts.graceMs);
    streams.closeAll();
    app.log.info({ running: limiter.running }, 'analyses finished or cancelled');
  });
}
