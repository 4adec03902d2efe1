/**
 * Builds the HTTP app (never listens: main.ts does). Everything it talks to comes in through
 * `deps`, so tests pass a fake analysis runner and use `app.inject()`.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from '@fastify/type-provider-zod';
import type { WindowInput } from './config.js';
import { buildHttpError, buildRouteNotFound } from './http-errors.js';
import { createCircuitBreakers, createMetrics, installOps, type CircuitBreakers, type Metrics } from './ops/index.js';
import { DEFAULT_SECURITY, installSecurity, type SecurityConfig } from './security/index.js';
import type { AnalysisRunner } from './pipeline.js';
import type { SignalSource } from './sources/types.js';
import type { TemplateSet } from './render/index.js';
import { AnalysisStore } from './routes/analysis-store.js';
import { analysesRoutes } from './routes/analyses.js';
import { healthRoutes } from './routes/health.js';
import { warRoomRoutes } from './routes/war-room.js';
import type { LiveDeps } from './live/index.js';
import { buildLiveRootRedirect, liveRoutes } from './routes/live.js';
import { liveNotesRoutes } from './routes/live-notes.js';

export interface AppDeps {
  /** Runs one analysis (the real one is `runAnalysis` of pipeline.ts). */
  runAnalysis: AnalysisRunner;
  /** File roots a request may pick by name. */
  sources: Readonly<Record<string, string>>;
  defaultSource: string;
  /**
   * Prometheus + Elasticsearch pairs a request may pick by name (`source.kind` "prometheus+elasticsearch").
   * Each source is put behind its circuit breaker (`breakers`, by pair and source name) here.
   */
  serverSources?: Readonly<Record<string, () => readonly SignalSource[]>>;
  /** The circuit breakers of the server-backed sources; default: fresh ones with the security limits' thresholds. Their state is in /metrics. */
  breakers?: CircuitBreakers;
  /** Windows from each source's rootline.json, for requests without a window. */
  sourceWindows?: Readonly<Record<string, WindowInput>>;
  /** The analysis the war room shows at `/`, started once when the app is ready. */
  defaultAnalysis?: { source: string; window: WindowInput } | undefined;
  templates: TemplateSet;
  /** Folder of the page's script and stylesheet (server/public). */
  publicDir: string;
  tz?: string | undefined;
  /** Pass one to keep a handle on the analyses (main.ts waits for the default one). */
  store?: AnalysisStore;
  logger?: FastifyServerOptions['logger'];
  /** Tokens and limits; default: no access control, default limits. */
  security?: SecurityConfig;
  /** Pass one to read the metrics in tests; default: a fresh registry. */
  metrics?: Metrics;
  /** Live sessions (`POST /api/live`, `serve --live`); without it there are no live routes. */
  live?: LiveDeps;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  // requestTimeout: a client gets 30 s to send its request (slow-loris); responses (SSE) are not bounded by it.
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: 64 * 1024, requestTimeout: 30_000 }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err, request, reply) => {
    const body = buildHttpError(err, request.id);
    // 5xx are ours: log them in full under the log id. 4xx are the client's: not logged.
    if (body.statusCode >= 500) request.log.error({ err, logId: request.id }, 'request failed');
    return reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body = buildRouteNotFound(request.method, request.url.slice(0, 200));
    return reply.code(404).type('application/json; charset=utf-8').send(body);
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  // Access control, limits and probes come first: their hooks must see every route.
  const security = deps.security ?? DEFAULT_SECURITY;
  const metrics = deps.metrics ?? createMetrics();
  const { limiter, streams } = installSecurity(app, security, metrics);
  await installOps(app, { metrics, limiter, streams, graceMs: security.limits.shutdownGraceMs });
  const runAnalysis = limiter.wrap(deps.runAnalysis);
  const breakers = deps.breakers ?? createCircuitBreakers({ failureThreshold: security.limits.sourceFailures, cooldownMs: security.limits.sourceCooldownMs });
  metrics.watchBreakers(breakers);
  const serverSources = wrapServerSources(deps.serverSources, breakers);

  // `serve --live`: `/` is the default live session's page.
  if (deps.live) app.addHook('onRequest', buildLiveRootRedirect(deps.live.hub));

  const store = deps.store ?? new AnalysisStore();
  await app.register(healthRoutes, { store });
  await app.register(analysesRoutes, {
    store,
    runner: runAnalysis,
    sources: deps.sources,
    defaultSource: deps.defaultSource,
    sourceWindows: deps.sourceWindows ?? {},
    serverSources,
    templates: deps.templates,
    tz: deps.tz,
  });
  await app.register(warRoomRoutes, { store, templates: deps.templates, publicDir: deps.publicDir });
  if (deps.live) {
    const { hub, page, publicDir } = deps.live;
    hub.attachLogger(app.log);
    await app.register(liveRoutes, { hub, sources: deps.sources, serverSources, defaultSource: deps.defaultSource, templates: deps.templates, page, publicDir });
    await app.register(liveNotesRoutes, { hub });
  }

  const defaultAnalysis = deps.defaultAnalysis;
  if (defaultAnalysis) {
    app.addHook('onReady', async () => {
      const server = serverSources?.[defaultAnalysis.source];
      const dir = server ? `prometheus+elasticsearch:${defaultAnalysis.source}` : deps.sources[defaultAnalysis.source];
      if (dir === undefined) throw new Error(`default analysis: unknown source ${defaultAnalysis.source}`);
      store.start({ sourceName: defaultAnalysis.source, dir, sources: server?.(), window: defaultAnalysis.window, tz: deps.tz, runner: runAnalysis, log: app.log, pinned: true });
    });
  }
  return app;
}

/** Each pair's sources, built afresh per analysis, behind the breakers kept across analyses (by `pair/source`). */
function wrapServerSources(serverSources: AppDeps['serverSources'], breakers: CircuitBreakers): AppDeps['serverSources'] {
  if (!serverSources) return undefined;
  return Object.fromEntries(Object.entries(serverSources).map(([pair, build]) => [pair, () => build().map((source) => breakers.wrap(source, pair))]));
}
