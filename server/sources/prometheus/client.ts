/**
 * The narrow interface the Prometheus source needs (`queryRange`, coroot's `Cache` idea), and its
 * implementation over `prometheus-query`. Driver failures become `SourceUnavailableError` (cannot
 * reach or not allowed) or `SourceQueryError` (the server rejected this PromQL), cause kept.
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { PrometheusDriver } from 'prometheus-query';
import { SourceQueryError, SourceUnavailableError } from '../../../correlators/errors.js';
import type { PrometheusSourceConfig } from '../config.js';
import type { QueryRange } from './step.js';

export interface PromRangeApi {
  /**
   * Resolves to the `data.result` matrix in the wire shape (`{ metric, values: [[unixS, "v"]] }[]`,
   * checked by the caller), or rejects with a `SourceUnavailableError` / `SourceQueryError`.
   */
  queryRange(promql: string, range: QueryRange): Promise<unknown>;
}

/** What prometheus-query throws: a plain object, not an Error. */
interface DriverFailure {
  errorType?: string;
  error?: string;
  httpStatus?: number;
  code?: string;
}

const AUTH_STATUSES = new Set([401, 403, 407]);

/** Retry connection errors, timeouts and 5xx; never a rejected query or missing credentials. */
export function isRetryablePromError(err: unknown): boolean {
  if (!(err instanceof SourceUnavailableError)) return false;
  const status = (err.cause as DriverFailure | undefined)?.httpStatus;
  return status === undefined || !AUTH_STATUSES.has(status);
}

/** Turns whatever the driver threw into our typed error naming the source and the query. */
export function toSourceError(source: string, promql: string, thrown: unknown): Error {
  const f = (typeof thrown === 'object' && thrown !== null ? thrown : { error: String(thrown) }) as DriverFailure;
  const status = f.httpStatus;
  const detail = f.error ?? 'unknown error';
  if (f.errorType === 'timeout_error') return new SourceUnavailableError(source, `query ${JSON.stringify(promql)} timed out (${detail})`, { cause: thrown });
  if (status === undefined) return new SourceUnavailableError(source, `cannot reach the server for query ${JSON.stringify(promql)}: ${f.code ?? f.errorType ?? ''} ${detail}`.trim(), { cause: thrown });
  if (AUTH_STATUSES.has(status)) return new SourceUnavailableError(source, `not authorised (HTTP ${status}) for query ${JSON.stringify(promql)}: check the username, password or token`, { cause: thrown });
  if (status === 400 || status === 422) return new SourceQueryError(source, promql, `HTTP ${status}: ${detail}`, { cause: thrown });
  return new SourceUnavailableError(source, `HTTP ${status} for query ${JSON.stringify(promql)}: ${detail}`, { cause: thrown });
}

function readPem(file: string | undefined): Buffer | undefined {
  return file ? readFileSync(file) : undefined;
}

/** A `PromRangeApi` over prometheus-query with the configured auth, TLS and timeout. */
export function createPromRangeApi(config: PrometheusSourceConfig): PromRangeApi {
  const tls = config.tls;
  const httpsAgent = config.url.startsWith('https:')
    ? new HttpsAgent({ ca: readPem(tls.caFile), cert: readPem(tls.certFile), key: readPem(tls.keyFile), rejectUnauthorized: !tls.insecureSkipVerify, keepAlive: true })
    : undefined;
  const auth = config.auth;
  const driver = new PrometheusDriver({
    endpoint: config.url.replace(/\/+$/, ''),
    baseURL: '/api/v1',
    headers: { ...config.headers },
    ...(auth.kind === 'basic' ? { auth: { username: auth.username, password: auth.password } } : {}),
    timeout: config.timeoutMs,
    preferPost: true,
    requestInterceptor: {
      onFulfilled: (req) => {
        if (auth.kind === 'bearer') req.headers.set('Authorization', `Bearer ${auth.token}`);
        if (httpsAgent) req.httpsAgent = httpsAgent;
        return req;
      },
    },
    responseInterceptor: {
      onFulfilled: (res) => res,
      // A 401 from a proxy or --web.config.file is plain text: give the driver an error it keeps the status of.
      onRejected: (error: { response?: { status: number; statusText?: string; data?: unknown } }) => {
        const r = error.response;
        if (r && (typeof r.data !== 'object' || r.data === null)) {
          r.data = { status: 'error', errorType: 'http', error: `${r.status} ${r.statusText ?? ''}: ${String(r.data ?? '').trim().slice(0, 200)}`.trim() };
        }
        return Promise.reject(error);
      },
    },
  });
  return {
    async queryRange(promql, range) {
      try {
        const res = await driver.rangeQuery(promql, range.startMs, range.endMs, range.stepMs / 1000);
        // Back to the wire shape, so recorded query_range fixtures and the real server meet one parser.
        return (res.result as { metric: { name?: string; labels: Record<string, string> }; values: { time: Date; value: number }[] }[]).map((s) => ({
          metric: { ...(s.metric.name ? { __name__: s.metric.name } : {}), ...s.metric.labels },
          values: s.values.map((p) => [p.time.getTime() / 1000, String(p.value)]),
        }));
      } catch (thrown) {
        throw toSourceError(config.name, promql, thrown);
      }
    },
  };
}
