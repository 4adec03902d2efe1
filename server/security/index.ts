/** Access control and limits of the HTTP server. */
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../ops/metrics.js';
import { installAnalysisAdmission } from './admission.js';
import { AnalysisLimiter } from './analysis-limiter.js';
import { installAuth } from './auth.js';
import type { SecurityConfig } from './config.js';
import { StreamLimiter } from './stream-limiter.js';

export { AnalysisLimiter, type AnalysisOutcome, type LimiterEvents } from './analysis-limiter.js';
export { AUTH_COOKIE, findTokenRole, installAuth, readCookie, stripTokenParam, TOKEN_QUERY_PARAM } from './auth.js';
export {
  checkListenSafety,
  DEFAULT_LIMITS,
  DEFAULT_SECURITY,
  digestToken,
  isLoopbackHost,
  MIN_TOKEN_CHARS,
  parseSecurityConfig,
  type Limits,
  type Role,
  type SecurityConfig,
  type TokenEntry,
} from './config.js';
export { StreamLimiter } from './stream-limiter.js';
export { sendRefusal } from './refuse.js';

/**
 * Adds the access-control, event-stream and analysis-admission hooks to the root instance
 * (before any route is registered) and returns the limiters the app wraps its runner with.
 */
export function installSecurity(app: FastifyInstance, security: SecurityConfig, metrics: Metrics): { limiter: AnalysisLimiter; streams: StreamLimiter } {
  installAuth(app, security.tokens);
  const streams = new StreamLimiter(security.limits.maxSseClients, {
    onCount: (open) => metrics.sseClients(open),
    onRejected: () => metrics.rejected('streams'),
  });
  streams.install(app);
  const limiter = new AnalysisLimiter(security.limits, {
    onSettled: (outcome, runMs, report) => metrics.observeAnalysis(outcome, runMs, report),
    onRejected: (reason) => metrics.rejected(reason),
  });
  installAnalysisAdmission(app, limiter);
  return { limiter, streams };
}
