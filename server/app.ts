/**
 * Builds the HTTP app (never listens: main.ts does). Everything it talks to comes in through
 * `deps`, so tests pass a fake analysis runner and use `app.inject()`.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from '@fastify/type-provider-zod';
import type { WindowInput } from './config.js';
import { buildHttpError, buildRouteNotFound } from './http-errors.js';
import type { AnalysisRunner } from './pipeline.js';
import type { TemplateSet } from './render/index.js';
import { AnalysisStore } from './routes/analysis-store.js';
import { analysesRoutes } from './routes/analyses.js';
import { healthRoutes } from './routes/health.js';
import { warRoomRoutes } from './routes/war-room.js';

export interface AppDeps {
  /** Runs one analysis (the real one is `runAnalysis` of pipeline.ts). */
  runAnalysis: AnalysisRunner;
  /** File roots a request may pick by name. */
  sources: Readonly<Record<string, string>>;
  defaultSource: string;
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
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: 64 * 1024 }).withTypeProvider<ZodTypeProvider>();
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

  const store = deps.store ?? new AnalysisStore();
  await app.register(healthRoutes, { store });
  await app.register(analysesRoutes, {
    store,
    runner: deps.runAnalysis,
    sources: deps.sources,
    defaultSource: deps.defaultSource,
    sourceWindows: deps.sourceWindows ?? {},
    templates: deps.templates,
    tz: deps.tz,
  });
  await app.register(warRoomRoutes, { store, templates: deps.templates, publicDir: deps.publicDir });

  const defaultAnalysis = deps.defaultAnalysis;
  if (defaultAnalysis) {
    app.addHook('onReady', async () => {
      const dir = deps.sources[defaultAnalysis.source];
      if (dir === undefined) throw new Error(`default analysis: unknown source ${defaultAnalysis.source}`);
      store.start({ sourceName: defaultAnalysis.source, dir, window: defaultAnalysis.window, tz: deps.tz, runner: deps.runAnalysis, log: app.log, pinned: true });
    });
  }
  return app;
}
