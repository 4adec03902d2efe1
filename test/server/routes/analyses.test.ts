import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportSchema } from '../../../correlators/report/index.js';
import { SourceUnavailableError } from '../../../correlators/errors.js';
import { buildTestApp, fakeRunner, readSampleReport, SAMPLE_WINDOW } from '../helpers.js';

const body = { window: SAMPLE_WINDOW, source: { kind: 'files', name: 'example' } };

async function startAnalysis(app: Awaited<ReturnType<typeof buildTestApp>>['app'], payload: unknown = body) {
  return app.inject({ method: 'POST', url: '/api/analyses', payload: payload as object });
}

test('POST /api/analyses starts an analysis of a named source; GET returns its report', async (t) => {
  const runner = fakeRunner();
  const { app, store } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined });
  t.after(() => app.close());

  const created = await startAnalysis(app);
  assert.equal(created.statusCode, 201);
  const { id, status } = created.json();
  assert.equal(status, 'running');
  assert.equal(created.headers.location, `/api/analyses/${id}`);
  // the runner got the configured folder and the window in ms, never anything from the body
  assert.equal(runner.calls.length, 1);
  assert.match(runner.calls[0]!.input, /examples\/etcd-disk-latency$/);
  assert.deepEqual(runner.calls[0]!.window, { fromMs: Date.UTC(2026, 0, 24, 8, 51, 50), toMs: Date.UTC(2026, 0, 24, 9, 21, 50) });

  await store.get(id)!.done;
  const got = await app.inject(`/api/analyses/${id}`);
  assert.equal(got.statusCode, 200);
  const resource = got.json();
  assert.equal(resource.status, 'done');
  assert.equal(resource.source, 'example');
  assert.deepEqual(resource.window, SAMPLE_WINDOW);
  assert.deepEqual(reportSchema.parse(resource.report), readSampleReport());
});

test('GET /api/analyses/:id answers 202 with the status while the analysis runs', async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { app, store } = await buildTestApp({
    defaultAnalysis: undefined,
    runAnalysis: async (o) => {
      o.onProgress?.({ stage: 'ingest', elapsedMs: 5, sourceId: 'logs/a.log', filesDone: 1, filesTotal: 4, bytesDone: 10, bytesTotal: 40, lines: 100, badLines: 2 });
      await gate;
      return readSampleReport();
    },
  });
  t.after(() => app.close());
  const { id } = (await startAnalysis(app)).json();

  for (const url of [`/api/analyses/${id}`, `/api/analyses/${id}/timeline`, `/api/analyses/${id}/postmortem.md`]) {
    const running = await app.inject(url);
    assert.equal(running.statusCode, 202, url);
    assert.equal(running.json().status, 'running');
    assert.deepEqual(running.json().progress, { stage: 'ingest', files: 1, lines: 100, badLines: 2, bytes: 10 });
    assert.equal(running.json().report, null);
  }
  release();
  await store.get(id)!.done;
  assert.equal((await app.inject(`/api/analyses/${id}`)).statusCode, 200);
});

test('timeline, postmortem.md and postmortem.html of a finished analysis', async (t) => {
  const { app, store } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const { id } = (await startAnalysis(app)).json();
  await store.get(id)!.done;

  const timeline = await app.inject(`/api/analyses/${id}/timeline`);
  assert.equal(timeline.statusCode, 200);
  assert.equal(timeline.json().total, readSampleReport().timeline.length);
  const lane = await app.inject(`/api/analyses/${id}/timeline?lane=etcd/cp-2&limit=2`);
  assert.equal(lane.json().total, 5);
  assert.equal(lane.json().entries.length, 2);
  assert.ok(lane.json().entries.every((e: { lane: string }) => e.lane === 'etcd/cp-2'));

  const md = await app.inject(`/api/analyses/${id}/postmortem.md`);
  assert.equal(md.statusCode, 200);
  assert.equal(md.headers['content-type'], 'text/markdown; charset=utf-8');
  assert.match(md.body, /^# Postmortem: etcd disk latency on cp-2/);

  const html = await app.inject(`/api/analyses/${id}/postmortem.html`);
  assert.equal(html.statusCode, 200);
  assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
  assert.match(html.body, /<section id="root-cause">/);
});

test('400: a request body that is wrong says which field and what is expected', async (t) => {
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const rows: { name: string; payload: unknown; message: string }[] = [
    { name: 'time not ISO', payload: { ...body, window: { from: 'yesterday', to: SAMPLE_WINDOW.to } }, message: 'Invalid request: body.window.from: Invalid time, expecting ISO-8601 such as 2026-01-24T08:51:50Z' },
    { name: 'window reversed', payload: { ...body, window: { from: SAMPLE_WINDOW.to, to: SAMPLE_WINDOW.from } }, message: 'Invalid request: body.window.to: Invalid window, "to" must be after "from"' },
    { name: 'wrong kind', payload: { ...body, source: { kind: 'prometheus' } }, message: 'Invalid request: body.source.kind: Invalid option: expected one of "files"|"prometheus+elasticsearch"' },
    // Never a path or a URL from the body: unknown keys are refused outright.
    { name: 'a path', payload: { ...body, source: { kind: 'files', path: '/etc' } }, message: 'Invalid request: body.source: Unrecognized key: "path"' },
    { name: 'a URL', payload: { ...body, source: { kind: 'files', url: 'http://evil/' } }, message: 'Invalid request: body.source: Unrecognized key: "url"' },
    { name: 'a path as a name', payload: { ...body, source: { kind: 'files', name: '../../etc' } }, message: 'Invalid request: body.source.name: Invalid source name, expecting lower-case letters, digits, ".", "_" or "-" (at most 63)' },
    { name: 'unknown name', payload: { ...body, source: { kind: 'files', name: 'prod' } }, message: 'Invalid source.name "prod", expecting one of: example' },
    { name: 'no source', payload: { window: SAMPLE_WINDOW }, message: 'Invalid request: body.source: Invalid input: expected object, received undefined' },
  ];
  for (const row of rows) {
    await t.test(row.name, async () => {
      const res = await startAnalysis(app, row.payload);
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { statusCode: 400, code: 'RL_ERR_INPUT_INVALID', error: 'Bad Request', message: row.message });
    });
  }
  await t.test('bad JSON', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/analyses', headers: { 'content-type': 'application/json' }, payload: '{"window":' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'Bad Request');
  });
  await t.test('bad limit', async () => {
    const res = await app.inject('/api/analyses/abc/timeline?limit=0');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().message, 'Invalid request: querystring.limit: limit must be at least 1');
  });
});

test('a request without a window uses the source rootline.json window', async (t) => {
  const runner = fakeRunner();
  const { app } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined });
  t.after(() => app.close());
  const res = await startAnalysis(app, { source: { kind: 'files' } });
  assert.equal(res.statusCode, 201);
  assert.deepEqual(runner.calls[0]!.window, { fromMs: Date.UTC(2026, 0, 24, 8, 51, 50), toMs: Date.UTC(2026, 0, 24, 9, 21, 50) });
});

test('404: unknown analysis and unknown route, in fastify error shape', async (t) => {
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const missing = await app.inject('/api/analyses/0b9c0c1e-0000-4000-8000-000000000000');
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), {
    statusCode: 404,
    code: 'RL_ERR_NOT_FOUND',
    error: 'Not Found',
    message: 'Analysis 0b9c0c1e-0000-4000-8000-000000000000 not found (analyses are kept in memory, the newest 50)',
  });
  const route = await app.inject('/api/nope?x=1');
  assert.deepEqual(route.json(), { statusCode: 404, code: 'RL_ERR_NOT_FOUND', error: 'Not Found', message: 'Route GET /api/nope not found' });
  const badId = await app.inject('/api/analyses/..%2F..%2Fetc');
  assert.equal(badId.statusCode, 400);
});

test('a failed analysis shows a log id, not the internal error', async (t) => {
  const runner = fakeRunner(readSampleReport(), new SourceUnavailableError('/srv/secret/bundle', 'EACCES: permission denied'));
  const { app, store } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined });
  t.after(() => app.close());
  const { id } = (await startAnalysis(app)).json();
  await store.get(id)!.done;
  const got = (await app.inject(`/api/analyses/${id}`)).json();
  assert.equal(got.status, 'failed');
  assert.deepEqual(got.error, { code: 'RL_ERR_SOURCE_UNAVAILABLE', message: `A source could not be read (log id ${id})` });
  const md = await app.inject(`/api/analyses/${id}/postmortem.md`);
  assert.equal(md.statusCode, 503);
  assert.equal(md.json().code, 'RL_ERR_SOURCE_UNAVAILABLE');
  assert.doesNotMatch(md.body, /secret|EACCES/);
});

test('analyses are capped at 50, oldest evicted first, the default one kept', async (t) => {
  const { app, store } = await buildTestApp();
  t.after(() => app.close());
  await app.ready();
  const pinned = store.getDefault()!;
  const ids: string[] = [];
  for (let i = 0; i < 55; i++) ids.push((await startAnalysis(app)).json().id);
  assert.equal(store.size, 50);
  assert.ok(store.get(pinned.id), 'the default analysis stays');
  assert.equal(store.get(ids[0]!), undefined);
  assert.equal(store.get(ids[5]!), undefined);
  assert.ok(store.get(ids[6]!));
  assert.ok(store.get(ids[54]!));
  await Promise.all(ids.slice(6).map((id) => store.get(id)!.done));
});

test('GET /healthz', async (t) => {
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const res = await app.inject('/healthz');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok', analyses: 0 });
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
});
