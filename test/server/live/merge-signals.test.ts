import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditAggregate, Series } from '../../../correlators/signals/index.js';
import { appendSeriesParts, combineSourceReports, mergeAuditAggregates, mergeSeriesParts, trimAudit, trimSeries, truncateAudit } from '../../../server/live/index.js';

const series = (t: number[], v: number[], over: Partial<Series> = {}): Series => ({ sourceId: 'metrics.om', metric: 'etcd_wal_fsync_p99_s', component: 'etcd', host: 'cp-2', labels: {}, origin: 'q', t, v, ...over });
/** `t=v` pairs, as coroot's TimeSeries.String() shows a series. */
const show = (s: Series) => s.t.map((t, i) => `${t}=${s.v[i]}`).join(' ');

function audit(fromMs: number, stepMs: number, total: number[], p99: number[], over: Partial<AuditAggregate> = {}): AuditAggregate {
  return {
    sourceId: 'audit.log',
    fromMs,
    stepMs,
    total,
    byVerb: { get: total },
    byCode: { '200': total },
    latencyP50Ms: p99.map((x) => x / 2),
    latencyP99Ms: p99,
    topUserAgents: [{ userAgent: 'kubelet', requests: total.reduce((a, b) => a + b, 0), errors: 0, throttled: 0, firstMs: fromMs }],
    samples: [],
    samplesDropped: 0,
    latencyAnnotations: {},
    ...over,
  };
}

test('series parts of one identity join in time order; a later part wins a shared timestamp', () => {
  const [s, ...rest] = mergeSeriesParts([[series([1, 2, 3], [1, 1, 1])], [series([3, 4], [9, 4]), series([1], [7], { host: 'cp-1' })]]);
  assert.equal(rest.length, 1, 'another host is another series');
  assert.equal(show(s!), '1=1 2=1 3=9 4=4');
});

test('trimming and truncating series', () => {
  const s = series([1, 2, 3, 4], [1, 2, 3, 4]);
  assert.equal(show(trimSeries(s, 3)!), '3=3 4=4');
  assert.equal(trimSeries(s, 0), s, 'nothing to cut: the same object');
  assert.equal(trimSeries(s, 5), undefined, 'all gone');
});

test('audit parts on different grids merge onto the coarsest: counts add, p99 is the larger', () => {
  const a = audit(0, 1000, [1, 2, 3, 4], [10, 20, 30, 40]);
  const b = audit(4000, 2000, [5, 6], [50, 60]);
  const c = audit(2000, 1000, [10], [99]);
  const [m] = mergeAuditAggregates([a, b, c]);
  assert.equal(m!.stepMs, 2000);
  assert.equal(m!.fromMs, 0);
  // buckets of 2 s: a's 0-1 | a's 2-3 and c | b's first | b's second
  assert.deepEqual(m!.total, [3, 17, 5, 6]);
  assert.deepEqual(m!.byVerb['get'], [3, 17, 5, 6]);
  assert.deepEqual(m!.latencyP99Ms, [20, 99, 50, 60]);
  assert.equal(m!.topUserAgents[0]!.requests, 31);
  assert.equal(mergeAuditAggregates([a])[0], a, 'a single part is kept as it is');
});

test('audit trimmed at the window start, truncated where a poll starts again', () => {
  const a = audit(0, 1000, [1, 2, 3, 4], [10, 20, 30, 40], { samples: [{ atMs: 500, latencyMs: 1, verb: 'get', code: 500, raw: '' }, { atMs: 2500, latencyMs: 1, verb: 'get', code: 500, raw: '' }] });
  const t = trimAudit(a, 2000)!;
  assert.equal(t.fromMs, 2000);
  assert.deepEqual(t.total, [3, 4]);
  assert.deepEqual(t.samples.map((s) => s.atMs), [2500]);
  assert.equal(trimAudit(a, 9000), undefined);
  const u = truncateAudit(a, 2000)!;
  assert.deepEqual(u.total, [1, 2]);
  assert.deepEqual(u.samples.map((s) => s.atMs), [500]);
  assert.equal(truncateAudit(a, 0), undefined);
});

test('source reports of several parts add up; the worst status wins', () => {
  const base = { sourceId: 'a.log', format: 'klog', status: 'ok' as const, lines: 10, records: 9, badLines: 1, badSamples: [{ file: 'a.log', line: 3, reason: 'bad', excerpt: 'x' }], bytes: 100, firstMs: 5, lastMs: 50 };
  const r = combineSourceReports([base, { ...base, status: 'degraded', message: 'many bad lines', firstMs: 1, lastMs: 90, bytes: 200, limits: ['cap'] }, { ...base, bytes: 300 }]);
  assert.deepEqual(
    { lines: r.lines, records: r.records, badLines: r.badLines, bad: r.badSamples.length, firstMs: r.firstMs, lastMs: r.lastMs, status: r.status, message: r.message, bytes: r.bytes, limits: r.limits },
    { lines: 30, records: 27, badLines: 3, bad: 3, firstMs: 1, lastMs: 90, status: 'degraded', message: 'many bad lines', bytes: 300, limits: ['cap'] },
  );
});

test('a polled range appended after what was kept: the same series as a merge', () => {
  const kept = [series([1, 2, 3], [1, 2, 3]), series([1, 2], [5, 6], { host: 'cp-1' })];
  const fresh = [series([4, 5], [4, Number.NaN]), series([9], [1], { host: 'cp-3' })];
  const out = appendSeriesParts(kept, fresh);
  assert.deepEqual(out, mergeSeriesParts([kept, fresh]));
  assert.equal(out[1], kept[1], 'a series the range did not touch is the same object');
  // overlapping ranges, a series twice in a part, unsorted times: merged as before
  for (const [k, f] of [
    [kept, [series([3, 4], [9, 4])]],
    [kept, [series([4], [1]), series([5], [2])]],
    [[series([2, 1], [1, 1])], fresh],
  ] as const) assert.deepEqual(appendSeriesParts(k, f), mergeSeriesParts([k, f]));
});
