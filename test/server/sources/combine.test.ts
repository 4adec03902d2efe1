// fetchAll: sources fetched at once and merged; one that throws becomes a failed report naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalysisWindow, SignalSet } from '../../../correlators/signals/index.js';
import { SourceUnavailableError } from '../../../correlators/errors.js';
import { fetchAll } from '../../../server/sources/combine.js';
import type { SignalSource } from '../../../server/sources/types.js';

const window: AnalysisWindow = { fromMs: 0, toMs: 60_000 };
const log = (atMs: number, sourceId: string) => ({ atMs, sourceId, component: 'etcd' as const, severity: 'warn' as const, message: 'm', fields: {}, file: sourceId, line: 0, raw: 'm' });
const ok = (name: string, part: Partial<SignalSet>): SignalSource => ({
  name,
  fetch: async (w) => ({ window: w, logs: [], series: [], audit: [], sources: [{ sourceId: name, format: 'x', status: 'ok', lines: 1, records: 1, badLines: 0, badSamples: [], bytes: 0 }], ...part }),
});

test('merges every source: logs in time order, series, audit, reports in source order', async () => {
  let concurrent = 0;
  let peak = 0;
  const slow = (name: string, part: Partial<SignalSet>): SignalSource => ({
    name,
    fetch: async (w, o) => {
      peak = Math.max(peak, ++concurrent);
      await new Promise((r) => setTimeout(r, 20));
      concurrent--;
      return ok(name, part).fetch(w, o);
    },
  });
  const set = await fetchAll([slow('a', { logs: [log(30, 'a'), log(50, 'a')] }), slow('b', { logs: [log(40, 'b')], series: [{ sourceId: 'b', metric: 'x', component: 'etcd', labels: {}, origin: 'x', t: [1], v: [2] }] })], window);
  assert.equal(peak, 2, 'fetched at the same time');
  assert.deepEqual(set.logs.map((l) => `${l.sourceId}@${l.atMs}`), ['a@30', 'b@40', 'a@50']);
  assert.equal(set.series.length, 1);
  assert.deepEqual(set.sources.map((s) => s.sourceId), ['a', 'b']);
  assert.deepEqual(set.window, window);
});

test('a source that throws is a failed report naming it and what it carried; the rest is kept', async () => {
  const dead: SignalSource = {
    name: 'prometheus',
    evidence: ['metrics'],
    fetch: async () => {
      throw new SourceUnavailableError('prometheus', 'cannot reach the server: ECONNREFUSED');
    },
  };
  const plain: SignalSource = { name: 'custom', fetch: () => Promise.reject(new Error('boom')) };
  const set = await fetchAll([dead, ok('elasticsearch', { logs: [log(1, 'e')] }), plain], window);
  assert.deepEqual(set.sources.map((s) => [s.sourceId, s.status, s.message, s.evidence]), [
    ['prometheus', 'failed', 'source prometheus: cannot reach the server: ECONNREFUSED; analysed without it', ['metrics']],
    ['elasticsearch', 'ok', undefined, undefined],
    ['custom', 'failed', 'source custom: boom; analysed without it', undefined],
  ]);
  assert.equal(set.logs.length, 1);
});

test('only the caller aborting rejects', async () => {
  const ac = new AbortController();
  const src: SignalSource = { name: 's', fetch: async (w) => { ac.abort(new Error('stopped by the user')); return ok('s', {}).fetch(w); } };
  await assert.rejects(fetchAll([src], window, { signal: ac.signal }), /stopped by the user/);
});
