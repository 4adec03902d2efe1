/** Operations: metrics, readiness, graceful shutdown, log options, source circuit breakers. */
import type { FastifyInstance } from 'fastify';
import type { AnalysisLimiter, StreamLimiter } from '../security/index.js';
import type { Metrics } from './metrics.js';
import { opsRoutes } from './ops-routes.js';
import { installGracefulShutdown } from './shutdown.js';

export { createMetrics, sourceLabel, type Metrics } from './metrics.js';
export { createCircuitBreakers, withCircuitBreaker, DEFAULT_BREAKER, CIRCUIT_STATES, type BreakerSource, type CircuitBreakerOptions, type CircuitBreakers, type CircuitSnapshot, type CircuitState } from './circuit-breaker.js';
export { buildLoggerOptions, REDACTED_PATHS } from './logger.js';
export { installGracefulShutdown } from './shutdown.js';
export { opsRoutes } from './ops-routes.js';

/** Registers `/readyz` and `/metrics` and the graceful-shutdown hook. */
export async function installOps(app: FastifyInstance, parts: { metrics: Metrics; limiter: AnalysisLimiter; streams: StreamLimiter; graceMs: number }): Promise<void> {
  let ready = false;
  app.addHook('onReady', async () => {
    ready = true;
  });
  await app.register(opsRoutes, { metrics: parts.metrics, limiter: parts.limiter, isReady: () => ready });
  installGracefulShutdown(app, parts);
}
