/**
 * Starts the server: config -> templates -> app -> listen, then the default analysis. The CLI's
 * `serve` calls this; it is the only place in server/ that opens a port.
 */
import type { FastifyInstance } from 'fastify';
import { ConfigError, InputError } from '../correlators/errors.js';
import { buildApp } from './app.js';
import { PUBLIC_DIR, TEMPLATES_DIR, type ServerConfig, type WindowInput } from './config.js';
import { readBundleManifest, runAnalysis, type AnalysisRunner } from './pipeline.js';
import { loadTemplates } from './render/index.js';
import { AnalysisStore, type AnalysisRecord } from './routes/analysis-store.js';

export interface StartServerOptions {
  config: ServerConfig;
  /** The default analysis' window; when absent, the default source's rootline.json gives it. */
  window?: WindowInput | undefined;
  runAnalysis?: AnalysisRunner;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** The analysis shown at `/`; `done` settles when it ends. */
  defaultAnalysis: AnalysisRecord | undefined;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const templates = loadTemplates({ baseDir: TEMPLATES_DIR, userDir: config.templateDir });
  const sourceWindows: Record<string, WindowInput> = {};
  for (const [name, dir] of Object.entries(config.sources)) {
    const manifest = await readBundleManifest(dir).catch(() => undefined);
    if (manifest?.window) sourceWindows[name] = manifest.window;
  }
  const window = options.window ?? sourceWindows[config.defaultSource];
  if (!window) {
    throw new InputError(`Missing --from/--to: source ${config.defaultSource} (${config.sources[config.defaultSource] ?? '?'}) has no rootline.json with a window`);
  }
  const store = new AnalysisStore();
  const app = await buildApp({
    runAnalysis: options.runAnalysis ?? ((o) => runAnalysis(o)),
    sources: config.sources,
    defaultSource: config.defaultSource,
    sourceWindows,
    defaultAnalysis: { source: config.defaultSource, window },
    templates,
    publicDir: PUBLIC_DIR,
    tz: config.tz,
    store,
    logger: { level: config.logLevel },
  });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    throw new ConfigError(`Cannot listen on ${config.host}:${config.port}`, { cause: err });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // A wildcard address is not something to click: show the loopback one.
  const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const host = shown.includes(':') ? `[${shown}]` : shown;
  return { app, url: `http://${host}:${port}/`, defaultAnalysis: store.getDefault() };
}
