/** `GET /healthz`: the process answers; the container HEALTHCHECK calls it. */
import type { FastifyPluginAsyncZod } from '@fastify/type-provider-zod';
import { z } from 'zod';
import type { AnalysisStore } from './analysis-store.js';

export const healthRoutes: FastifyPluginAsyncZod<{ store: AnalysisStore }> = async (app, opts) => {
  app.get('/healthz', { schema: { response: { 200: z.object({ status: z.literal('ok'), analyses: z.number().int() }) } } }, async () => ({
    status: 'ok' as const,
    analyses: opts.store.size,
  }));
};
