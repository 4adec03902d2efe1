// Live polling against a real Prometheus (Debian's package, the development bundles backfilled by
// .ci/services/prometheus.sh, which exports PROM_URL): a live session's later polls ask only for
// the range since the last one (plus the overlap), and what the polls add up to is what one query
// over the whole window gives: no point lost, none twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Series } from '../../../correlators/signals/index.js';
import { PolledSource, SignalStore } from '../../../server/live/index.js';
import { parseSourceConfig } from '../../../server/sources/config.js';
import { createPrometheusSource } from '../../../server/sources/prometheus/index.js';
import type { SignalSource } from '../../../server/sources/types.js';
import { readLabel } from '../../integration/helpers/bundle-docs.js';
import { caseDir } from '../../integration/helpers/env.js';

const PROM_URL = process.env['PROM_URL'];
const skip = PROM_URL ? false : 'PROM_URL is not set: source .ci/services/prometheus.sh first';
const MIN = 60_000;

/** A series is its metric, host and labels, and the query row it came from (two processes on one host). */
const key = (s: Series): string => `${s.metric} ${s.host ?? ''} ${JSON.stringify(s.labels)} ${s.origin}`;

test('live polling of a real Prometheus: only the new range each time, and the polls add up to the whole window', { skip }, async () => {
  const label = readLabel(caseDir('etcd-disk-latency-1-1'));
  const config = parseSourceConfig({ prometheus: { url: PROM_URL ?? 'http://127.0.0.1:1', step: '15s' } }, {}).prometheus!;
  const asked: { fromMs: number; toMs: number }[] = [];
  const real = createPrometheusSource(config);
  const source: SignalSource = { name: real.name, fetch: (w, o) => (asked.push(w), real.fetch(w, o)) };
  const polled = new PolledSource(source, { intervalMs: 15_000, overlapMs: 2 * MIN, windowMs: 20 * MIN });
  const store = new SignalStore();
  // the incident's window, followed as if live: the clock at 3/4 of it, then at its end
  const end = Math.floor(label.window.toMs / 15_000) * 15_000;
  const mid = end - 10 * MIN;
  assert.equal(await polled.poll(mid, 0, store), true);
  assert.equal(polled.isDue(5_000), false, 'not before the poll interval');
  assert.equal(await polled.poll(end, 15_000, store), true);
  assert.deepEqual(asked, [
    { fromMs: mid - 30 * MIN, toMs: mid },
    { fromMs: mid - 2 * MIN, toMs: end },
  ], 'the window (and its context) once, then only the new range and the overlap');

  const polledSet = store.snapshot({ fromMs: end - 20 * MIN, toMs: end });
  assert.equal(polledSet.sources[0]?.status, 'ok', polledSet.sources[0]?.message);
  const whole = await createPrometheusSource(config).fetch({ fromMs: mid - 30 * MIN, toMs: end });
  const wholeByKey = new Map(whole.series.map((s) => [key(s), s]));
  const fsync = polledSet.series.filter((s) => s.metric === 'etcd_wal_fsync_p99_s');
  assert.ok(fsync.length >= 3, 'a WAL fsync series per etcd member');
  assert.ok(polledSet.series.length >= 10, `${polledSet.series.length} series`);
  for (const s of polledSet.series) {
    assert.deepEqual(s.t, [...new Set(s.t)].sort((a, b) => a - b), `${key(s)}: no point twice, in time order`);
    const w = wholeByKey.get(key(s));
    assert.ok(w, `${key(s)} is in the one-query answer`);
    const from = s.t[0]!;
    const inRange = w.t.map((t, i) => [t, w.v[i]] as const).filter(([t]) => t >= from && t <= end);
    assert.deepEqual(s.t, inRange.map(([t]) => t), `${key(s)}: the same points as one query`);
    assert.deepEqual(s.v, inRange.map(([, v]) => v), `${key(s)}: the same values as one query`);
  }
});
