// A failed or degraded server source in the Report: named in dataQuality with what it leaves out,
// named in the leading hypothesis' `missing`, and the confidence lowered by what was lost. One row
// per case, on the bundled example's signals with the server sources' reports added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeSignals } from '../../../correlators/report/index.js';
import type { SignalSet, SourceReport } from '../../../correlators/signals/index.js';
import { EXAMPLE_DIR } from '../../../server/config.js';
import { readBundle } from '../../../server/sources/files/index.js';

const window = { fromMs: Date.UTC(2026, 0, 24, 8, 51, 50), toMs: Date.UTC(2026, 0, 24, 9, 21, 50) };
const full = await readBundle(EXAMPLE_DIR, window);
/** As Elasticsearch alone would give it: no series from the bundle's OpenMetrics or iostat. */
const noMetrics: SignalSet = { ...full, series: [] };

const report = (sourceId: string, status: SourceReport['status'], evidence: SourceReport['evidence'], message: string): SourceReport => ({ sourceId, format: 'x', status, message, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0, evidence });
const promDown = report('prometheus', 'failed', ['metrics'], 'source prometheus: 37 of 37 queries failed (0 answered); first failing query etcd_wal_fsync_p99_s: source prometheus: cannot reach the server');
const with_ = (set: SignalSet, ...extra: SourceReport[]): SignalSet => ({ ...set, sources: [...set.sources, ...extra] });
const analyse = (set: SignalSet) => analyzeSignals(set, { nowMs: window.toMs });

test('lost evidence: named where the user looks, and the confidence reflects it', async (t) => {
  const rows: { name: string; base: SignalSet; extra: SourceReport[]; factor: number; missing: RegExp[]; note?: string }[] = [
    // the bundle's metrics cover what Prometheus would have given: nothing is lost
    { name: 'failed Prometheus beside metrics from files', base: full, extra: [promDown], factor: 1, missing: [] },
    {
      name: 'failed Prometheus, no other metrics',
      base: noMetrics,
      extra: [promDown],
      factor: 0.8,
      missing: [/^source prometheus failed, so its metrics \(etcd fsync \/ commit \/ peer latency, apiserver request rates and latency, node CPU, memory and disk\) could neither support nor rule out this cause \(see data quality\)$/],
      note: '(analysed without its metrics)',
    },
    // a degraded source answered in part: a quarter of the loss of a failed one
    { name: 'degraded audit index', base: full, extra: [report('elasticsearch:k8s-audit-*', 'degraded', ['audit'], 'notable requests could not be read')], factor: 0.975, missing: [/^source elasticsearch:k8s-audit-\* answered only in part: some of its audit log/] },
    // two failures multiply: metrics and events lost
    { name: 'failed Prometheus and failed events index', base: { ...noMetrics, logs: noMetrics.logs.filter((l) => l.component !== 'events') }, extra: [promDown, report('elasticsearch:events', 'failed', ['events'], 'source elasticsearch: reading events failed')], factor: 0.76, missing: [/^source prometheus failed/, /^source elasticsearch:events failed, so its Kubernetes events/] },
  ];
  for (const row of rows) {
    await t.test(row.name, () => {
      const before = analyse(row.base);
      const after = analyse(with_(row.base, ...row.extra));
      const h0 = after.hypotheses[0]!;
      assert.equal(h0.cause, before.hypotheses[0]!.cause, 'the same answer from the rest');
      const expected = Math.max(0.01, Math.round(before.hypotheses[0]!.confidence * row.factor * 100) / 100);
      assert.equal(h0.confidence, expected, `confidence ${before.hypotheses[0]!.confidence} x ${row.factor}`);
      const lost = h0.missing.filter((m) => m.startsWith('source '));
      assert.equal(lost.length, row.missing.length, lost.join(' | '));
      row.missing.forEach((re, i) => assert.match(lost[i]!, re));
      if (row.factor < 1) assert.equal(h0.scores['coverage'], row.factor);
      for (const r of row.extra) {
        const dq = after.dataQuality.find((d) => d.sourceId === r.sourceId);
        assert.ok(dq, `dataQuality names ${r.sourceId}`);
        assert.equal(dq.status, r.status);
        assert.ok(dq.message.startsWith(r.message!), dq.message);
        if (row.note && r === row.extra[0]) assert.ok(dq.message.endsWith(row.note), dq.message);
      }
    });
  }
});
