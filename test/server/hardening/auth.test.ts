// Access control: off unless tokens are configured; then every route but the probes needs a
// token, GET a read one, anything else a read-write one; the page takes ?token= once and keeps it
// in an HttpOnly cookie. Tokens never reach the logs, and a non-loopback address needs one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { ConfigError } from '../../../correlators/errors.js';
import { readConfig } from '../../../server/config.js';
import { startServer } from '../../../server/main.js';
import { buildLoggerOptions } from '../../../server/ops/index.js';
import { checkListenSafety, DEFAULT_LIMITS, parseSecurityConfig, type SecurityConfig } from '../../../server/security/index.js';
import { buildTestApp, SAMPLE_WINDOW } from '../helpers.js';

const WRITE = 'w-0123456789abcdef0123456789abcdef';
const READ = 'r-fedcba9876543210fedcba9876543210';

function security(env: Record<string, string>): SecurityConfig {
  const problems: string[] = [];
  const s = parseSecurityConfig(env, problems);
  assert.deepEqual(problems, []);
  return s;
}

const withTokens = () => security({ ROOTLINE_TOKEN: WRITE, ROOTLINE_READ_TOKEN: READ });
const post = { method: 'POST' as const, url: '/api/analyses', payload: { window: SAMPLE_WINDOW, source: { kind: 'files' as const, name: 'example' } } };

test('no token configured: everything is open (the default, on loopback)', async (t) => {
  const { app } = await buildTestApp();
  t.after(() => app.close());
  assert.equal((await app.inject(post)).statusCode, 201);
  assert.equal((await app.inject('/metrics')).statusCode, 200);
});

test('tokens configured: 401 without or with a wrong token, 403 for a read token on a write', async (t) => {
  const { app, store } = await buildTestApp({ security: withTokens() });
  t.after(() => app.close());
  await app.ready();
  const id = store.getDefault()!.id;
  const rows: { why: string; req: string | InjectOptions; status: number; code?: string }[] = [
    { why: 'API without a token', req: `/api/analyses/${id}`, status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'the page without a token', req: '/', status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'metrics without a token', req: '/metrics', status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'an unknown route without a token (its existence is not told)', req: '/nope', status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'a wrong token', req: { url: `/api/analyses/${id}`, headers: { authorization: `Bearer ${WRITE}x` } }, status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'not a bearer token', req: { url: `/api/analyses/${id}`, headers: { authorization: `Basic ${WRITE}` } }, status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'a token in the query string of an API call', req: `/api/analyses/${id}?token=${READ}`, status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'POST without a token', req: post, status: 401, code: 'RL_ERR_AUTH_REQUIRED' },
    { why: 'POST with a read token', req: { ...post, headers: { authorization: `Bearer ${READ}` } }, status: 403, code: 'RL_ERR_AUTH_FORBIDDEN' },
    { why: 'GET with a read token', req: { url: `/api/analyses/${id}`, headers: { authorization: `Bearer ${READ}` } }, status: 200 },
    { why: 'GET with the write token', req: { url: `/api/analyses/${id}`, headers: { authorization: `bearer ${WRITE}` } }, status: 200 },
    { why: 'POST with the write token', req: { ...post, headers: { authorization: `Bearer ${WRITE}` } }, status: 201 },
    { why: 'liveness probe', req: '/healthz', status: 200 },
    { why: 'readiness probe', req: '/readyz', status: 200 },
  ];
  for (const row of rows) {
    const res = await app.inject(row.req);
    assert.equal(res.statusCode, row.status, `${row.why}: ${res.body}`);
    if (row.code) {
      assert.equal(res.json().code, row.code, row.why);
      assert.ok(!res.body.includes(WRITE) && !res.body.includes(READ), `${row.why}: the answer repeats a token`);
    }
    if (row.status === 401) assert.equal(res.headers['www-authenticate'], 'Bearer realm="rootline"', row.why);
  }
  const forbidden = await app.inject({ ...post, headers: { authorization: `Bearer ${READ}` } });
  assert.equal(forbidden.json().message, 'This token is read-only: POST /api/analyses needs a read-write token');
});

test('the page: ?token= becomes an HttpOnly SameSite cookie and leaves the address bar', async (t) => {
  const { app } = await buildTestApp({ security: withTokens() });
  t.after(() => app.close());
  const first = await app.inject(`/?token=${READ}&x=1`);
  assert.equal(first.statusCode, 303);
  assert.equal(first.headers.location, '/?x=1');
  assert.equal(first.headers['set-cookie'], `rootline_token=${READ}; HttpOnly; SameSite=Strict; Path=/`);
  assert.equal(first.headers['cache-control'], 'no-store');
  const page = await app.inject({ url: '/', headers: { cookie: `other=1; rootline_token=${READ}` } });
  assert.equal(page.statusCode, 200);
  const css = await app.inject({ url: '/static/war-room.css', headers: { cookie: `rootline_token=${READ}` } });
  assert.equal(css.statusCode, 200);
  assert.equal((await app.inject('/?token=not-a-token')).statusCode, 401);
  // a read token kept in the cookie still cannot write
  assert.equal((await app.inject({ ...post, headers: { cookie: `rootline_token=${READ}` } })).statusCode, 403);
});

test('tokens from a file, with roles; weak or malformed ones refused without echoing them', () => {
  const problems: string[] = [];
  const s = parseSecurityConfig({ ROOTLINE_TOKENS_FILE: '/etc/rootline/tokens' }, problems, () => `# ops\nwrite ${WRITE}\n\nread ${READ}\nadmin ${READ}\nread short\nread\n`);
  assert.deepEqual(s.tokens.map((x) => [x.name, x.role]), [['ROOTLINE_TOKENS_FILE line 2', 'write'], ['ROOTLINE_TOKENS_FILE line 4', 'read']]);
  assert.deepEqual(problems, [
    'ROOTLINE_TOKENS_FILE line 5: expecting "read TOKEN" or "write TOKEN"',
    'ROOTLINE_TOKENS_FILE line 6: a token must be at least 16 characters without spaces (for example: openssl rand -hex 32)',
    'ROOTLINE_TOKENS_FILE line 7: expecting "read TOKEN" or "write TOKEN"',
  ]);
  assert.ok(!JSON.stringify(s).includes(WRITE), 'only digests are kept');
  const missing: string[] = [];
  parseSecurityConfig({ ROOTLINE_TOKENS_FILE: '/nonexistent/tokens' }, missing);
  assert.deepEqual(missing, ['ROOTLINE_TOKENS_FILE: cannot read /nonexistent/tokens (ENOENT)']);
  assert.throws(() => readConfig({}, { ROOTLINE_TOKEN: 'hunter2' }), (err: Error) => err instanceof ConfigError && /ROOTLINE_TOKEN: a token must be at least 16/.test(err.message) && !err.message.includes('hunter2'));
});

test('limits from the environment, checked', () => {
  const problems: string[] = [];
  const s = parseSecurityConfig({ ROOTLINE_MAX_ANALYSES: '3', ROOTLINE_MAX_QUEUED: '0', ROOTLINE_ANALYSIS_TIMEOUT: '90s', ROOTLINE_MAX_SSE_CLIENTS: 'many', ROOTLINE_SHUTDOWN_GRACE: 'soon', ROOTLINE_SOURCE_FAILURES: '5', ROOTLINE_SOURCE_COOLDOWN: '2m' }, problems);
  assert.deepEqual(s.limits, { ...DEFAULT_LIMITS, maxRunning: 3, maxQueued: 0, analysisTimeoutMs: 90_000, sourceFailures: 5, sourceCooldownMs: 120_000 });
  assert.deepEqual(problems, [
    'ROOTLINE_MAX_SSE_CLIENTS: expecting an integer from 0 to 100000 (got "many")',
    'ROOTLINE_SHUTDOWN_GRACE: Invalid duration, expecting such as 30s, 10m or PT10M (got "soon")',
  ]);
  const bad: string[] = [];
  parseSecurityConfig({ ROOTLINE_SOURCE_FAILURES: '0', ROOTLINE_SOURCE_COOLDOWN: 'later' }, bad);
  assert.deepEqual(bad, ['ROOTLINE_SOURCE_FAILURES: expecting an integer from 1 to 1000 (got "0")', 'ROOTLINE_SOURCE_COOLDOWN: Invalid duration, expecting such as 30s, 10m or PT10M (got "later")']);
});

test('refuses to listen on a non-loopback address without a token, unless told to', async () => {
  const none = security({});
  const rows: [string, SecurityConfig, boolean][] = [
    ['127.0.0.1', none, true],
    ['127.0.0.2', none, true],
    ['::1', none, true],
    ['localhost', none, true],
    ['0.0.0.0', none, false],
    ['::', none, false],
    ['10.1.2.3', none, false],
    ['0.0.0.0', withTokens(), true],
    ['0.0.0.0', security({ ROOTLINE_ALLOW_NO_AUTH: 'true' }), true],
  ];
  for (const [host, s, ok] of rows) assert.equal(checkListenSafety(host, s) === undefined, ok, host);
  assert.equal(
    checkListenSafety('0.0.0.0', none),
    'Refusing to listen on 0.0.0.0 without access control: set ROOTLINE_TOKEN (or ROOTLINE_TOKENS_FILE), listen on 127.0.0.1, or set ROOTLINE_ALLOW_NO_AUTH=true to serve without a token',
  );
  const config = readConfig({ host: '0.0.0.0', port: 0 }, {});
  await assert.rejects(startServer({ config }), (err: Error) => err instanceof ConfigError && /^Refusing to listen on 0\.0\.0\.0/.test(err.message));
});

test('tokens never reach the log: not from headers, not from the page URL', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const { app } = await buildTestApp({ security: withTokens(), logger: { ...(buildLoggerOptions('trace') as object), stream } });
  t.after(() => app.close());
  await app.inject({ url: '/api/analyses/x', headers: { authorization: `Bearer ${WRITE}`, cookie: `rootline_token=${READ}` } });
  await app.inject(`/?token=${READ}`);
  await app.inject({ url: '/nope', headers: { authorization: `Bearer ${WRITE}-wrong` } });
  const log = lines.join('');
  assert.ok(log.includes('"url":"/"'), 'the page request is logged, without its token');
  assert.ok(!log.includes(WRITE) && !log.includes(READ), 'a token was logged');
});
