import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Report, TimelineEntry } from '../../../correlators/report/index.js';
import { assignStableIds, detectNewSymptoms, diffReports, diffTimeline, entryIdentity } from '../../../server/live/index.js';
import { readSampleReport } from '../helpers.js';

function entry(over: Partial<TimelineEntry>): TimelineEntry {
  return {
    id: 'x',
    at: '2026-01-24T09:02:00.000Z',
    atMs: Date.UTC(2026, 0, 24, 9, 2),
    component: 'etcd',
    host: 'cp-2',
    lane: 'etcd/cp-2',
    kind: 'event',
    severity: 'warn',
    title: '3 × etcd-wal-fsync-slow on cp-2, up to 812 ms',
    count: 3,
    inChain: false,
    evidence: { sourceId: 'logs/etcd-cp-2.log', file: 'logs/etcd-cp-2.log', line: 31, atMs: Date.UTC(2026, 0, 24, 9, 2), text: '{}' },
    symptom: 'etcd-wal-fsync-slow',
    ...over,
  };
}

test('stable ids: the same entry keeps its id when it grows, another entry gets another', () => {
  const base = entry({});
  const rows: [Partial<TimelineEntry>, boolean, string][] = [
    [{ count: 9, title: '9 × etcd-wal-fsync-slow on cp-2, up to 3518 ms', endMs: base.atMs + 60_000, kind: 'episode' }, true, 'a burst that grew into an episode'],
    [{ id: 'b99' }, true, 'the correlators renumbered it'],
    [{ severity: 'error', inChain: true }, true, 'it became worse and joined the chain'],
    [{ atMs: base.atMs + 1 }, false, 'another start'],
    [{ lane: 'etcd/cp-1' }, false, 'another lane'],
    [{ symptom: 'etcd-request-slow' }, false, 'another symptom'],
    [{ title: '3 × etcd-compaction on cp-2' }, false, 'another kind of fact'],
  ];
  for (const [over, same, why] of rows) {
    assert.equal(entryIdentity(entry(over)) === entryIdentity(base), same, why);
  }
  const r = assignStableIds({ ...readSampleReport(), timeline: [base, entry({ id: 'b2' })] });
  assert.match(r.timeline[0]!.id, /^e[0-9a-f]{12}$/);
  assert.equal(r.timeline[1]!.id, `${r.timeline[0]!.id}~2`, 'a duplicate gets a suffix');
});

test('diffTimeline: added, changed and removed by id', () => {
  const a = entry({ id: 'a' });
  const b = entry({ id: 'b', atMs: a.atMs + 5 });
  const c = entry({ id: 'c', atMs: a.atMs + 9 });
  const grown = { ...b, count: 7, endMs: b.atMs + 30_000 };
  const d = diffTimeline([a, b], [grown, c]);
  assert.deepEqual(d.added.map((e) => e.id), ['c']);
  assert.deepEqual(d.changed, [grown]);
  assert.deepEqual(d.removed, ['a']);
  assert.deepEqual(diffTimeline([a, b], [a, b]), { added: [], changed: [], removed: [] }, 'nothing changed');
});

test('detectNewSymptoms: only symptoms not shown before, each with its first entry', () => {
  const old = [entry({ symptom: 'etcd-wal-fsync-slow' })];
  const next = [
    entry({ symptom: 'etcd-wal-fsync-slow', atMs: 1 }),
    entry({ symptom: 'node-not-ready', lane: 'events/cp-2', atMs: Date.UTC(2026, 0, 24, 9, 3, 10), at: '2026-01-24T09:03:10.000Z' }),
    entry({ symptom: 'node-not-ready', lane: 'events/worker-1', atMs: Date.UTC(2026, 0, 24, 9, 3, 20), at: '2026-01-24T09:03:20.000Z' }),
    entry({ symptom: undefined }),
  ];
  assert.deepEqual(detectNewSymptoms(old, next), [{ symptom: 'node-not-ready', at: '2026-01-24T09:03:10.000Z', lane: 'events/cp-2' }]);
});

test('diffReports: the first analysis is all news; then only what changed', () => {
  const first = assignStableIds(readSampleReport());
  const events = diffReports(null, first);
  assert.deepEqual(events.map((e) => e.type), ['symptoms', 'timeline', 'series', 'analysis']);
  assert.deepEqual(diffReports(first, first), [], 'an unchanged analysis sends nothing');
  // a new stats line and window alone are status, not news
  assert.deepEqual(diffReports(first, { ...first, stats: { ...first.stats, lines: 1 }, window: { from: 'a', to: 'b' } }), []);

  const h0 = first.hypotheses[0]!;
  const lessSure: Report = { ...first, hypotheses: [{ ...h0, confidence: 0.42 }, ...first.hypotheses.slice(1)] };
  const changed = diffReports(first, lessSure);
  assert.deepEqual(changed.map((e) => e.type), ['analysis']);
  const head = changed[0]!.data as Report;
  assert.equal(head.hypotheses[0]!.confidence, 0.42);
  assert.equal('timeline' in head, false, 'the head leaves the timeline to timeline events');
});
