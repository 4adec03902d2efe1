// Offsets from what two sources both saw, when no join key exists. Each row is a case the
// development bundles showed: shared symptoms that are NOT the same event must give no offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factTrainEdges, type TimedFact } from '../../../correlators/clock/index.js';

const fact = (sourceId: string, group: string, atMs: number, precisionMs = 0): TimedFact => ({ sourceId, group, atMs, precisionMs });

test('the same events in two sources, one clock 12 s late: the offset is found', () => {
  const times = [100, 163, 171, 240, 333, 401, 402, 515, 620, 777].map((s) => s * 1000);
  const facts = [...times.map((t) => fact('audit', 'apiserver-errors|', t)), ...times.map((t, i) => fact('apiserver', 'apiserver-errors|', t + 12_000 + (i % 3) * 40))];
  const [edge] = factTrainEdges(facts);
  assert.ok(edge, 'an edge');
  // add the offset to b's (audit's) times to put them on a's (the apiserver log's) clock
  assert.deepEqual([edge.a, edge.b], ['apiserver', 'audit']);
  assert.ok(Math.abs(edge.offsetMs - 12_040) <= 100, `offset ${edge.offsetMs}`);
});

test('hundreds of API errors against one Event of the same kind: no offset', () => {
  // 236 audit errors spread over minutes, one "apiserver-errors" Event: every audit time votes
  // for its difference to the single Event, and a few of them always cluster somewhere
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const facts = [...Array.from({ length: 236 }, () => fact('audit', 'apiserver-errors|', 600_000 + rnd() * 600_000)), fact('events', 'apiserver-errors|', 900_000, 1000)];
  assert.deepEqual(factTrainEdges(facts), []);
});

test('two short bursts of a symptom (four relist lines in 20 s each): no offset', () => {
  const facts = [
    ...[0, 6, 13, 19].map((s) => fact('kcm', 'apiserver-relist-storm|', 700_000 + s * 1000)),
    ...[2, 5, 11, 18].map((s) => fact('scheduler', 'apiserver-relist-storm|', 703_000 + s * 1000)),
  ];
  assert.deepEqual(factTrainEdges(facts), []);
});

test('symptom onsets: one shared symptom is not clock evidence, two that agree are', () => {
  // a 5xx ratio in 15 s bins and an error rate over 1 m first cross their thresholds 25 s apart
  const one = [fact('audit', 'apiserver-errors|', 600_000, 2500), fact('metrics', 'apiserver-errors|', 625_000, 7500)];
  assert.deepEqual(factTrainEdges(one, { minSupport: 1, minAbsOffsetMs: 8_000, minGroups: 2 }), []);
  const two = [...one, fact('audit', 'apiserver-latency-high|', 640_000, 2500), fact('metrics', 'apiserver-latency-high|', 665_500, 7500)];
  const [edge] = factTrainEdges(two, { minSupport: 1, minAbsOffsetMs: 8_000, minGroups: 2 });
  assert.ok(edge && Math.abs(edge.offsetMs + 25_250) <= 1000, JSON.stringify(edge));
});
