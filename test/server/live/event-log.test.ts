import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog } from '../../../server/live/index.js';

test('ids grow from the first id; since() replays what came after a client id', () => {
  const log = new EventLog(5000);
  assert.equal(log.lastId, 4999);
  assert.deepEqual(log.since(4999), [], 'an up-to-date client gets nothing');
  const a = log.append('timeline', { n: 1 });
  const b = log.append('analysis', { n: 2 });
  assert.deepEqual([a.id, b.id], [5000, 5001]);
  assert.equal(b.json, '{"n":2}');
  assert.deepEqual(log.since(4999)!.map((e) => e.id), [5000, 5001]);
  assert.deepEqual(log.since(5000)!.map((e) => e.id), [5001]);
  assert.deepEqual(log.since(5001), []);
});

test('ids it cannot replay ask for a snapshot (undefined)', () => {
  const log = new EventLog(100, 3);
  for (let i = 0; i < 6; i++) log.append('x', i);
  const rows: [number, string][] = [
    [101, 'older than the log keeps (it holds 103..105)'],
    [999, 'not an id of this session (a later run, or garbage)'],
    [Number.NaN, 'not a number'],
    [-1, 'before the session'],
  ];
  for (const [id, why] of rows) assert.equal(log.since(id), undefined, why);
  assert.deepEqual(log.since(102)!.map((e) => e.id), [103, 104, 105], 'the oldest kept event follows 102');
  assert.equal(log.size, 3);
});

test('the log is bounded by bytes too', () => {
  const log = new EventLog(1, 1000, 100);
  for (let i = 0; i < 10; i++) log.append('x', 'y'.repeat(40));
  assert.ok(log.size <= 3);
  assert.equal(log.lastId, 10);
});
