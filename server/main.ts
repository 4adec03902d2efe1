/**
 * Starts the server: config -> templates -> app -> listen, then the default analysis. The CLI's
 * `serve` calls this; it is the only place in server/ that opens a port.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConfigError, InputError } from '../correlators/errors.js';
import { buildApp } from './app.js';
import { PUBLIC_DIR, TEMPLATES_DIR, type ServerConfig, type WindowInput } from './config.js';
import { buildLoggerOptions, createCircuitBreakers, type CircuitBreakers } from './ops/index.js';
import { readBundleManifest, runAnalysis, type AnalysisRunner } from './pipeline.js';
import { loadTemplates } from './render/index.js';
import { AnalysisStore, type AnalysisRecord } from './routes/analysis-store.js';
import { buildLiveDeps, DEFAULT_LIVE_INTERVAL_MS, DEFAULT_LIVE_WINDOW_MS, type LiveClock, type LiveSession } from './live/index.js';
import { createElasticsearchSource } from './sources/elasticsearch/index.js';
import { createPrometheusSource } from './sources/prometheus/index.js';
import { readSourceConfig } from './sources/config.js';
import type { SignalSource } from './sources/types.js';
import { buildServerSources } from './sources/server-sources.js';
import { checkListenSafety, DEFAULT_SECURITY } from './security/index.js';

export interface StartServerOptions {
  config: ServerConfig;
  /** The default analysis' window; when absent, the default source's rootline.json gives it. */
  window?: WindowInput | undefined;
  runAnalysis?: AnalysisRunner;
  /** `serve --live`: follow the default source instead of analysing it once. */
  live?:
    | {
        windowMs?: number | undefined;
        intervalMs?: number | undefined;
        pollIntervalMs?: number | undefined;
        clock?: LiveClock | undefined;
        incident?: string | undefined;
        /** When the default source is a Prometheus + Elasticsearch pair: the bundle folder (a source name) followed beside it. */
        files?: string | undefined;
      }
    | undefined;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** The analysis shown at `/`; `done` settles when it ends. */
  defaultAnalysis: AnalysisRecord | undefined;
  /** With `live`: the session shown at `/`. */
  liveSession?: LiveSession | undefined;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const security = config.security ?? DEFAULT_SECURITY;
  const unsafe = checkListenSafety(config.host, security);
  if (unsafe !== undefined) throw new ConfigError(unsafe);
  const templates = loadTemplates({ baseDir: TEMPLATES_DIR, userDir: config.templateDir });
  const sourceWindows: Record<string, WindowInput> = {};
  for (const [name, dir] of Object.entries(config.sources)) {
    const manifest = await readBundleManifest(dir).catch(() => undefined);
    if (manifest?.window) sourceWindows[name] = manifest.window;
  }
  const window = options.window ?? sourceWindows[config.defaultSource];
  if (!window && !options.live) {
    const isServer = config.serverSources?.[config.defaultSource] !== undefined;
    throw new InputError(isServer
      ? `Missing --from/--to: source ${config.defaultSource} reads Prometheus and Elasticsearch, which have no stored window`
      : `Missing --from/--to: source ${config.defaultSource} (${config.sources[config.defaultSource] ?? '?'}) has no rootline.json with a window`);
  }
  const store = new AnalysisStore();
  // One set of circuit breakers for every Prometheus / Elasticsearch source: the pairs that
  // requests pick (wrapped in buildApp) and the ones live sessions poll.
  const breakers = createCircuitBreakers({ failureThreshold: security.limits.sourceFailures, cooldownMs: security.limits.sourceCooldownMs });
  const live = buildLiveDeps({
    dataDir: config.dataDir ?? path.resolve('.rootline'),
    templatesDir: TEMPLATES_DIR,
    templateDir: config.templateDir,
    defaults: { windowMs: options.live?.windowMs ?? DEFAULT_LIVE_WINDOW_MS, intervalMs: options.live?.intervalMs ?? DEFAULT_LIVE_INTERVAL_MS, clock: options.live?.clock ?? 'data', tz: config.tz, pollIntervalMs: options.live?.pollIntervalMs },
    // Prometheus / Elasticsearch from ROOTLINE_PROM_URL / ROOTLINE_ES_URL, polled by live sessions.
    polled: options.live ? buildPolledSources(breakers) : [],
  });
  const app = await buildApp({
    runAnalysis: options.runAnalysis ?? ((o) => runAnalysis(o)),
    sources: config.sources,
    defaultSource: config.defaultSource,
    sourceWindows,
    serverSources: Object.fromEntries(Object.entries(config.serverSources ?? {}).map(([name, c]) => [name, () => buildServerSources(c)])),
    defaultAnalysis: options.live || !window ? undefined : { source: config.defaultSource, window },
    templates,
    publicDir: PUBLIC_DIR,
    tz: config.tz,
    store,
    logger: buildLoggerOptions(config.logLevel),
    security,
    breakers,
    live,
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
  let liveSession: LiveSession | undefined;
  if (options.live) {
    const name = config.defaultSource;
    const pair = config.serverSources?.[name];
    const files = pair ? options.live.files : name;
    const dir = files === undefined ? '' : config.sources[files];
    if (dir === undefined) throw new ConfigError(`live: unknown bundle source ${JSON.stringify(files)}`);
    // A named pair is polled instead of the environment's servers, behind the same breakers as requests' (by pair).
    const server = pair ? { name, build: () => buildServerSources(pair).map((s) => breakers.wrap(s, name)) } : undefined;
    try {
      liveSession = live.hub.start({ sourceName: name, dir, server, incident: options.live.incident, clock: options.live.clock }, true).session;
    } catch (err) {
      await app.close();
      throw err;
    }
  }
  const base = `http://${host}:${port}/`;
  return { app, url: liveSession ? `${base}live/${liveSession.id}` : base, defaultAnalysis: store.getDefault(), liveSession };
}

/** The servers configured through the environment (ROOTLINE_PROM_URL, ROOTLINE_ES_URL), as sources behind their breakers. */
function buildPolledSources(breakers: CircuitBreakers): SignalSource[] {
  const config = readSourceConfig(undefined);
  const out: SignalSource[] = [];
  if (config.prometheus) out.push(createPrometheusSource(config.prometheus));
  if (config.elasticsearch) out.push(createElasticsearchSource(config.elasticsearch));
  return out.map((s) => breakers.wrap(s, 'live'));
}
