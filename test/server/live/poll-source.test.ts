import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisWindow, AuditAggregate, SignalSet } from '../../../correlators/signals/index.js';
import { PolledSource, SignalStore } from '../../../server/live/index.js';
import type { SignalSource } from '../../../server/sources/types.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 24, 9, 0);

/** A server with one point per minute and one request per second, recording what it was asked. */
function fakeServer(): SignalSource & { asked: AnalysisWindow[] } {
  const asked: AnalysisWindow[] = [];
  return {
    name: 'prometheus',
    asked,
    async fetch(w): Promise<SignalSet> {
      asked.push(w);
      const t: number[] = [];
      for (let m = Math.ceil(w.fromMs / MIN) * MIN; m < w.toMs; m += MIN) t.push(m);
      const from = Math.floor(w.fromMs / 1000) * 1000;
      const n = Math.ceil((w.toMs - from) / 1000);
      const audit: AuditAggregate = { sourceId: 'es:audit', fromMs: from, stepMs: 1000, total: new Array<number>(n).fill(1), byVerb: {}, byCode: {}, latencyP50Ms: new Array<number>(n).fill(1), latencyP99Ms: new Array<number>(n).fill(2), topUserAgents: [], samples: [], samplesDropped: 0, latencyAnnotations: {} };
      return {
        window: w,
        logs: [],
        series: [{ sourceId: 'prometheus', metric: 'etcd_wal_fsync_p99_s', component: 'etcd', host: 'cp-2', labels: {}, origin: 'q', t, v: t.map(() => 0.01) }],
        audit: [audit],
        sources: [{ sourceId: 'prometheus', format: 'prometheus', status: 'ok', lines: 0, records: t.length, badLines: 0, badSamples: [], bytes: 0 }],
      };
    },
  };
}

test('the first poll fetches the window, later polls only the new range (plus the overlap), nothing counted twice', async () => {
  const server = fakeServer();
  const polled = new PolledSource(server, { intervalMs: 15_000, overlapMs: 2 * MIN, windowMs: 30 * MIN });
  const store = new SignalStore();
  assert.equal(await polled.poll(T0, 0, store), true);
  assert.deepEqual(server.asked[0], { fromMs: T0 - 40 * MIN, toMs: T0 }, 'the window and 10 min of context');
  assert.equal(polled.isDue(10_000), false);
  assert.equal(polled.isDue(15_000), true);
  assert.equal(await polled.poll(T0 + 5 * MIN, 15_000, store), true);
  assert.deepEqual(server.asked[1], { fromMs: T0 - 2 * MIN, toMs: T0 + 5 * MIN }, 'only since the last poll, and the overlap');

  const set = store.snapshot({ fromMs: T0 - 30 * MIN, toMs: T0 + 5 * MIN });
  const s = set.series[0]!;
  assert.equal(s.t.length, 45, 'one point per minute, none twice');
  assert.deepEqual(s.t, [...new Set(s.t)].sort((a, b) => a - b));
  const a = set.audit[0]!;
  assert.equal(a.total.reduce((x, y) => x + y, 0), 45 * 60, 'one request per second, none twice');
  assert.equal(set.sources[0]!.sourceId, 'prometheus');
});

test('a server that fails is the source report, never a throw', async () => {
  const polled = new PolledSource({ name: 'elasticsearch', fetch: () => Promise.reject(new Error('connect ECONNREFUSED')) }, { intervalMs: 1, overlapMs: 0, windowMs: MIN });
  const store = new SignalStore();
  await polled.poll(T0, 0, store);
  const r = store.snapshot({ fromMs: T0 - MIN, toMs: T0 }).sources[0]!;
  assert.equal(r.status, 'failed');
  assert.match(r.message!, /ECONNREFUSED/);
});
