// POST /api/analyses with `source.kind: "prometheus+elasticsearch"`: a configured pair picked by
// name, fresh sources per analysis, never a URL from the body; the exact 400 messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalSource } from '../../../server/sources/types.js';
import { buildTestApp, fakeRunner, SAMPLE_WINDOW } from '../helpers.js';

const fakeSource = (name: string): SignalSource => ({ name, fetch: async (window) => ({ window, logs: [], series: [], audit: [], sources: [] }) });

function servers() {
  const made: string[] = [];
  const pair = (name: string) => () => {
    made.push(name);
    return [fakeSource(`${name}-prometheus`), fakeSource(`${name}-elasticsearch`)];
  };
  return { made, servers: { prod: pair('prod'), staging: pair('staging') } };
}

test('a configured Prometheus + Elasticsearch pair is picked by name; the runner gets its sources', async (t) => {
  const runner = fakeRunner();
  const { made, servers: serverSources } = servers();
  const { app, store } = await buildTestApp({ runAnalysis: runner, defaultAnalysis: undefined, serverSources });
  t.after(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/api/analyses', payload: { window: SAMPLE_WINDOW, source: { kind: 'prometheus+elasticsearch', name: 'staging' } } });
  assert.equal(res.statusCode, 201, res.body);
  const call = runner.calls[0]!;
  assert.equal(call.input, 'prometheus+elasticsearch:staging');
  assert.deepEqual(call.sources?.map((s) => s.name), ['staging-prometheus', 'staging-elasticsearch']);
  assert.deepEqual(made, ['staging'], 'sources are made for the analysis that needs them');
  await store.get(res.json().id)!.done;
  assert.equal((await app.inject(`/api/analyses/${res.json().id}`)).json().source, 'staging');
  // the next analysis of the same pair gets fresh sources (no cache outlives an analysis)
  await app.inject({ method: 'POST', url: '/api/analyses', payload: { window: SAMPLE_WINDOW, source: { kind: 'prometheus+elasticsearch', name: 'staging' } } });
  assert.notEqual(runner.calls[1]!.sources![0], call.sources![0]);
});

test('400s for server sources say what to fix', async (t) => {
  const { servers: serverSources } = servers();
  const { app } = await buildTestApp({ defaultAnalysis: undefined, serverSources });
  const bare = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  t.after(() => bare.app.close());
  const pe = 'prometheus+elasticsearch';
  const rows: { name: string; app?: typeof app; payload: unknown; message: string }[] = [
    { name: 'no window: servers have no rootline.json', payload: { source: { kind: pe, name: 'prod' } }, message: 'Missing window, expecting {"from": ISO time, "to": ISO time}: source "prod" reads Prometheus and Elasticsearch, which have no stored window' },
    { name: 'two pairs and no name', payload: { window: SAMPLE_WINDOW, source: { kind: pe } }, message: 'Missing source.name, expecting one of: prod, staging' },
    { name: 'unknown pair', payload: { window: SAMPLE_WINDOW, source: { kind: pe, name: 'dev' } }, message: 'Invalid source.name "dev", expecting one of: prod, staging' },
    { name: 'a bundle named as a pair', payload: { window: SAMPLE_WINDOW, source: { kind: pe, name: 'example' } }, message: 'Invalid source.kind "prometheus+elasticsearch" for source.name "example": it is a bundle folder, expecting source.kind "files"' },
    { name: 'a pair named as files', payload: { window: SAMPLE_WINDOW, source: { kind: 'files', name: 'prod' } }, message: 'Invalid source.kind "files" for source.name "prod": it is a prometheus+elasticsearch source, expecting source.kind "prometheus+elasticsearch"' },
    { name: 'a URL is never taken', payload: { window: SAMPLE_WINDOW, source: { kind: pe, name: 'prod', url: 'http://evil:9090' } }, message: 'Invalid request: body.source: Unrecognized key: "url"' },
    { name: 'none configured', app: bare.app, payload: { window: SAMPLE_WINDOW, source: { kind: pe, name: 'prod' } }, message: 'Invalid source.kind "prometheus+elasticsearch": no such source is configured (the server reads them from --config FILE or ROOTLINE_CONFIG), expecting source.kind "files"' },
  ];
  for (const row of rows) {
    await t.test(row.name, async () => {
      const res = await (row.app ?? app).inject({ method: 'POST', url: '/api/analyses', payload: row.payload as object });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), { statusCode: 400, code: 'RL_ERR_INPUT_INVALID', error: 'Bad Request', message: row.message });
    });
  }
});

test('a single configured pair is the default of its kind; a server default source is analysed at start-up', async (t) => {
  const runner = fakeRunner();
  const { app, store } = await buildTestApp({ runAnalysis: runner, serverSources: { prod: () => [fakeSource('p')] }, defaultSource: 'prod', defaultAnalysis: { source: 'prod', window: SAMPLE_WINDOW } });
  t.after(() => app.close());
  await app.ready();
  assert.equal(store.getDefault()?.sourceName, 'prod');
  assert.equal(runner.calls[0]!.input, 'prometheus+elasticsearch:prod');
  const res = await app.inject({ method: 'POST', url: '/api/analyses', payload: { window: SAMPLE_WINDOW, source: { kind: 'prometheus+elasticsearch' } } });
  assert.equal(res.statusCode, 201);
  assert.deepEqual(runner.calls[1]!.sources?.map((s) => s.name), ['p']);
});
