// Untrusted text stays text: XSS and template-injection payloads written into real log lines go
// through the real pipeline (read, analyse, report) and come out inert in the HTML postmortem, the
// Markdown postmortem and the war-room page: escaped, never markup, never evaluated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXAMPLE_DIR } from '../../server/config.js';
import type { Report } from '../../correlators/report/index.js';
import { runAnalysis } from '../../server/pipeline.js';
import { buildTestApp, fakeRunner } from '../server/helpers.js';
import { PAYLOADS } from './payloads.js';

const ALL = PAYLOADS.join(' ');

const WINDOW = { from: '2026-01-24T08:51:50Z', to: '2026-01-24T09:21:50Z' };

/** The example bundle with hostile lines in an etcd log (warnings, in the window) and the kubelet journal. */
async function hostileBundle(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rootline-xss-'));
  await cp(EXAMPLE_DIR, dir, { recursive: true });
  const etcd = PAYLOADS.map((p, i) => JSON.stringify({ level: 'warn', ts: `2026-01-24T09:0${i}:30.000000Z`, caller: 'etcdserver/util.go:170', msg: `apply request took too long ${p}`, took: '900ms', request: p })).join('\n');
  await appendFile(path.join(dir, 'logs', 'etcd-cp-2.log'), `${etcd}\n`);
  await appendFile(path.join(dir, 'logs', 'kubelet-cp-2.log'), `Jan 24 09:05:00 cp-2 kubelet[1234]: E0124 09:05:00.000000    1234 kubelet.go:2412] "Error syncing pod" err="${ALL.replace(/"/g, "'")}" pod="kube-system/${PAYLOADS[2]}"\n`);
  return dir;
}

function assertInert(out: string, what: string): void {
  for (const bad of ['<script>alert', '<img src=x', '<svg onload', '<iframe']) {
    assert.ok(!out.includes(bad), `${what}: raw ${bad}`);
  }
  assert.doesNotMatch(out, /href\s*=\s*["']?javascript:/i, `${what}: a javascript: link`);
  // in Markdown a link is made of brackets: the payload's must be escaped
  if (what.endsWith('.md')) assert.doesNotMatch(out, /(?<!\\)\]\(javascript:/, `${what}: a Markdown javascript: link`);
  // every INJECTED is still inside its literal (escaped) template text: nothing was evaluated
  for (let i = out.indexOf('INJECTED'); i >= 0; i = out.indexOf('INJECTED', i + 1)) {
    assert.match(out.slice(Math.max(0, i - 40), i), /with/, `${what}: a template payload was evaluated`);
  }
}

test('hostile log lines through the real pipeline: inert in HTML, Markdown and the war room', async (t) => {
  const dir = await hostileBundle();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { app, store } = await buildTestApp({
    runAnalysis: (o) => runAnalysis(o),
    sources: { hostile: dir },
    defaultSource: 'hostile',
    sourceWindows: { hostile: WINDOW },
    defaultAnalysis: { source: 'hostile', window: WINDOW },
  });
  t.after(() => app.close());
  await app.ready();
  const record = store.getDefault()!;
  await record.done;
  assert.equal(record.status, 'done', JSON.stringify(record.publicError));
  const reportJson = JSON.stringify(record.report);
  assert.ok(reportJson.includes('<script>alert(1)</script>'), 'the payload reached the report (as data)');

  const html = await app.inject(`/api/analyses/${record.id}/postmortem.html`);
  assert.equal(html.statusCode, 200);
  assertInert(html.body, 'postmortem.html');
  assert.equal(html.body.match(/<script/g), null, 'the postmortem has no script element at all');

  const md = await app.inject(`/api/analyses/${record.id}/postmortem.md`);
  assert.equal(md.statusCode, 200);
  assertInert(md.body, 'postmortem.md');

  const page = await app.inject('/');
  assert.equal(page.statusCode, 200);
  // the report rides in a JSON script element: exactly ours, and the payload cannot close it
  assert.equal(page.body.match(/<script/g)?.length, 2);
  const embedded = /<script type="application\/json" id="report">(.*?)<\/script>/s.exec(page.body)?.[1];
  assert.ok(embedded);
  assert.deepEqual(JSON.parse(embedded), record.report);
  assertInert(page.body.replace(embedded, ''), 'war room (outside the JSON element)');
  assert.ok(!embedded.includes('</script'), 'the JSON element escapes </script>');

  const timeline = await app.inject(`/api/analyses/${record.id}/timeline`);
  assert.equal(timeline.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(timeline.headers['x-content-type-options'], 'nosniff');
});

/** Free-text fields of a Report (names, labels, notes, evidence): each gets every payload appended. */
const TEXT_KEYS = new Set(['cause', 'component', 'host', 'title', 'explanation', 'symptom', 'claim', 'sourceId', 'file', 'text', 'because', 'query', 'why', 'actionItems', 'missing', 'summary', 'what', 'lane', 'metric', 'label', 'unit', 'origin', 'method', 'format', 'zoneReason', 'reason', 'excerpt', 'message']);

function poison(v: unknown, key: string): unknown {
  if (typeof v === 'string') return TEXT_KEYS.has(key) ? `${v} ${ALL}` : v;
  if (Array.isArray(v)) return v.map((x) => poison(x, key));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, k)]));
  return v;
}

test('every label, note and evidence field of a real report, poisoned: inert in every output', async (t) => {
  const dir = await hostileBundle();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const real = await runAnalysis({ input: dir, window: { fromMs: Date.UTC(2026, 0, 24, 8, 51, 50), toMs: Date.UTC(2026, 0, 24, 9, 21, 50) } });
  const hostile = poison(real, '') as Report;
  const { app, store } = await buildTestApp({ runAnalysis: fakeRunner(hostile) });
  t.after(() => app.close());
  await app.ready();
  const record = store.getDefault()!;
  await record.done;
  assert.equal(record.status, 'done');
  const html = await app.inject(`/api/analyses/${record.id}/postmortem.html`);
  assertInert(html.body, 'postmortem.html');
  assert.equal(html.body.match(/<script/g), null);
  assert.ok(html.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the payloads are shown, as text');
  const md = await app.inject(`/api/analyses/${record.id}/postmortem.md`);
  assertInert(md.body, 'postmortem.md');
  assert.ok(md.body.includes('alert(1)'), 'the payloads are shown, as text');
  const page = await app.inject('/');
  const embedded = /<script type="application\/json" id="report">(.*?)<\/script>/s.exec(page.body)?.[1] ?? '';
  assert.equal(page.body.match(/<script/g)?.length, 2);
  assertInert(page.body.replace(embedded, ''), 'war room');
  assert.deepEqual(JSON.parse(embedded), hostile);
});
