/**
 * The narrow interface the Elasticsearch source needs (search, and point-in-time open/close), and
 * its implementation over `@elastic/elasticsearch` 7.13 (the last 7.x client without the product
 * check, so it talks to every 7.10+ server). Driver failures become `SourceUnavailableError`
 * (unreachable, timed out, unauthorised, 5xx) or `SourceQueryError` (the request was rejected).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Es from '@elastic/elasticsearch' with { 'resolution-mode': 'require' };
import { SourceQueryError, SourceUnavailableError } from '../../../correlators/errors.js';
import type { ElasticsearchSourceConfig } from '../config.js';

// 7.13's ESM entry ships no types: load the CommonJS entry, typed by its index.d.ts.
const { Client, errors } = createRequire(import.meta.url)('@elastic/elasticsearch') as typeof Es;

export interface EsApi {
  /** `POST /{index}/_search` (or `/_search` with a `pit` in the body when `index` is undefined); resolves to the response body. */
  search(index: string | undefined, body: Record<string, unknown>): Promise<unknown>;
  /** Opens a point in time; resolves to its id. */
  openPointInTime(index: string, keepAlive: string): Promise<string>;
  closePointInTime(id: string): Promise<void>;
}

const AUTH_STATUSES = new Set([401, 403]);

/** Retry connection errors, timeouts and 5xx (429 too: the cluster asks us to slow down). */
export function isRetryableEsError(err: unknown): boolean {
  if (!(err instanceof SourceUnavailableError)) return false;
  const status = (err.cause as { statusCode?: number } | undefined)?.statusCode;
  return status === undefined || !AUTH_STATUSES.has(status);
}

function reasonOf(body: unknown): string {
  const e = (body as { error?: { type?: string; reason?: string; root_cause?: { reason?: string }[]; caused_by?: { reason?: string } } | string } | undefined)?.error;
  if (typeof e === 'string') return e;
  if (!e) return 'no reason given';
  const root = e.root_cause?.[0]?.reason;
  const caused = e.caused_by?.reason;
  return [e.type, e.reason, root && root !== e.reason ? root : undefined, caused && caused !== e.reason ? caused : undefined].filter(Boolean).join(': ');
}

/** Whatever the driver threw, as our typed error naming the source and the request. */
export function toEsSourceError(source: string, what: string, thrown: unknown): Error {
  if (thrown instanceof errors.ResponseError) {
    const status = thrown.statusCode;
    if (AUTH_STATUSES.has(status)) return new SourceUnavailableError(source, `not authorised (HTTP ${status}) for ${what}: check the API key, username or password`, { cause: thrown });
    if (status >= 500 || status === 429) return new SourceUnavailableError(source, `HTTP ${status} for ${what}: ${reasonOf(thrown.body)}`, { cause: thrown });
    return new SourceQueryError(source, what, `HTTP ${status}: ${reasonOf(thrown.body)}`, { cause: thrown });
  }
  if (thrown instanceof errors.TimeoutError) return new SourceUnavailableError(source, `${what} timed out`, { cause: thrown });
  if (thrown instanceof errors.ConnectionError || thrown instanceof errors.NoLivingConnectionsError) {
    return new SourceUnavailableError(source, `cannot reach the server for ${what}: ${thrown.message}`, { cause: thrown });
  }
  return new SourceUnavailableError(source, `${what} failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { cause: thrown });
}

/** An `EsApi` over the official client with the configured auth, TLS and timeout; retries are ours. */
export function createEsApi(config: ElasticsearchSourceConfig): EsApi {
  const auth = config.auth;
  const tls = config.tls;
  const client = new Client({
    node: config.url,
    maxRetries: 0,
    requestTimeout: config.timeoutMs,
    sniffOnStart: false,
    ...(auth.kind === 'basic' ? { auth: { username: auth.username, password: auth.password } } : {}),
    ...(auth.kind === 'api-key' ? { auth: { apiKey: auth.apiKey } } : {}),
    ...(auth.kind === 'bearer' ? { headers: { authorization: `Bearer ${auth.token}` } } : {}),
    ...(config.url.startsWith('https:')
      ? {
          ssl: {
            ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
            ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
            ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
            rejectUnauthorized: !tls.insecureSkipVerify,
          },
        }
      : {}),
  });
  const name = config.name;
  return {
    async search(index, body) {
      try {
        const res = await client.search(index === undefined ? { body } : { index, body });
        return res.body;
      } catch (thrown) {
        throw toEsSourceError(name, `search ${index ?? '(point in time)'}`, thrown);
      }
    },
    async openPointInTime(index, keepAlive) {
      try {
        const res = await client.openPointInTime({ index, keep_alive: keepAlive });
        return String((res.body as { id?: unknown }).id);
      } catch (thrown) {
        throw toEsSourceError(name, `open point in time on ${index}`, thrown);
      }
    },
    async closePointInTime(id) {
      try {
        await client.closePointInTime({ body: { id } });
      } catch {
        // It expires by itself after keep_alive; nothing to report.
      }
    },
  };
}
