// What the analysis reuses between its passes and between a live session's ticks must give what
// working it out afresh gives: bursts over groups made once, series clipped once, a message's
// regex matches remembered while each record keeps its own fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { detectBursts, FactGroups, type FactRecord } from '../../../correlators/anomaly/index.js';
import { AnalysisCache } from '../../../correlators/report/index.js';
import { classifyLog, type FactKey, type LogRecord, type Series } from '../../../correlators/signals/index.js';

const KEYS: FactKey[] = ['etcd-wal-fsync-slow', 'apiserver-errors', 'node-not-ready', 'etcd-request-slow'];
const SOURCES = ['logs/etcd-cp-1.log', 'logs/etcd-cp-2.log', 'events/events.json', 'logs/kube-apiserver.log'];

function record(i: number, sourceId: string, atMs: number, host: string): LogRecord {
  const events = sourceId.startsWith('events');
  return { atMs, sourceId, component: events ? 'events' : 'etcd', severity: 'warn', message: `line ${i}`, fields: {}, file: sourceId, line: i + 1, raw: `line ${i}`, ...(events ? {} : { host }) };
}

const factsArb = fc.array(
  fc.record({ key: fc.constantFrom(...KEYS), source: fc.constantFrom(...SOURCES), host: fc.constantFrom('cp-1', 'cp-2'), atMs: fc.integer({ min: 0, max: 1_800_000 }), valueMs: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }) }),
  { maxLength: 300 },
);

test('bursts over groups made once equal bursts over the kept facts grouped afresh, whatever the offsets and the window', () => {
  fc.assert(
    fc.property(factsArb, fc.array(fc.integer({ min: -120_000, max: 120_000 }), { minLength: SOURCES.length, maxLength: SOURCES.length }), fc.integer({ min: 0, max: 900_000 }), fc.boolean(), (items, offsets, cutMs, startsFirst) => {
      const raw: FactRecord[] = items.map((it, i) => ({ fact: { key: it.key, ...(it.valueMs !== undefined ? { valueMs: it.valueMs } : {}), detail: { node: it.host } }, record: record(i, it.source, it.atMs, it.host), atMs: it.atMs }));
      // some sources keep their own times (offset 0): those groups may reuse the clock pass's lists
      const offsetOf = (id: string) => (SOURCES.indexOf(id) % 2 === 0 ? 0 : offsets[SOURCES.indexOf(id)]!);
      const corrected = raw.map((f) => {
        const off = offsetOf(f.record.sourceId);
        const atMs = f.atMs + off;
        if (atMs < cutMs) return undefined;
        return off === 0 ? f : { ...f, atMs };
      });
      const groups = new FactGroups(raw);
      if (startsFirst) groups.starts();
      const kept = corrected.filter((f): f is FactRecord => f !== undefined);
      assert.deepEqual(groups.bursts(corrected), detectBursts(kept));
    }),
    { numRuns: 300, seed: 6 },
  );
});

test('burst starts are where the bursts of the facts at their own times start', () => {
  fc.assert(
    fc.property(factsArb, (items) => {
      const raw: FactRecord[] = items.map((it, i) => ({ fact: { key: it.key }, record: record(i, it.source, it.atMs, it.host), atMs: it.atMs }));
      const starts = new FactGroups(raw).starts().map((s) => `${s.key}|${s.sourceId}|${s.startMs}`).sort();
      const bursts = detectBursts(raw).map((o) => `${o.key}|${o.sourceId}|${o.startMs}`).sort();
      assert.deepEqual(starts, bursts);
    }),
    { numRuns: 200, seed: 7 },
  );
});

test('facts added one at a time, with starts and bursts asked for between them, group as all of them at once', () => {
  fc.assert(
    fc.property(factsArb, fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 4 }), fc.integer({ min: 1, max: 5 }), (items, askAt, count) => {
      // events carry an aggregated count; text-made facts share one detail object
      const shared = { cls: 'timeout' };
      const raw: FactRecord[] = items.map((it, i) => {
        const r = record(i, it.source, it.atMs, it.host);
        if (r.component === 'events') r.fields = { count: i % 3 === 0 ? count : String(count) };
        return { fact: { key: it.key, ...(it.valueMs !== undefined ? { valueMs: it.valueMs } : {}), detail: i % 2 ? shared : { node: it.host } }, record: r, atMs: it.atMs };
      });
      const incremental = new FactGroups([], 4);
      raw.forEach((f, i) => {
        if (askAt.includes(i)) {
          incremental.starts();
          incremental.bursts(incremental.facts);
        }
        incremental.add(f);
      });
      const whole = new FactGroups(raw);
      assert.deepEqual(incremental.starts(), whole.starts());
      assert.deepEqual(incremental.bursts(raw), whole.bursts(raw));
      assert.deepEqual(incremental.sources, whole.sources);
      assert.equal(whole.bursts(raw).reduce((n, o) => n + o.count, 0), raw.reduce((n, f) => n + (f.record.component === 'events' ? count : 1), 0));
    }),
    { numRuns: 200, seed: 8 },
  );
});

test('a series clipped to the window: the points a filter keeps, as a range of the series, the same object while the same points are', () => {
  const cache = new AnalysisCache();
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 80 }), fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: -1000, max: 11_000 }), fc.integer({ min: 0, max: 12_000 }), (times, offsetMs, fromMs, spanMs) => {
      const t = [...times].sort((a, b) => a - b);
      const s: Series = { sourceId: 'm', metric: 'node_disk_util_ratio', component: 'node', labels: {}, origin: 'test', t, v: t.map((x) => x / 10_000) };
      const toMs = fromMs + spanMs;
      const clipped = cache.clip(s, offsetMs, fromMs, toMs);
      const keep = t.map((x, i) => i).filter((i) => t[i]! + offsetMs >= fromMs && t[i]! + offsetMs <= toMs);
      assert.deepEqual(clipped.series.t.slice(clipped.lo, clipped.hi), keep.map((i) => t[i]));
      assert.deepEqual(clipped.series.v.slice(clipped.lo, clipped.hi), keep.map((i) => s.v[i]));
      assert.equal(clipped.series, s, 'a range of the series, not a copy');
      assert.equal(cache.clip(s, offsetMs, fromMs, toMs), clipped, 'the same object the second time');
    }),
    { numRuns: 300, seed: 8 },
  );
});

test('a message seen before keeps its matches, but each record still gets its own fact from its fields', () => {
  const line = (fields: Record<string, string | number | boolean>, line: number): LogRecord => ({ atMs: line, sourceId: 'logs/etcd.log', component: 'etcd', host: 'cp-1', severity: 'warn', message: 'apply request took too long', fields, file: 'logs/etcd.log', line, raw: '' });
  const slow = classifyLog(line({ took: '1.2s' }, 1));
  const full = classifyLog(line({ took: '3ms', error: 'etcdserver: mvcc: database space exceeded' }, 2));
  const slowAgain = classifyLog(line({ took: '250ms' }, 3));
  assert.deepEqual(slow, { key: 'etcd-request-slow', valueMs: 1200 });
  assert.deepEqual(full, { key: 'etcd-db-space-exceeded' });
  assert.deepEqual(slowAgain, { key: 'etcd-request-slow', valueMs: 250 });
  // a text no rule matches stays unmatched, also the second time
  const other = { ...line({}, 4), message: 'serving client traffic insecurely' };
  assert.equal(classifyLog(other), undefined);
  assert.equal(classifyLog({ ...other, line: 5 }), undefined);
});

test('a live window\'s groups, sliding, recall and update bursts to what folding them afresh gives', () => {
  const TAGS = ['peer', 'node', '2', 'cls'];
  const itemArb = fc.record({
    key: fc.constantFrom(...KEYS),
    source: fc.constantFrom(...SOURCES),
    host: fc.constantFrom('cp-1', 'cp-2'),
    gapMs: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 80_000, max: 200_000 })),
    valueMs: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }),
    tags: fc.dictionary(fc.constantFrom(...TAGS), fc.constantFrom('', 'a', 'b', 'c', '7')),
    shared: fc.boolean(),
    count: fc.constantFrom(1, 2, 5, 1.5, 'x'),
  });
  fc.assert(
    fc.property(fc.array(fc.record({ arrive: fc.array(itemArb, { maxLength: 25 }), drop: fc.nat(30), offset: fc.constantFrom(0, 0, 4000) }), { minLength: 1, maxLength: 10 }), (steps) => {
      const live = new FactGroups([], 0, { remember: true });
      let now = 0;
      let n = 0;
      let shared: Record<string, string> = { cls: 'timeout' };
      for (const step of steps) {
        live.dropFirst(Math.min(step.drop, live.facts.length));
        for (const it of step.arrive) {
          now += it.gapMs;
          const r = record(n++, it.source, now, it.host);
          if (r.component === 'events') r.fields = { count: it.count };
          if (!it.shared) shared = it.tags;
          live.add({ fact: { key: it.key, ...(it.valueMs !== undefined ? { valueMs: it.valueMs } : {}), detail: shared }, record: r, atMs: now });
        }
        // one source runs 4 s behind on some steps: its facts are corrected copies
        const offsetOf = (id: string) => (id === SOURCES[1] ? step.offset : 0);
        const corrected = live.facts.map((f, i) => live.correctedAt(i, f.atMs + offsetOf(f.record.sourceId)));
        const fresh = live.facts.map((f) => (offsetOf(f.record.sourceId) ? { ...f, atMs: f.atMs + offsetOf(f.record.sourceId) } : f));
        assert.deepEqual(live.bursts(corrected), new FactGroups(live.facts).bursts(fresh));
      }
    }),
    { numRuns: 400, seed: 9 },
  );
});
