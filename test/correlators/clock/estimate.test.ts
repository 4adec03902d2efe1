// Clock offsets from anchors: chained from the reference, medians resist an outlier pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateOffsets } from '../../../correlators/clock/index.js';

test('offsets chain from the reference across shared events', () => {
  const anchors = [
    // metrics (reference) and kcm log see the same NotReady; kcm clock is 12 s late
    { sourceId: 'metrics', joinKey: 'notready:cp-1', atMs: 100_000 },
    { sourceId: 'kcm', joinKey: 'notready:cp-1', atMs: 112_000 },
    // kcm and events see two NotReadys; events are 5 s early relative to kcm
    { sourceId: 'kcm', joinKey: 'notready:w-1', atMs: 200_000 },
    { sourceId: 'events', joinKey: 'notready:cp-1', atMs: 107_000 },
    { sourceId: 'events', joinKey: 'notready:w-1', atMs: 195_000 },
  ];
  const out = estimateOffsets(anchors, ['events', 'kcm', 'metrics', 'lonely'], 'metrics');
  const by = Object.fromEntries(out.map((o) => [o.sourceId, o]));
  // relative to metrics: kcm -12 s; events directly 100 - 107 = -7 s
  assert.equal(by['kcm']!.offsetMs - by['metrics']!.offsetMs, -12_000);
  assert.equal(by['events']!.offsetMs - by['metrics']!.offsetMs, -7_000);
  // the common frame is the median of the three aligned clocks (events), not the reference's
  assert.equal(by['events']!.offsetMs, 0);
  assert.match(by['kcm']!.method, /median of 3 aligned clocks/);
  assert.equal(by['lonely']!.offsetMs, 0);
  assert.equal(by['lonely']!.anchors, 0);
});

test('pairs further apart than the skew bound are not anchors', () => {
  const out = estimateOffsets(
    [
      { sourceId: 'a', joinKey: 'election:7', atMs: 0 },
      { sourceId: 'b', joinKey: 'election:7', atMs: 10 * 60_000 },
    ],
    ['a', 'b'],
    'a',
  );
  assert.equal(out.find((o) => o.sourceId === 'b')!.offsetMs, 0);
});
