// The live store hands the correlators the window's records in time order. Its snapshot updates
// the last one (head cut, new records merged in near the tail) instead of merging every part
// again; whatever happened in between (late records, trims, replaced or vanished parts, the
// cap), it must be the records of the parts in time order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareRecords, SignalStore } from '../../../server/live/signal-store.js';
import { linkTo, sliceSeries, type LogRecord, type Series } from '../../../correlators/signals/index.js';

const PARTS = ['etcd-cp-1', 'etcd-cp-2', 'apiserver', 'events'];

const opArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('append' as const), part: fc.nat(PARTS.length - 1), times: fc.array(fc.nat(600), { maxLength: 30 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('trim' as const), toS: fc.nat(600) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), part: fc.nat(PARTS.length - 1), times: fc.array(fc.nat(600), { maxLength: 10 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), part: fc.nat(PARTS.length - 1) }) },
);

test('a snapshot is the parts\' records in time order, updated or merged afresh', () => {
  fc.assert(
    fc.property(fc.array(fc.array(opArb, { maxLength: 4 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 20, max: 400 }), (ticks, cap) => {
      const store = new SignalStore(cap);
      const reference = new SignalStore(cap, false);
      let line = 0;
      const make = (part: string, times: number[]): LogRecord[] => times.map((s) => ({ atMs: s * 1000, sourceId: part, component: 'etcd', severity: 'info', message: 'x', fields: {}, file: part, line: ++line, raw: '' }));
      let fromMs = 0;
      for (const ops of ticks) {
        for (const o of ops) {
          const made = o.op === 'append' || o.op === 'replace' ? make(PARTS[o.part]!, o.times) : [];
          for (const s of [store, reference]) {
            if (o.op === 'append') s.appendLogs(PARTS[o.part]!, made);
            else if (o.op === 'replace') s.replaceLogs(PARTS[o.part]!, made);
            else if (o.op === 'remove') s.remove(PARTS[o.part]!);
          }
          if (o.op === 'trim') fromMs = Math.max(fromMs, o.toS * 1000);
        }
        store.trim(fromMs);
        reference.trim(fromMs);
        const got = store.snapshot({ fromMs, toMs: 600_000 }).logs;
        const want = reference.snapshot({ fromMs, toMs: 600_000 }).logs;
        assert.deepEqual(got.map((r) => r.line), want.map((r) => r.line));
        assert.ok(got.every((r, i) => i === 0 || compareRecords(got[i - 1]!, r) < 0), 'in time order');
        assert.equal(got.length, store.records, 'every record the parts hold');
      }
    }),
    { numRuns: 300, seed: 12 },
  );
});

test('a snapshot after appends and trims merges only what is new', () => {
  const store = new SignalStore();
  let line = 0;
  for (let tick = 0; tick < 20; tick++) {
    for (const part of PARTS) store.appendLogs(part, Array.from({ length: 20 }, (_, i) => ({ atMs: tick * 15_000 + i * 700 + PARTS.indexOf(part), sourceId: part, component: 'etcd', severity: 'info', message: 'x', fields: {}, file: part, line: ++line, raw: '' })));
    store.trim(Math.max(0, tick - 8) * 15_000);
    store.snapshot({ fromMs: 0, toMs: 1e9 });
  }
  assert.deepEqual(store.merges, { full: 1, incremental: 19 });
  store.remove(PARTS[0]!);
  store.snapshot({ fromMs: 0, toMs: 1e9 });
  assert.deepEqual(store.merges, { full: 2, incremental: 19 }, 'a vanished part: merged afresh');
});

test('a part whose series are rebuilt: each is cut where the store cut and linked to the one it replaces', () => {
  const store = new SignalStore();
  const mk = (t: number[], v: number[]): Series => ({ sourceId: 'metrics.om', metric: 'etcd_wal_fsync_p99_s', component: 'etcd', host: 'cp-2', labels: {}, origin: 'q', t, v });
  store.setAggregates('metrics', [mk([1, 2, 3, 4], [1, 2, 3, 4])], []);
  store.trim(2);
  const [before] = store.snapshot({ fromMs: 0, toMs: 10 }).series;
  assert.deepEqual(before!.t, [2, 3, 4]);
  // the source read more and merged its parts again: a new object from its start, one point restated
  store.setAggregates('metrics', [mk([1, 2, 3, 4, 5], [1, 2, 3, 9, 5])], []);
  const [after] = store.snapshot({ fromMs: 0, toMs: 10 }).series;
  assert.deepEqual([after!.t, after!.v], [[2, 3, 4, 5], [2, 3, 9, 5]]);
  assert.deepEqual(linkTo(after!, (a) => a === before), { parent: before, drop: 0, keep: 2 }, 'the points up to the restated one');
});

test('a polled source\'s series hold no chain of the source\'s own earlier objects', () => {
  const store = new SignalStore();
  const mk = (t: number[]): Series => ({ sourceId: 'prom', metric: 'etcd_wal_fsync_p99_s', component: 'etcd', host: 'cp-2', labels: {}, origin: 'q', t, v: t.map(() => 1) });
  const made = sliceSeries(mk([1, 2, 3, 4]), 1, 4);
  store.setAggregates('poll', [made], []);
  const [held] = store.snapshot({ fromMs: 0, toMs: 10 }).series;
  assert.equal(linkTo(held!, () => true), undefined, 'linked only to what the store held before');
});
