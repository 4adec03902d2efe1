// A live series is a new object every tick, made from the last one (its head trimmed, points
// appended, its tail restated by a re-read) and linked to it (series-lineage.ts). What the
// analysis updates through those links must be what it works out afresh: the links must say the
// truth about the points, the count and range of the finite values must match a full pass (also
// when the smallest or largest value leaves, with ties, NaN and -0), and the episodes and clips
// must be those of a fresh analysis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deriveSeries, detectSeriesObservations, EpisodeMemo, SERIES_RULES } from '../../../correlators/anomaly/index.js';
import { AnalysisCache } from '../../../correlators/report/index.js';
import { linkTo, relateSeries, sliceSeries, type Series } from '../../../correlators/signals/index.js';

/** `s` with points appended, linked to it as the store links a source's grown series (by comparing). */
function appendPoints(s: Series, t: number[], v: number[]): Series {
  if (t.length === 0) return s;
  const out = { ...s, t: s.t.concat(t), v: s.v.concat(v) };
  relateSeries(out, s);
  return out;
}

const STEP_MS = 15_000;
/** Few distinct values, so extremes tie and leave often; NaN for gaps. */
const VALUES = [0, -0, 0.004, 0.02, 0.02, 0.3, 0.8, 2, Number.NaN];
const RULES = SERIES_RULES.filter((r) => r.metric === 'etcd_wal_fsync_p99_s' || r.metric === 'etcd_has_leader');

const valueArb = fc.constantFrom(...VALUES);
/** A step between two analyses, as the store makes it: trim the head, append, or re-read (a new object, compared). */
const stepArb = fc.record({
  trim: fc.nat(12),
  append: fc.array(valueArb, { maxLength: 10 }),
  restate: fc.option(fc.record({ last: fc.nat(4), values: fc.array(valueArb, { maxLength: 4 }) }), { freq: 4 }),
  rebuild: fc.boolean(),
  offsetMs: fc.constantFrom(0, 0, 4_000, -20_000),
});

function series(metric: string, t: number[], v: number[]): Series {
  return { sourceId: 'metrics/cp-1.om', metric, component: 'etcd', host: 'cp-1', labels: {}, origin: metric, t, v };
}

/** Every link `linkTo` reports must say the truth about the points. */
function assertLinkTrue(s: Series): void {
  const link = linkTo(s, () => true);
  if (!link) return;
  for (let j = 0; j < link.keep; j++) {
    assert.equal(s.t[j], link.parent.t[link.drop + j], `t[${j}] of a linked series`);
    assert.ok(Object.is(s.v[j], link.parent.v[link.drop + j]), `v[${j}] of a linked series`);
  }
}

type Step = { trim: number; append: number[]; restate: { last: number; values: number[] } | null; rebuild: boolean };

function next(s: Series, step: Step): Series {
  let out = sliceSeries(s, step.trim, s.t.length);
  if (step.restate) out = sliceSeries(out, 0, Math.max(0, out.t.length - step.restate.last));
  const lastMs = out.t.length ? out.t[out.t.length - 1]! : s.t.length ? s.t[s.t.length - 1]! : 0;
  const values = [...(step.restate?.values ?? []), ...step.append];
  out = appendPoints(out, values.map((_, i) => lastMs + (i + 1) * STEP_MS), values);
  if (step.rebuild) {
    // a source that rebuilt the series: the store links it by comparing points
    const copy = { ...out, t: [...out.t], v: [...out.v] };
    relateSeries(copy, s);
    return copy;
  }
  return out;
}

test('episodes and counts updated through series links equal a fresh analysis', () => {
  let slid = 0;
  fc.assert(
    fc.property(fc.array(valueArb, { minLength: 1, maxLength: 30 }), fc.array(stepArb, { minLength: 1, maxLength: 14 }), (first, steps) => {
      const memo = new EpisodeMemo();
      let fsync = series('etcd_wal_fsync_p99_s', first.map((_, i) => i * STEP_MS), first);
      let leader = series('etcd_has_leader', fsync.t, first.map((x) => (x > 0.5 ? 0 : 1)));
      for (const step of steps) {
        const offsetOf = () => step.offsetMs;
        for (const s of [fsync, leader]) {
          assertLinkTrue(s);
          const e = memo.entry(memo.whole(s));
          const m = new EpisodeMemo();
          const fresh = m.entry(m.whole(s));
          assert.deepEqual([e.finite.count, e.finite.min, e.finite.max], [fresh.finite.count, fresh.finite.min, fresh.finite.max]);
        }
        assert.deepEqual(detectSeriesObservations([fsync, leader], RULES, offsetOf, memo), detectSeriesObservations([fsync, leader], RULES, offsetOf));
        fsync = next(fsync, step);
        leader = next(leader, { ...step, append: step.append.map((x) => (x > 0.5 ? 0 : 1)) });
      }
      slid += memo.slid;
    }),
    { numRuns: 300 },
  );
  assert.ok(slid > 300, `series updated through links: ${slid}`);
});

test('window ranges of linked series: their episodes equal a fresh analysis of the same points', () => {
  fc.assert(
    fc.property(fc.array(valueArb, { minLength: 1, maxLength: 40 }), fc.array(stepArb, { minLength: 1, maxLength: 14 }), fc.nat(8), (first, steps, windowPoints) => {
      const cache = new AnalysisCache(true);
      let s = series('etcd_wal_fsync_p99_s', first.map((_, i) => i * STEP_MS), first);
      for (const step of steps) {
        const toMs = (s.t[s.t.length - 1] ?? 0) - STEP_MS;
        const fromMs = toMs - (windowPoints + 4) * STEP_MS;
        const clipped = cache.clip(s, step.offsetMs, fromMs, toMs);
        const keep = s.t.map((t, i) => i).filter((i) => s.t[i]! + step.offsetMs >= fromMs && s.t[i]! + step.offsetMs <= toMs);
        assert.deepEqual(clipped.series.t.slice(clipped.lo, clipped.hi), keep.map((i) => s.t[i]));
        assert.deepEqual(clipped.series.v.slice(clipped.lo, clipped.hi), keep.map((i) => s.v[i]));
        const offsetOf = () => step.offsetMs;
        // against the window's points copied out, as a batch analysis of them would see them
        const copy = { ...s, t: s.t.slice(clipped.lo, clipped.hi), v: s.v.slice(clipped.lo, clipped.hi) };
        assert.deepEqual(detectSeriesObservations([s, clipped], RULES, offsetOf, cache.episodes), detectSeriesObservations([s, copy], RULES, offsetOf));
        cache.settle([s]);
        s = next(s, step);
      }
    }),
    { numRuns: 300 },
  );
});

test('a slid series reads only the points that changed when no extreme left', () => {
  const n = 10_000;
  const t = Array.from({ length: n }, (_, i) => i * STEP_MS);
  const v = t.map((_, i) => (i === n >> 1 ? 5 : i === (n >> 1) + 1 ? -1 : (i % 7) / 10));
  const memo = new EpisodeMemo();
  const s = series('etcd_wal_fsync_p99_s', t, v);
  memo.entry(memo.whole(s));
  const slid = appendPoints(sliceSeries(s, 15, n), [n * STEP_MS], [0.3]);
  // a proxy counts the reads of the new series' values (linking it by comparison reads them all first)
  let reads = 0;
  const counted = { ...slid, v: new Proxy(slid.v, { get: (a, k) => (typeof k === 'string' && /^\d+$/.test(k) && reads++, Reflect.get(a, k)) }) };
  relateSeries(counted, s);
  reads = 0;
  const e = memo.entry(memo.whole(counted));
  assert.equal(memo.slid, 1);
  assert.deepEqual([e.finite.count, e.finite.min, e.finite.max], [n - 15 + 1, -1, 5]);
  assert.ok(reads <= 1, `read ${reads} values of ${n - 14}, expected only the appended one`);
  // the window of the same series: updated from its whole range, not read again
  reads = 0;
  memo.entry({ series: counted, lo: 100, hi: n - 14 });
  assert.equal(memo.slid, 2);
  assert.ok(reads <= 101, `read ${reads} values`);
});

test('a slice of all of a series is the series itself', () => {
  const s = series('etcd_wal_fsync_p99_s', [1, 2, 3], [1, 2, 3]);
  assert.equal(sliceSeries(s, 0, 3), s);
  assert.deepEqual(linkTo(sliceSeries(s, 1, 3), (a) => a === s), { parent: s, drop: 1, keep: 2 });
});

test('derived series of linked inputs, kept where no input changed and derived at the ends, equal deriving them afresh', () => {
  // inputs of every derived block: request rates by code on two hosts, DNS responses, pending pods by
  // queue, db size and quota, clock offsets; a series may skip points (grids differ) or hold NaN, and
  // a scrape gap leaves a window with no value at all
  const inputArb = fc.record({ metric: fc.constantFrom('apiserver_requests_per_s', 'apiserver_requests_per_s', 'coredns_responses_per_s', 'scheduler_pending_pods', 'etcd_db_size_bytes', 'etcd_quota_bytes', 'node_timex_offset_s'), host: fc.constantFrom('cp-1', 'cp-2'), code: fc.constantFrom('200', '500', '429', 'SERVFAIL', 'NOERROR') });
  const pointArb = fc.record({ v: fc.constantFrom(0, 1, 2.5, 10, Number.NaN, -0.2), skip: fc.boolean() });
  fc.assert(
    fc.property(fc.array(inputArb, { minLength: 1, maxLength: 6 }), fc.array(fc.record({ trim: fc.nat(4), points: fc.array(pointArb, { maxLength: 5 }), gap: fc.boolean() }), { minLength: 1, maxLength: 10 }), (defs, steps) => {
      const cache = new AnalysisCache(true);
      let clock = 0;
      let inputs: Series[] = defs.map((d) => ({ sourceId: 'm', metric: d.metric, component: 'kube-apiserver', host: d.host, labels: { code: d.code, rcode: d.code }, origin: d.metric, t: [], v: [] }));
      for (const step of steps) {
        const times = step.points.map(() => (clock += STEP_MS));
        inputs = inputs.map((s, k) => {
          const kept = sliceSeries(s, Math.min(step.trim, s.t.length), s.t.length);
          const add = step.points.map((p, i) => ({ t: times[i]!, v: step.gap ? Number.NaN : p.v * (k + 1), skip: p.skip && k % 2 === 1 })).filter((p) => !p.skip);
          return appendPoints(kept, add.map((p) => p.t), add.map((p) => p.v));
        });
        assert.deepEqual(cache.derivedSeries(inputs), deriveSeries(inputs));
        cache.settle(inputs);
      }
    }),
    { numRuns: 300 },
  );
});

test('derived series at the edges of a splice: a group left with no value, and pending pods with none', () => {
  const cache = new AnalysisCache(true);
  const mk = (metric: string, host: string, code: string, v: number[]): Series => ({ sourceId: 'm', metric, component: 'kube-apiserver', host, labels: { code }, origin: metric, t: v.map((_, i) => (i + 1) * STEP_MS), v });
  const NaN_ = Number.NaN;
  // cp-1's requests have a value only in their first point; the pending queue never has one
  const first = [mk('apiserver_requests_per_s', 'cp-1', '500', [3, NaN_, NaN_, NaN_]), mk('apiserver_requests_per_s', 'cp-2', '200', [1, 2, 3, 4]), mk('scheduler_pending_pods', 'cp-1', '', [NaN_, NaN_, NaN_, NaN_])];
  assert.deepEqual(cache.derivedSeries(first), deriveSeries(first));
  cache.settle(first);
  // the first point leaves the window, one arrives: cp-1 has no value left, so no 5xx share
  const next = first.map((s) => appendPoints(sliceSeries(s, 1, 4), [5 * STEP_MS], [s.host === 'cp-2' ? 5 : NaN_]));
  const derived = cache.derivedSeries(next);
  assert.deepEqual(derived, deriveSeries(next));
  assert.ok(!derived.some((s) => s.metric === 'apiserver_5xx_ratio' && s.host === 'cp-1'), 'no share where no request was counted');
  assert.ok(derived.some((s) => s.metric === 'scheduler_pending_pods_total' && s.t.length === 0), 'the pending sum is there, empty');
});
