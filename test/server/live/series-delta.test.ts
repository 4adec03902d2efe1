// Sparkline deltas: each `series` event after a session's first carries only what changed, and
// the page's own code (server/live/public/live.js, run here outside a browser) rebuilds exactly
// the server's sparklines from them, also for a viewer that left and resumed with Last-Event-ID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SparkSeries } from '../../../correlators/report/index.js';
import { PACKAGE_ROOT } from '../../../server/config.js';
import { applySeriesDelta, diffSeries, LIVE_PUBLIC_DIR, LiveSession, type SeriesEventData, type Subscriber } from '../../../server/live/index.js';
import { NotesStore } from '../../../server/store/index.js';
import { BundleReplay } from './replay-bundle.js';

const EXAMPLE = path.join(PACKAGE_ROOT, 'examples', 'etcd-disk-latency');
const silent = { level: 'silent', fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {}, silent() {}, child() { return silent; } } as never;

type Apply = (prev: SparkSeries[], d: SeriesEventData) => SparkSeries[];

/** The page's applySeriesDelta, from live.js itself (it exposes it before looking for its page). */
function pageApply(): Apply {
  const text = readFileSync(path.join(LIVE_PUBLIC_DIR, 'live.js'), 'utf8');
  const win: { rootlineLive?: { applySeriesDelta: Apply } } = {};
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('document', 'window', text)({ getElementById: () => null }, win);
  assert.ok(win.rootlineLive, 'live.js exposes applySeriesDelta');
  return win.rootlineLive.applySeriesDelta;
}

function series(id: string, t: number[], v: (number | null)[] = t.map((x) => x / 1000), over: Partial<SparkSeries> = {}): SparkSeries {
  return { id, metric: 'etcd_wal_fsync_p99_s', label: 'WAL fsync p99', host: 'cp-1', component: 'etcd', unit: 's', t, v, origin: 'q', ...over };
}
const range = (from: number, to: number, step = 1000): number[] => Array.from({ length: Math.floor((to - from) / step) }, (_, i) => from + i * step);

test('diffSeries: appends after the slide, replaces what changed before, removes and reorders; both appliers rebuild the next sparklines', () => {
  const apply = pageApply();
  const a = series('a', range(0, 10_000));
  const b = series('b', range(0, 10_000), range(0, 10_000).map(() => 1));
  const cases: { name: string; prev: SparkSeries[]; next: SparkSeries[]; check: (d: ReturnType<typeof diffSeries>) => void }[] = [
    { name: 'unchanged', prev: [a, b], next: [a, b], check: (d) => assert.equal(d, undefined) },
    {
      name: 'slid and grown',
      prev: [a, b],
      next: [series('a', range(3000, 14_000)), b],
      check: (d) => assert.deepEqual(d, { replaced: [], removed: [], appended: [{ id: 'a', drop: 3, keep: 7, t: [10_000, 11_000, 12_000, 13_000], v: [10, 11, 12, 13] }] }),
    },
    {
      name: 'the newest point revised, one more',
      prev: [a],
      next: [series('a', range(0, 11_000), [...range(0, 9000).map((x) => x / 1000), 99, 10])],
      check: (d) => assert.deepEqual(d?.appended, [{ id: 'a', drop: 0, keep: 9, t: [9000, 10_000], v: [99, 10] }]),
    },
    { name: 'an earlier point changed (clocks re-aligned)', prev: [a], next: [series('a', range(500, 10_500))], check: (d) => assert.equal(d?.replaced.length, 1) },
    { name: 'a new threshold', prev: [a], next: [series('a', a.t, a.v, { threshold: 0.5 })], check: (d) => assert.deepEqual(d?.replaced.map((s) => s.id), ['a']) },
    {
      name: 'the threshold line moved with the baseline, one more point',
      prev: [series('a', a.t, a.v, { threshold: 0.5 })],
      next: [series('a', range(0, 11_000), undefined, { threshold: 0.6 })],
      check: (d) => assert.deepEqual([d?.replaced, d?.appended], [[], [{ id: 'a', drop: 0, keep: 10, t: [10_000], v: [10], threshold: 0.6 }]]),
    },
    {
      name: 'the threshold line moved, nothing else',
      prev: [series('a', a.t, a.v, { threshold: 0.5 })],
      next: [series('a', a.t, a.v, { threshold: 0.4 })],
      check: (d) => assert.deepEqual(d?.appended, [{ id: 'a', drop: 0, keep: 10, t: [], v: [], threshold: 0.4 }]),
    },
    { name: 'one added in front', prev: [a], next: [b, a], check: (d) => assert.deepEqual([d?.replaced.map((s) => s.id), d?.order], [['b'], ['b', 'a']]) },
    { name: 'one removed', prev: [a, b], next: [b], check: (d) => assert.deepEqual([d?.removed, d?.order], [['a'], ['b']]) },
    { name: 'reordered', prev: [a, b], next: [b, a], check: (d) => assert.deepEqual([d?.replaced, d?.appended, d?.order], [[], [], ['b', 'a']]) },
    { name: 'emptied', prev: [a], next: [series('a', [], [])], check: (d) => assert.equal(d?.replaced.length, 1) },
  ];
  for (const c of cases) {
    const d = diffSeries(c.prev, c.next);
    c.check(d);
    if (!d) continue;
    // through JSON, as the events travel
    const sent = JSON.parse(JSON.stringify(d)) as SeriesEventData;
    assert.deepEqual(applySeriesDelta(c.prev, sent), c.next, `${c.name}: server applier`);
    assert.deepEqual(apply(structuredClone(c.prev), sent), c.next, `${c.name}: page applier`);
  }
});

interface Viewer extends Subscriber {
  series: SparkSeries[] | null;
  lastId: number | undefined;
  seriesEvents: { bytes: number; delta: boolean; appendedOnly: boolean }[];
}

function viewer(apply: Apply): Viewer {
  const v: Viewer = {
    series: null,
    lastId: undefined,
    seriesEvents: [],
    send(e) {
      if (e.id !== undefined) v.lastId = e.id;
      const data = JSON.parse(e.json) as Record<string, unknown>;
      if (e.type === 'snapshot') v.series = (data['report'] as { series: SparkSeries[] } | null)?.series ?? null;
      if (e.type === 'series') {
        const d = data as SeriesEventData;
        const delta = !('series' in d);
        v.seriesEvents.push({ bytes: e.json.length, delta, appendedOnly: delta && d.replaced.length === 0 && d.removed.length === 0 && d.appended.length > 0 });
        v.series = apply(v.series ?? [], d);
      }
    },
    close() {},
  };
  return v;
}

test('the example replayed live: a viewer that resumes from Last-Event-ID ends with the same sparklines as a fresh one, from deltas', async (t) => {
  const apply = pageApply();
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-series-delta-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const replay = new BundleReplay(EXAMPLE, dir, 2026);
  const s = new LiveSession('s1', { sourceName: 'input', dir, incident: 'files:test', windowMs: 15 * 60_000, intervalMs: 100, clock: 'data' }, { notes: NotesStore.openInMemory(), log: silent });
  t.after(() => s.stop());
  const steady = viewer(apply);
  s.subscribe(steady);
  const lapsed = viewer(apply);
  let unsubscribe = s.subscribe(lapsed);
  const start = Date.UTC(2026, 0, 24, 8, 51, 40);
  const end = Date.UTC(2026, 0, 24, 9, 21, 50);
  let tick = 0;
  let lapsedDeltas = 0;
  for (let data = start; data < end; tick++) {
    data += 30_000;
    replay.writeUntil(data);
    // the second viewer is away for ticks 20-39 (a laptop lid closed), then resumes
    if (tick === 20) {
      unsubscribe();
      lapsedDeltas = lapsed.seriesEvents.length;
    }
    if (tick === 40) unsubscribe = s.subscribe(lapsed, lapsed.lastId);
    await s.tick();
    if (tick >= 20 && tick < 40) continue;
    assert.deepEqual(steady.series, s.report?.series ?? null, `tick ${tick}: the steady viewer follows`);
  }
  unsubscribe();
  assert.ok(lapsed.seriesEvents.length > lapsedDeltas, 'the resumed viewer was replayed what it missed');
  const fresh = viewer(apply);
  s.subscribe(fresh);
  const server = s.report!.series;
  assert.ok(server.length > 0 && server.some((x) => x.t.length > 10), 'there are sparklines to compare');
  assert.deepEqual(lapsed.series, server, 'resumed viewer = the server');
  assert.deepEqual(fresh.series, server, 'fresh viewer = the server');
  assert.deepEqual(steady.series, server);

  const events = steady.seriesEvents;
  assert.equal(events[0]?.delta, false, 'the first series event carries them all');
  assert.ok(events.slice(1).every((e) => e.delta), 'every later one only what changed');
  assert.ok(events.some((e) => e.appendedOnly), 'some are only points appended');
});
