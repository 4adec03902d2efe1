// A live session following a Prometheus + Elasticsearch pair of real servers (started by
// .ci/services/*.sh, which export PROM_URL and ES_URL) while the incident "happens": the test
// replays a development bundle's window with a clock that advances one poll interval per tick,
// indexing the bundle's audit events, Kubernetes events and logs into fresh indexes of its own as
// the clock reaches them; Prometheus holds the bundle's metrics (backfilled, queried up to the
// clock). Each poll must ask only for the range since the last (plus the overlap), the report
// must name the bundle's root cause within a bounded number of polls after its onset, and
// Elasticsearch stopping mid-session must degrade the report and be named in it.
// Ticks are driven by the test (no timers): nothing depends on how fast the machine is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { AnalysisWindow } from '../../correlators/signals/index.js';
import { LiveSession } from '../../server/live/index.js';
import { buildServerSources } from '../../server/sources/server-sources.js';
import { parseSourcesFile } from '../../server/sources/sources-file.js';
import type { SignalSource } from '../../server/sources/types.js';
import { NotesStore } from '../../server/store/index.js';
import { startAuthProxy } from './helpers/auth-proxy.js';
import { readBundleDocs, readLabel } from './helpers/bundle-docs.js';
import { caseDir, serversOrSkip } from './helpers/env.js';
import { createIndex, esRequest } from './helpers/es-load.js';

const PROM_URL = process.env['PROM_URL'];
const ES_URL = process.env['ES_URL'];
const skip = serversOrSkip('live polling tests', ['PROM_URL', 'ES_URL']);

const ID = 'etcd-disk-latency-1-1';
const MIN = 60_000;
/** The clock advances this much per tick: one poll each (the session's poll interval is less). */
const STEP_MS = MIN;
/** The bound: the report names the cause at most this many polls after the incident's onset. */
const MAX_POLLS_AFTER_ONSET = 8;
// Own indexes, per process and run: another run of this file may use the same server at the same time.
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const INDEX = { audit: `rl-live-${RUN}-audit`, events: `rl-live-${RUN}-events`, logs: `rl-live-${RUN}-logs` };
const silent = { level: 'silent', fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {}, silent() {}, child() { return silent; } } as never;

after(async () => {
  if (!skip) await Promise.all(Object.values(INDEX).map((index) => esRequest(ES_URL!, 'DELETE', `/${index}`)));
});

/** When a shipper would have sent the document: its own time (an Event when it was last seen). */
function docTimeMs(kind: keyof typeof INDEX, d: Record<string, unknown>): number {
  const text = kind === 'audit' ? (d['stageTimestamp'] ?? d['requestReceivedTimestamp']) : kind === 'logs' ? d['@timestamp'] : (d['lastTimestamp'] || d['eventTime'] || d['firstTimestamp']);
  const ms = Date.parse(String(text));
  if (!Number.isFinite(ms)) throw new Error(`a ${kind} document without a time: ${JSON.stringify(d).slice(0, 200)}`);
  return ms;
}

/** Documents by index, in time order, handed out up to a time (each once), as shippers send them. */
class Shipper {
  readonly #queues: { index: string; docs: { atMs: number; doc: Record<string, unknown> }[]; next: number }[] = [];
  sent = 0;

  add(index: string, kind: keyof typeof INDEX, docs: Record<string, unknown>[]): void {
    this.#queues.push({ index, docs: docs.map((doc) => ({ atMs: docTimeMs(kind, doc), doc })).sort((a, b) => a.atMs - b.atMs), next: 0 });
  }

  /** Indexes every document up to `toMs` not sent yet, and makes it searchable. */
  async shipUntil(toMs: number): Promise<void> {
    for (const q of this.#queues) {
      const lines: string[] = [];
      while (q.next < q.docs.length && q.docs[q.next]!.atMs <= toMs) lines.push('{"index":{}}', JSON.stringify(q.docs[q.next++]!.doc));
      if (lines.length === 0) continue;
      const r = await esRequest(ES_URL!, 'POST', `/${q.index}/_bulk`, `${lines.join('\n')}\n`);
      const j = r.json as { errors?: boolean };
      if (r.status !== 200 || j.errors) throw new Error(`bulk into ${q.index}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
      this.sent += lines.length / 2;
    }
    await esRequest(ES_URL!, 'POST', `/${Object.values(INDEX).join(',')}/_refresh`);
  }
}

/** A source recording each range it is asked for. */
function recorded(source: SignalSource): SignalSource & { asked: AnalysisWindow[] } {
  const asked: AnalysisWindow[] = [];
  return { name: source.name, ...(source.evidence ? { evidence: source.evidence } : {}), asked, fetch: (w, o) => (asked.push(w), source.fetch(w, o)) };
}

test('a live session polls the real Prometheus and Elasticsearch as the incident happens', { skip, timeout: 15 * MIN }, async (t) => {
  const label = readLabel(caseDir(ID));
  const docs = readBundleDocs(path.join(caseDir(ID), 'bundle'), label.window);
  for (const [index, preset] of [[INDEX.audit, 'raw-audit'], [INDEX.events, 'event-exporter'], [INDEX.logs, 'fluent-bit']] as const) await createIndex(ES_URL!, index, preset);
  await esRequest(ES_URL!, 'PUT', `/${Object.values(INDEX).join(',')}/_settings`, { index: { refresh_interval: '-1' } });
  const shipper = new Shipper();
  shipper.add(INDEX.audit, 'audit', docs.rawAudit);
  shipper.add(INDEX.events, 'events', docs.events);
  shipper.add(INDEX.logs, 'logs', docs.logs);

  // Elasticsearch behind a proxy the test can stop: to the session, the server goes away.
  const proxy = await startAuthProxy(ES_URL!, null);
  t.after(() => proxy.stop());
  const config = parseSourcesFile(
    {
      sources: {
        prod: {
          prometheus: { url: PROM_URL, step: '15s', retries: 1, backoff: '10ms' },
          elasticsearch: { url: proxy.url, retries: 1, backoff: '10ms', timeout: '10s', audit: { index: INDEX.audit }, events: { index: INDEX.events }, logs: { index: INDEX.logs } },
        },
      },
    },
    {},
    'live-polling.test',
  );
  const [prom, es] = buildServerSources(config['prod']!).map(recorded) as [ReturnType<typeof recorded>, ReturnType<typeof recorded>];
  assert.deepEqual([prom.name, es.name], ['prometheus', 'elasticsearch']);

  // The replay's clock: from 12 minutes into the window (some history to start with) to its end.
  let clock = label.window.fromMs + 12 * MIN;
  const session = new LiveSession(
    'live-polling',
    { sourceName: 'prod', serverSource: 'prod', dir: '', incident: `test:${RUN}`, windowMs: 30 * MIN, intervalMs: STEP_MS, clock: 'wall', polled: [prom, es], pollIntervalMs: STEP_MS / 2 },
    { notes: NotesStore.openInMemory(), log: silent, wallMs: () => clock },
  );
  t.after(() => session.stop());

  const ticks: number[] = [];
  let namedAtMs: number | undefined;
  const tick = async (): Promise<void> => {
    await shipper.shipUntil(clock);
    await session.tick();
    ticks.push(clock);
    const r = session.report;
    if (namedAtMs === undefined && r?.verdict === 'incident' && r.hypotheses[0]?.cause === label.rootCause) namedAtMs = clock;
  };
  while (clock < label.window.toMs) {
    await tick();
    clock += STEP_MS;
  }
  assert.ok(shipper.sent > 1000, `${shipper.sent} documents indexed in steps`);

  // Each poll asks only for what is new: the window (and its 10 min of context) once, then from
  // the last poll's end (less the 2 min overlap) to the clock of the tick.
  for (const source of [prom, es]) {
    assert.equal(source.asked.length, ticks.length, `${source.name}: one poll per tick`);
    assert.deepEqual(source.asked[0], { fromMs: ticks[0]! - 40 * MIN, toMs: ticks[0]! }, `${source.name}: the first poll`);
    for (let i = 1; i < ticks.length; i++) assert.deepEqual(source.asked[i], { fromMs: ticks[i - 1]! - 2 * MIN, toMs: ticks[i]! }, `${source.name}: poll ${i}`);
  }

  // The cause, soon after it began, and not before it began.
  const report = session.report!;
  assert.ok(namedAtMs !== undefined, `never named ${label.rootCause}: ${report.verdict} ${report.hypotheses.map((h) => `${h.cause} ${h.confidence}`).join(', ')}`);
  assert.ok(namedAtMs >= label.onsetMs, `named at ${new Date(namedAtMs).toISOString()}, before the onset ${new Date(label.onsetMs).toISOString()}: data from the future?`);
  const polls = Math.ceil((namedAtMs - label.onsetMs) / STEP_MS);
  t.diagnostic(`${ticks.length} polls of each server, ${shipper.sent} documents indexed in steps; ${label.rootCause} named ${polls} poll(s) after the onset`);
  assert.ok(polls <= MAX_POLLS_AFTER_ONSET, `named ${polls} polls after the onset (bound ${MAX_POLLS_AFTER_ONSET})`);
  assert.equal(report.hypotheses[0]!.culprit?.host, label.culprit?.host);
  for (const id of ['prometheus', `elasticsearch:${INDEX.audit}`, `elasticsearch:${INDEX.events}`, `elasticsearch:${INDEX.logs}`]) {
    assert.equal(report.sources.find((s) => s.sourceId === id)?.status, 'ok', `${id}: ${JSON.stringify(report.sources.map((s) => [s.sourceId, s.status, s.message]))}`);
  }
  const healthyConfidence = report.hypotheses[0]!.confidence;

  // Elasticsearch goes away: the next poll fails, and the report says so, naming it.
  await proxy.stop();
  const asked = es.asked.length;
  await tick();
  assert.equal(es.asked.length, asked + 1, 'polled once more');
  const degraded = session.report!;
  const dq = degraded.dataQuality.filter((d) => d.sourceId.startsWith('elasticsearch'));
  assert.ok(dq.length > 0, `dataQuality names elasticsearch: ${JSON.stringify(degraded.dataQuality)}`);
  // it answered every poll before: what those gave stays in the window, so degraded, and said so
  for (const index of Object.values(INDEX)) {
    const d = dq.find((x) => x.sourceId === `elasticsearch:${index}`);
    assert.equal(d?.status, 'degraded', `${index}: ${JSON.stringify(d)}`);
    assert.match(d!.message, new RegExp(`^source elasticsearch: .*${index} failed: source elasticsearch: cannot reach the server.*; earlier polls answered up to ${new Date(ticks[ticks.length - 2]!).toISOString()}, their data is kept \\(analysed with part of its (audit|events|logs)\\)$`));
    assert.equal(degraded.sources.find((s) => s.sourceId === `elasticsearch:${index}`)?.status, 'degraded', 'the source list says it too');
  }
  assert.equal(degraded.sources.find((s) => s.sourceId === 'prometheus')?.status, 'ok', 'Prometheus is still polled');
  assert.equal(degraded.hypotheses[0]?.cause, label.rootCause, 'the data polled before still names the cause');
});
