/**
 * `/readyz` (the orchestrator's readiness probe: 503 while starting or shutting down) and
 * `/metrics` (Prometheus text format). `/healthz` (liveness) stays in routes/health.ts.
 */
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { AnalysisLimiter } from '../security/analysis-limiter.js';
import type { Metrics } from './metrics.js';

export interface OpsRoutesOptions {
  metrics: Metrics;
  limiter: AnalysisLimiter;
  /** False until the app is ready. */
  isReady: () => boolean;
}

const readySchema = z.object({ status: z.enum(['ready', 'starting', 'draining']), running: z.number().int(), queued: z.number().int() });

export const opsRoutes: FastifyPluginAsyncZod<OpsRoutesOptions> = async (app, opts) => {
  app.get('/readyz', { schema: { response: { 200: readySchema, 503: readySchema } } }, async (_request, reply) => {
    const { limiter } = opts;
    const status = limiter.draining ? 'draining' : opts.isReady() ? 'ready' : 'starting';
    return reply.code(status === 'ready' ? 200 : 503).send({ status, running: limiter.running, queued: limiter.queued });
  });

  app.get('/metrics', async (_request, reply) => {
    const { registry } = opts.metrics;
    opts.metrics.setQueue(opts.limiter.running, opts.limiter.queued);
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(await registry.metrics());
  });
};
