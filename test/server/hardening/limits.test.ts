// Limits: analyses queue behind `maxRunning` and are refused past `maxQueued` with 429 and
// Retry-After (a bad request stays a 400), each is cancelled at its time budget, event streams are
// capped with 503, request bodies with 413; shutdown drains. The metrics and /readyz tell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Report } from '../../../correlators/report/index.js';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from '@fastify/type-provider-zod';
import { createMetrics, opsRoutes } from '../../../server/ops/index.js';
import { installAnalysisAdmission } from '../../../server/security/admission.js';
import type { AnalysisRunner, RunAnalysisOptions } from '../../../server/pipeline.js';
import { AnalysisLimiter, DEFAULT_LIMITS, DEFAULT_SECURITY, type Limits } from '../../../server/security/index.js';
import { buildTestApp, readSampleReport, SAMPLE_WINDOW } from '../helpers.js';

/** A runner whose analyses finish when the test says so. */
function heldRunner(): AnalysisRunner & { started: RunAnalysisOptions[]; finishAll(): void; finishOne(): void } {
  const started: RunAnalysisOptions[] = [];
  const waiting: (() => void)[] = [];
  const report = readSampleReport();
  const runner = (o: RunAnalysisOptions) =>
    new Promise<Report>((resolve, reject) => {
      started.push(o);
      o.signal?.addEventListener('abort', () => reject(o.signal?.reason), { once: true });
      waiting.push(() => resolve(structuredClone(report)));
    });
  return Object.assign(runner, {
    started,
    finishAll: () => waiting.splice(0).forEach((f) => f()),
    finishOne: () => waiting.shift()?.(),
  });
}

const limits = (l: Partial<Limits>) => ({ ...DEFAULT_SECURITY, limits: { ...DEFAULT_LIMITS, ...l } });
const post = { method: 'POST' as const, url: '/api/analyses', payload: { window: SAMPLE_WINDOW, source: { kind: 'files' as const, name: 'example' } } };
const tick = () => new Promise((r) => setTimeout(r, 5));

test('the limiter: FIFO queue behind maxRunning, refusal past maxQueued with a Retry-After', async () => {
  const limiter = new AnalysisLimiter({ ...DEFAULT_LIMITS, maxRunning: 2, maxQueued: 2 });
  const runner = heldRunner();
  const run = limiter.wrap(runner);
  const results = [0, 1, 2, 3].map((i) => run({ input: `b${i}`, window: { fromMs: 0, toMs: 1 } }));
  await tick();
  assert.deepEqual(runner.started.map((o) => o.input), ['b0', 'b1'], 'two run, two wait');
  assert.equal(limiter.queued, 2);
  assert.throws(() => limiter.reserve(), (err: { code: string; retryAfterS: number }) => err.code === 'RL_ERR_LIMIT_BUSY' && err.retryAfterS >= 1);
  await assert.rejects(run({ input: 'b4', window: { fromMs: 0, toMs: 1 } }), { code: 'RL_ERR_LIMIT_BUSY' });
  runner.finishOne();
  await tick();
  assert.deepEqual(runner.started.map((o) => o.input), ['b0', 'b1', 'b2'], 'the first in the queue takes the slot');
  assert.equal(limiter.running, 2);
  runner.finishAll();
  await tick();
  runner.finishAll();
  await Promise.all(results);
  assert.equal(limiter.running, 0);
  assert.equal(limiter.queued, 0);
});

test('an analysis past its time budget fails with RL_ERR_LIMIT_TIME, and its runner is told', async () => {
  const limiter = new AnalysisLimiter({ ...DEFAULT_LIMITS, analysisTimeoutMs: 30 });
  const runner = heldRunner();
  await assert.rejects(limiter.wrap(runner)({ input: 'b', window: { fromMs: 0, toMs: 1 } }), {
    code: 'RL_ERR_LIMIT_TIME',
    message: 'The analysis ran past its time budget of 0 s and was cancelled',
  });
  assert.equal(runner.started[0]?.signal?.aborted, true);
  await tick();
  assert.equal(limiter.running, 0);
  // a runner that ignores its signal still fails on time
  const deaf = new AnalysisLimiter({ ...DEFAULT_LIMITS, analysisTimeoutMs: 20 });
  await assert.rejects(deaf.wrap(() => new Promise(() => undefined))({ input: 'b', window: { fromMs: 0, toMs: 1 } }), { code: 'RL_ERR_LIMIT_TIME' });
});

test('POST /api/analyses: 201 up to running + queued, then 429 with Retry-After; 400 stays 400', async (t) => {
  const runner = heldRunner();
  const metrics = createMetrics({ defaultMetrics: false });
  const { app } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined, security: limits({ maxRunning: 1, maxQueued: 2, shutdownGraceMs: 0 }), metrics });
  t.after(() => app.close());
  const answers = await Promise.all(Array.from({ length: 10 }, () => app.inject(post)));
  const codes = answers.map((r) => r.statusCode).sort();
  assert.deepEqual(codes, [201, 201, 201, 429, 429, 429, 429, 429, 429, 429]);
  const busy = answers.find((r) => r.statusCode === 429)!;
  assert.equal(busy.json().code, 'RL_ERR_LIMIT_BUSY');
  assert.match(busy.json().message, /^Too many analyses: 1 running and 2 queued \(limits 1 and 2\); retry in \d+ s$/);
  assert.match(String(busy.headers['retry-after']), /^\d+$/);
  const bad = await app.inject({ ...post, payload: { source: { kind: 'files', name: 'example' }, window: { from: 'x', to: 'y' } } });
  assert.equal(bad.statusCode, 400, 'validation comes before admission');
  runner.finishAll();
  await tick();
  runner.finishAll();
  await tick();
  runner.finishAll();
  await tick();
  assert.equal((await app.inject(post)).statusCode, 201, 'accepted again once the queue drained');
  const text = (await app.inject('/metrics')).body;
  assert.match(text, /rootline_requests_rejected_total\{reason="busy"\} 7/);
  assert.match(text, /rootline_analysis_duration_seconds_count\{outcome="done"\} 3/);
  assert.match(text, /rootline_analyses_running 1/);
});

test('request bodies over 64 KiB: 413', async (t) => {
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/api/analyses', headers: { 'content-type': 'application/json' }, payload: `{"pad":"${'x'.repeat(70 * 1024)}"}` });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE');
});

/** Opens an event stream on a real socket; resolves with the status and a promise of its end. */
function openStream(port: number): Promise<{ status: number; retryAfter?: string; ended: Promise<void>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/test-stream', headers: { accept: 'text/event-stream' } }, (res) => {
      const ended = new Promise<void>((done) => res.on('close', () => done()));
      res.resume();
      resolve({ status: res.statusCode ?? 0, ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}), ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

test('event streams: capped with 503 + Retry-After, counted in /metrics, ended on shutdown', async (t) => {
  const metrics = createMetrics({ defaultMetrics: false });
  const { app } = await buildTestApp({ defaultAnalysis: undefined, security: limits({ maxSseClients: 2 }), metrics });
  // any route that streams: the cap does not depend on which plugin serves it
  app.get('/test-stream', (_request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.write(': hello\n\n');
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  let closed = false;
  t.after(() => (closed ? undefined : app.close()));
  const a = await openStream(port);
  const b = await openStream(port);
  const c = await openStream(port);
  assert.deepEqual([a.status, b.status, c.status], [200, 200, 503]);
  assert.equal(c.retryAfter, '10');
  assert.match((await app.inject('/metrics')).body, /rootline_sse_clients 2/);
  b.close();
  await b.ended;
  // the server sees the socket close a moment after the client
  for (let i = 0; i < 100 && !/rootline_sse_clients 1/.test((await app.inject('/metrics')).body); i++) await tick();
  assert.match((await app.inject('/metrics')).body, /rootline_sse_clients 1/);
  const d = await openStream(port);
  assert.equal(d.status, 200, 'a freed place is taken again');
  assert.match((await app.inject('/metrics')).body, /rootline_requests_rejected_total\{reason="streams"\} 1/);
  const closing = app.close();
  closed = true;
  await Promise.all([a.ended, d.ended]);
  await closing;
});

test('graceful shutdown: the queue is cancelled, running analyses finish within the grace', async (t) => {
  const runner = heldRunner();
  const { app, store } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined, security: limits({ maxRunning: 1, maxQueued: 1, shutdownGraceMs: 5_000 }) });
  await app.ready();
  assert.deepEqual((await app.inject('/readyz')).json(), { status: 'ready', running: 0, queued: 0 });
  const first = (await app.inject(post)).json().id as string;
  const queued = (await app.inject(post)).json().id as string;
  await tick();
  const closing = app.close();
  await tick();
  // the queued one is cancelled at once; the running one may finish
  await store.get(queued)!.done;
  assert.equal(store.get(queued)!.publicError?.code, 'RL_ERR_SERVER_UNAVAILABLE');
  runner.finishAll();
  await closing;
  assert.equal(store.get(first)!.status, 'done', 'the running analysis finished');
});

test('graceful shutdown: a running analysis past the grace is cancelled', async () => {
  const runner = heldRunner();
  const { app, store } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined, security: limits({ shutdownGraceMs: 50 }) });
  const id = (await app.inject(post)).json().id as string;
  await tick();
  await app.close();
  const record = store.get(id)!;
  await record.done;
  assert.equal(record.status, 'failed');
  assert.equal(record.publicError?.code, 'RL_ERR_SERVER_UNAVAILABLE');
  assert.match(record.publicError?.message ?? '', /^The server cannot take this request now/);
});

test('while draining: POST 503 with Retry-After, /readyz 503 draining', async (t) => {
  const limiter = new AnalysisLimiter({ ...DEFAULT_LIMITS });
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installAnalysisAdmission(app, limiter);
  app.post('/api/analyses', async () => ({ id: 'x' }));
  await app.register(opsRoutes, { metrics: createMetrics({ defaultMetrics: false }), limiter, isReady: () => true });
  t.after(() => app.close());
  assert.deepEqual((await app.inject('/readyz')).json(), { status: 'ready', running: 0, queued: 0 });
  await limiter.drain(0);
  const ready = await app.inject('/readyz');
  assert.equal(ready.statusCode, 503);
  assert.deepEqual(ready.json(), { status: 'draining', running: 0, queued: 0 });
  const res = await app.inject({ method: 'POST', url: '/api/analyses', payload: {} });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], '5');
  assert.equal(res.json().code, 'RL_ERR_SERVER_UNAVAILABLE');
  assert.match(res.json().message, /^The server is shutting down and takes no new analyses; retry on another instance \(log id .+\)$/);
});
