import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, fakeRunner, readSampleReport } from '../helpers.js';
import { buildHostileReport } from '../xss.js';

test('GET / renders the default analysis: banner, chain, alternatives, embedded report', async (t) => {
  const { app, store } = await buildTestApp();
  t.after(() => app.close());
  await app.ready();
  await store.getDefault()!.done;
  const res = await app.inject('/');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
  assert.match(res.body, /<h2 id="root-cause-title">Slow disk under etcd on cp-2<\/h2>/);
  assert.match(res.body, /confidence 91 % \(high\)/);
  assert.match(res.body, /Culprit: <strong data-testid="culprit">etcd on cp-2<\/strong>/);
  assert.match(res.body, /<summary>Alternatives considered \(2\)<\/summary>/);
  assert.match(res.body, /<script src="\/static\/war-room.js" defer><\/script>/);
  const json = /<script type="application\/json" id="report">(.*?)<\/script>/s.exec(res.body)?.[1];
  assert.ok(json);
  assert.deepEqual(JSON.parse(json), readSampleReport());
});

test('hostile log text stays text in the page and cannot end the JSON script element', async (t) => {
  const hostile = buildHostileReport(readSampleReport());
  const { app, store } = await buildTestApp({ runAnalysis: fakeRunner(hostile) });
  t.after(() => app.close());
  await app.ready();
  await store.getDefault()!.done;
  const res = await app.inject('/');
  // exactly our two script elements, no injected ones
  assert.equal(res.body.match(/<script/g)?.length, 2);
  assert.doesNotMatch(res.body, /<img/);
  assert.ok(res.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; title'));
  const json = /<script type="application\/json" id="report">(.*?)<\/script>/s.exec(res.body)?.[1];
  assert.deepEqual(JSON.parse(json!), hostile);
});

test('the page says when the analysis is running and when it failed', async (t) => {
  let release: (value: never) => void = () => undefined;
  const { app, store } = await buildTestApp({
    runAnalysis: () =>
      new Promise((_resolve, reject) => {
        release = () => reject(new Error('The analysis of /x failed: not implemented yet'));
      }),
  });
  t.after(() => app.close());
  await app.ready();
  const running = await app.inject('/');
  assert.match(running.body, /<meta http-equiv="refresh" content="2">/);
  assert.match(running.body, /Analysing…/);
  release(undefined as never);
  await store.getDefault()!.done;
  const failed = await app.inject('/');
  assert.equal(failed.statusCode, 200);
  assert.match(failed.body, /Analysis failed/);
  assert.match(failed.body, /Internal server error \(log id [0-9a-f-]+\)/);
  assert.doesNotMatch(failed.body, /\/x failed/);
});

test('/analyses/:id shows any analysis; unknown ones are 404', async (t) => {
  const { app, store } = await buildTestApp();
  t.after(() => app.close());
  await app.ready();
  const id = store.getDefault()!.id;
  await store.getDefault()!.done;
  assert.equal((await app.inject(`/analyses/${id}`)).statusCode, 200);
  const missing = await app.inject('/analyses/abc');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().code, 'RL_ERR_NOT_FOUND');
});

test('static files: the page script and stylesheet only', async (t) => {
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const js = await app.inject('/static/war-room.js');
  assert.equal(js.statusCode, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.doesNotMatch(js.body, /\.innerHTML\s*=|insertAdjacentHTML|outerHTML|document\.write/);
  const css = await app.inject('/static/war-room.css');
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  for (const url of ['/static/..%2F..%2Fpackage.json', '/static/app.js', '/static/%2Fetc%2Fpasswd']) {
    assert.equal((await app.inject(url)).statusCode, 404, url);
  }
});

test('without a default analysis, / is a 404 that says what to do', async (t) => {
  const { app } = await buildTestApp({ defaultAnalysis: undefined });
  t.after(() => app.close());
  const res = await app.inject('/');
  assert.equal(res.statusCode, 404);
  assert.match(res.json().message, /POST \/api\/analyses/);
});
