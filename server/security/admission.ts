/**
 * Admission of `POST /api/analyses`: after the body is validated (a bad request stays a 400), a
 * place is reserved in the analysis limiter or the request is refused (429 busy, 503 draining).
 * The reservation is released once the request is answered, by then the analysis itself counts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AnalysisLimiter } from './analysis-limiter.js';
import { sendRefusal } from './refuse.js';

/** Routes that start an analysis. */
export const ANALYSIS_ROUTES: ReadonlySet<string> = new Set(['POST /api/analyses']);

export function installAnalysisAdmission(app: FastifyInstance, limiter: AnalysisLimiter): void {
  const reserved = new WeakSet<FastifyRequest>();
  const release = async (request: FastifyRequest): Promise<void> => {
    if (reserved.delete(request)) limiter.release();
  };
  app.addHook('preHandler', async (request, reply) => {
    if (!ANALYSIS_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) return;
    try {
      limiter.reserve();
    } catch (err) {
      return sendRefusal(request, reply, err as { code: string; message: string; retryAfterS?: number });
    }
    reserved.add(request);
  });
  app.addHook('onResponse', release);
  app.addHook('onRequestAbort', release);
}
