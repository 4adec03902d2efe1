/**
 * Access control and limits, read from the environment by `server/config.ts` (the one reader of
 * `process.env`: it passes `env` in). Tokens come from the environment or from a file, never from
 * flags (they would show in `ps`), and only their SHA-256 digests are kept.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDurationMs } from '../sources/config.js';

export type Role = 'read' | 'write';

export interface TokenEntry {
  /** A label for logs ("env", "file:3"); never the token. */
  name: string;
  role: Role;
  /** SHA-256 of the token, hex (a string, so the config can be deep-frozen). */
  digest: string;
}

export interface Limits {
  /** Analyses running at once; more wait in the queue. */
  maxRunning: number;
  /** Analyses waiting; beyond running + queued, POST answers 429 with Retry-After. */
  maxQueued: number;
  /** Per analysis, from the moment it starts running; past it the analysis fails with RL_ERR_LIMIT_TIME. */
  analysisTimeoutMs: number;
  /** Open event streams (SSE); beyond it, 503 with Retry-After. */
  maxSseClients: number;
  /** On SIGTERM, running analyses get this long to finish before they are cancelled. */
  shutdownGraceMs: number;
  /** Failed fetches in a row after which a Prometheus / Elasticsearch source is skipped (circuit open). */
  sourceFailures: number;
  /** How long a source with an open circuit is skipped before one trial fetch. */
  sourceCooldownMs: number;
}

export interface SecurityConfig {
  /** Empty: no access control (the default on loopback). */
  tokens: readonly TokenEntry[];
  /** `ROOTLINE_ALLOW_NO_AUTH=true`: serve a non-loopback address without tokens, knowingly. */
  allowNoAuth: boolean;
  limits: Limits;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Shorter tokens are refused: a bearer token is a password that is never typed. */
export const MIN_TOKEN_CHARS = 16;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  // 2 cores (the reference machine): two analyses at once keep both busy.
  maxRunning: 2,
  maxQueued: 8,
  analysisTimeoutMs: 10 * 60_000,
  maxSseClients: 100,
  shutdownGraceMs: 20_000,
  sourceFailures: 3,
  sourceCooldownMs: 30_000,
});

export const DEFAULT_SECURITY: Readonly<SecurityConfig> = Object.freeze({ tokens: [], allowNoAuth: false, limits: DEFAULT_LIMITS });

export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Reads `ROOTLINE_TOKEN` (read-write), `ROOTLINE_READ_TOKEN` (read-only), `ROOTLINE_TOKENS_FILE`
 * (lines `write TOKEN` / `read TOKEN`, `#` comments), `ROOTLINE_ALLOW_NO_AUTH`, and the limits
 * `ROOTLINE_MAX_ANALYSES`, `ROOTLINE_MAX_QUEUED`, `ROOTLINE_ANALYSIS_TIMEOUT` (`10m`),
 * `ROOTLINE_MAX_SSE_CLIENTS`, `ROOTLINE_SHUTDOWN_GRACE` (`20s`), and the source circuit breakers
 * `ROOTLINE_SOURCE_FAILURES` (3) and `ROOTLINE_SOURCE_COOLDOWN` (`30s`). Problems are appended to
 * `problems` (the caller throws one ConfigError for all); messages never contain a token.
 */
export function parseSecurityConfig(env: Env, problems: string[], readFile: (file: string) => string = (f) => readFileSync(f, 'utf8')): SecurityConfig {
  const tokens: TokenEntry[] = [];
  const addToken = (name: string, role: Role, token: string): void => {
    if (token.length < MIN_TOKEN_CHARS || /\s/.test(token)) {
      problems.push(`${name}: a token must be at least ${MIN_TOKEN_CHARS} characters without spaces (for example: openssl rand -hex 32)`);
      return;
    }
    tokens.push({ name, role, digest: digestToken(token) });
  };
  if (env.ROOTLINE_TOKEN) addToken('ROOTLINE_TOKEN', 'write', env.ROOTLINE_TOKEN.trim());
  if (env.ROOTLINE_READ_TOKEN) addToken('ROOTLINE_READ_TOKEN', 'read', env.ROOTLINE_READ_TOKEN.trim());
  const file = env.ROOTLINE_TOKENS_FILE;
  if (file) {
    let text: string | undefined;
    try {
      text = readFile(file);
    } catch (err) {
      problems.push(`ROOTLINE_TOKENS_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    (text ?? '').split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const [role, token, ...rest] = line.split(/\s+/);
      const where = `ROOTLINE_TOKENS_FILE line ${i + 1}`;
      if ((role !== 'read' && role !== 'write') || token === undefined || rest.length > 0) {
        problems.push(`${where}: expecting "read TOKEN" or "write TOKEN"`);
        return;
      }
      addToken(where, role, token);
    });
  }
  const limits: Limits = {
    maxRunning: readInt(env, 'ROOTLINE_MAX_ANALYSES', DEFAULT_LIMITS.maxRunning, 1, 64, problems),
    maxQueued: readInt(env, 'ROOTLINE_MAX_QUEUED', DEFAULT_LIMITS.maxQueued, 0, 10_000, problems),
    analysisTimeoutMs: readDuration(env, 'ROOTLINE_ANALYSIS_TIMEOUT', DEFAULT_LIMITS.analysisTimeoutMs, problems),
    maxSseClients: readInt(env, 'ROOTLINE_MAX_SSE_CLIENTS', DEFAULT_LIMITS.maxSseClients, 0, 100_000, problems),
    shutdownGraceMs: readDuration(env, 'ROOTLINE_SHUTDOWN_GRACE', DEFAULT_LIMITS.shutdownGraceMs, problems),
    sourceFailures: readInt(env, 'ROOTLINE_SOURCE_FAILURES', DEFAULT_LIMITS.sourceFailures, 1, 1000, problems),
    sourceCooldownMs: readDuration(env, 'ROOTLINE_SOURCE_COOLDOWN', DEFAULT_LIMITS.sourceCooldownMs, problems),
  };
  const allow = (env.ROOTLINE_ALLOW_NO_AUTH ?? '').trim().toLowerCase();
  if (allow && !['true', 'false', '1', '0'].includes(allow)) problems.push('ROOTLINE_ALLOW_NO_AUTH: expecting true or false');
  return { tokens, allowNoAuth: allow === 'true' || allow === '1', limits };
}

function readInt(env: Env, key: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${key}: expecting an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return n;
}

function readDuration(env: Env, key: string, fallback: number, problems: string[]): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const ms = parseDurationMs(raw);
  if (ms === undefined) {
    problems.push(`${key}: Invalid duration, expecting such as 30s, 10m or PT10M (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return ms;
}

/** 127.0.0.0/8, ::1, localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The message to refuse start-up with, or undefined when listening on `host` is safe: loopback,
 * tokens configured, or no-auth allowed explicitly.
 */
export function checkListenSafety(host: string, security: SecurityConfig): string | undefined {
  if (isLoopbackHost(host) || security.tokens.length > 0 || security.allowNoAuth) return undefined;
  return `Refusing to listen on ${host} without access control: set ROOTLINE_TOKEN (or ROOTLINE_TOKENS_FILE), listen on 127.0.0.1, or set ROOTLINE_ALLOW_NO_AUTH=true to serve without a token`;
}
