/**
 * Configuration of the server-backed sources (Prometheus, Elasticsearch). The shape comes from a
 * config file object; secrets (passwords, tokens, API keys) come only from the environment, never
 * from the file or a request body, so a config file can be committed. `readSourceConfig` is the
 * one function that reads `process.env`; everything else takes the env as an argument.
 */
import { Duration } from 'luxon';
import { z } from 'zod';
import { ConfigError } from '../../correlators/errors.js';
import { COMPONENTS, HOST_LABELS, type Component } from '../../correlators/signals/index.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** A duration as users write it in config: Prometheus style (`15s`, `1m`, `6h`, `1d`) or ISO (`PT15S`). */
export const durationSchema = z
  .string()
  .refine((s) => parseDurationMs(s) !== undefined, 'Invalid duration, expecting a Prometheus duration such as 15s, 1m, 6h or an ISO period such as PT15S');

/** Milliseconds of `15s`, `1m30s`, `250ms`, `PT15S`; undefined when invalid or not positive. */
export function parseDurationMs(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
  if (/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) {
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * (units[m[2]!] ?? Number.NaN);
    return total > 0 ? total : undefined;
  }
  const iso = Duration.fromISO(text);
  return iso.isValid && iso.toMillis() > 0 ? iso.toMillis() : undefined;
}

const urlSchema = z.string().regex(/^https?:\/\/[^\s/?#]+/, 'Invalid url, expecting an absolute URL with a scheme (http:// or https://)');

const tlsFileSchema = z
  .object({
    /** PEM file of the CA that signed the server's certificate. */
    caFile: z.string().min(1).optional(),
    /** Client certificate and key (PEM) for mutual TLS. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Accept any server certificate: only for a lab. */
    insecureSkipVerify: z.boolean().default(false),
  })
  .strict();

const requestPolicySchema = {
  /** Per request. */
  timeout: durationSchema.default('30s'),
  /** Retries after the first try, for connection errors, timeouts and 5xx; never for 4xx. */
  retries: z.number().int().min(0).max(5).default(2),
  /** First backoff; doubles each retry, capped at 8x. */
  backoff: durationSchema.default('250ms'),
};

const userQuerySchema = z
  .object({
    /** Series id the correlators will see; reuse a catalogue id to replace its query. */
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'Invalid query id, expecting snake_case such as my_fsync_p99_s'),
    promql: z.string().min(1),
    component: z.enum(COMPONENTS).default('other'),
    /** Result labels kept as Series labels (besides the host). */
    by: z.array(z.string()).default([]),
  })
  .strict();

const prometheusFileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).default('prometheus'),
    url: urlSchema.optional(),
    /** Basic auth user; the password comes from the env var named by `passwordEnv`. */
    username: z.string().min(1).optional(),
    passwordEnv: z.string().default('ROOTLINE_PROM_PASSWORD'),
    /** Bearer token (Thanos, Mimir, a proxy); from the env var named here. */
    tokenEnv: z.string().default('ROOTLINE_PROM_TOKEN'),
    /** Extra request headers without secrets, e.g. `X-Scope-OrgID` for Mimir. */
    headers: z.record(z.string(), z.string()).default({}),
    tls: tlsFileSchema.default({ insecureSkipVerify: false }),
    ...requestPolicySchema,
    /** How often the targets are scraped; the rate range is at least 4x this. */
    scrapeInterval: durationSchema.default('15s'),
    /** Fixed step; by default chosen from the window. */
    step: durationSchema.optional(),
    /** A longer window is split into ranges of at most this long (and 1000 points). */
    maxRangePerQuery: durationSchema.default('6h'),
    labels: z
      .object({
        /** Labels naming the host, in order of preference; a `host:port` value loses its port. */
        host: z.array(z.string().min(1)).min(1).default([...HOST_LABELS]),
        job: z.string().min(1).default('job'),
        /** Catalogue label name -> the name in this Prometheus, e.g. `{ "To": "peer" }`. */
        rename: z.record(z.string(), z.string()).default({}),
      })
      .strict()
      .default({ host: [...HOST_LABELS], job: 'job', rename: {} }),
    /** Catalogue metric ids to leave out. */
    disable: z.array(z.string()).default([]),
    queries: z.array(userQuerySchema).default([]),
    /** Queries in flight at once. */
    concurrency: z.number().int().min(1).max(16).default(4),
  })
  .strict();

const fieldMapSchema = z.record(z.string(), z.string());

const esQueryKindSchema = <P extends z.ZodType<string>>(preset: P) =>
  z
    .object({
      /** Index pattern, e.g. `k8s-audit-*`. */
      index: z.string().min(1),
      preset,
      /** Logical field -> document field, overriding the preset's. */
      fields: fieldMapSchema.default({}),
      /** Most documents read one by one (PIT + search_after); the cap is reported when hit. */
      cap: z.number().int().min(1).max(1_000_000).default(5000),
      /** Zone of timestamps written without an offset in this index. */
      zone: z.string().default('utc'),
    })
    .strict();

export const AUDIT_PRESETS = ['raw-audit', 'ecs-filebeat'] as const;
export const LOG_PRESETS = ['fluent-bit', 'ecs-filebeat'] as const;
export const EVENT_PRESETS = ['event-exporter', 'metricbeat'] as const;

const elasticsearchFileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/).default('elasticsearch'),
    url: urlSchema.optional(),
    username: z.string().min(1).optional(),
    passwordEnv: z.string().default('ROOTLINE_ES_PASSWORD'),
    apiKeyEnv: z.string().default('ROOTLINE_ES_API_KEY'),
    tls: tlsFileSchema.default({ insecureSkipVerify: false }),
    ...requestPolicySchema,
    /** Audit grid step; by default the file source's (1 s up to 2 h windows). */
    step: durationSchema.optional(),
    audit: esQueryKindSchema(z.enum(AUDIT_PRESETS).default('raw-audit'))
      .extend({
        /** Verbs whose latency says nothing about health (they stay open by design). */
        longRunningVerbs: z.array(z.string()).default(['watch']),
        topUserAgents: z.number().int().min(1).max(100).default(20),
      })
      .optional(),
    logs: esQueryKindSchema(z.enum(LOG_PRESETS).default('fluent-bit')).optional(),
    events: esQueryKindSchema(z.enum(EVENT_PRESETS).default('event-exporter')).optional(),
  })
  .strict();

export const sourceConfigFileSchema = z
  .object({ prometheus: prometheusFileSchema.optional(), elasticsearch: elasticsearchFileSchema.optional() })
  .strict();
export type SourceConfigFile = z.input<typeof sourceConfigFileSchema>;

export type Auth = { kind: 'none' } | { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string } | { kind: 'api-key'; apiKey: string };

export interface TlsOptions {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipVerify: boolean;
}

export interface RequestPolicy {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

export interface UserQuery {
  id: string;
  promql: string;
  component: Component;
  by: string[];
}

export interface PrometheusSourceConfig extends RequestPolicy {
  name: string;
  url: string;
  auth: Auth;
  headers: Record<string, string>;
  tls: TlsOptions;
  scrapeIntervalMs: number;
  stepMs?: number;
  maxRangePerQueryMs: number;
  labels: { host: string[]; job: string; rename: Record<string, string> };
  disable: string[];
  queries: UserQuery[];
  concurrency: number;
}

export interface EsIndexConfig<P extends string> {
  index: string;
  preset: P;
  fields: Record<string, string>;
  cap: number;
  zone: string;
}

export interface ElasticsearchSourceConfig extends RequestPolicy {
  name: string;
  url: string;
  auth: Auth;
  tls: TlsOptions;
  stepMs?: number;
  audit?: EsIndexConfig<(typeof AUDIT_PRESETS)[number]> & { longRunningVerbs: string[]; topUserAgents: number };
  logs?: EsIndexConfig<(typeof LOG_PRESETS)[number]>;
  events?: EsIndexConfig<(typeof EVENT_PRESETS)[number]>;
}

export interface SourceConfig {
  prometheus?: PrometheusSourceConfig;
  elasticsearch?: ElasticsearchSourceConfig;
}

function pickAuth(env: Env, username: string | undefined, passwordEnv: string, tokenEnv: string | undefined, apiKeyEnv: string | undefined, problems: string[], where: string): Auth {
  const token = tokenEnv ? env[tokenEnv] : undefined;
  const apiKey = apiKeyEnv ? env[apiKeyEnv] : undefined;
  const password = env[passwordEnv];
  if (apiKey) return { kind: 'api-key', apiKey };
  if (token) return { kind: 'bearer', token };
  if (username) {
    if (!password) problems.push(`${where}.username is set but ${passwordEnv} is empty: set the password in the environment`);
    return { kind: 'basic', username, password: password ?? '' };
  }
  return { kind: 'none' };
}

function policy(p: { timeout: string; retries: number; backoff: string }): RequestPolicy {
  return { timeoutMs: parseDurationMs(p.timeout) ?? 30_000, retries: p.retries, backoffMs: parseDurationMs(p.backoff) ?? 250 };
}

/**
 * Checks a config file object against the schema and resolves secrets from `env`. Throws one
 * `ConfigError` listing every problem. `ROOTLINE_PROM_URL` / `ROOTLINE_ES_URL` override the urls,
 * and also enable a source the file does not mention.
 */
export function parseSourceConfig(file: unknown, env: Env): Readonly<SourceConfig> {
  const parsed = sourceConfigFileSchema.safeParse(file ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid source configuration:\n  ${lines.join('\n  ')}`);
  }
  const problems: string[] = [];
  const out: SourceConfig = {};
  const promFile = parsed.data.prometheus ?? (env['ROOTLINE_PROM_URL'] ? prometheusFileSchema.parse({}) : undefined);
  if (promFile) {
    const url = env['ROOTLINE_PROM_URL'] || promFile.url;
    if (!url) problems.push('prometheus.url is missing: set it in the config file or ROOTLINE_PROM_URL');
    const p: PrometheusSourceConfig = {
      name: promFile.name,
      url: url ?? '',
      auth: pickAuth(env, env['ROOTLINE_PROM_USERNAME'] || promFile.username, promFile.passwordEnv, promFile.tokenEnv, undefined, problems, 'prometheus'),
      headers: promFile.headers,
      tls: { ...promFile.tls, ...(env['ROOTLINE_PROM_CA_FILE'] ? { caFile: env['ROOTLINE_PROM_CA_FILE'] } : {}) },
      ...policy(promFile),
      scrapeIntervalMs: parseDurationMs(promFile.scrapeInterval) ?? 15_000,
      maxRangePerQueryMs: parseDurationMs(promFile.maxRangePerQuery) ?? 21_600_000,
      labels: promFile.labels,
      disable: promFile.disable,
      queries: promFile.queries,
      concurrency: promFile.concurrency,
    };
    if (promFile.step) p.stepMs = parseDurationMs(promFile.step);
    out.prometheus = Object.freeze(p);
  }
  const esFile = parsed.data.elasticsearch ?? (env['ROOTLINE_ES_URL'] ? elasticsearchFileSchema.parse({}) : undefined);
  if (esFile) {
    const url = env['ROOTLINE_ES_URL'] || esFile.url;
    if (!url) problems.push('elasticsearch.url is missing: set it in the config file or ROOTLINE_ES_URL');
    const e: ElasticsearchSourceConfig = {
      name: esFile.name,
      url: url ?? '',
      auth: pickAuth(env, env['ROOTLINE_ES_USERNAME'] || esFile.username, esFile.passwordEnv, undefined, esFile.apiKeyEnv, problems, 'elasticsearch'),
      tls: { ...esFile.tls, ...(env['ROOTLINE_ES_CA_FILE'] ? { caFile: env['ROOTLINE_ES_CA_FILE'] } : {}) },
      ...policy(esFile),
    };
    if (esFile.step) e.stepMs = parseDurationMs(esFile.step);
    if (esFile.audit) e.audit = esFile.audit;
    if (esFile.logs) e.logs = esFile.logs;
    if (esFile.events) e.events = esFile.events;
    if (!e.audit && !e.logs && !e.events) problems.push('elasticsearch: configure at least one of audit, logs, events (each with an index pattern)');
    out.elasticsearch = Object.freeze(e);
  }
  if (problems.length > 0) throw new ConfigError(`Invalid source configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze(out);
}

/** The one reader of `process.env` for sources: `parseSourceConfig(file, env)`. */
export function readSourceConfig(file: unknown, env: Env = process.env): Readonly<SourceConfig> {
  return parseSourceConfig(file, env);
}
