import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonArrayItems } from '../../../../server/sources/files/json-array-items.js';
import { parseAgeMs } from '../../../../server/sources/files/parse-events-table.js';
import { iso, readFiles, readFixture, utc } from './helpers.js';

test('kubectl get events -o json (v1 List): one record per Event, earlier events kept', async (t) => {
  const { set, report } = await readFixture(t, 'events/events.json');
  assert.equal(report.format, 'k8s-events-json');
  assert.equal(report.records, 4);
  assert.deepEqual(report.badSamples.map((b) => [b.line, b.reason]), [[111, 'Event without a timestamp']]);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.severity, l.host, l.fields.reason, l.message]), [
    // three hours before the window: kept, it may explain the window
    ['2026-11-27T23:00:00.000Z', 'info', 'worker-1', 'Killing', 'Stopping container web'],
    ['2026-11-28T02:07:10.000Z', 'info', 'cp-2', 'NodeNotReady', 'Node cp-2 status is now: NodeNotReady'],
    ['2026-11-28T02:08:00.123Z', 'warn', undefined, 'FailedScheduling', '0/7 nodes are available: 3 Insufficient cpu.'],
    ['2026-11-28T02:10:00.000Z', 'warn', 'worker-2', 'BackOff', 'Back-off restarting failed container'],
  ]);
  assert.deepEqual(set.logs[3]?.fields, {
    reason: 'BackOff', type: 'Warning', objectKind: 'Pod', objectName: 'web-1', namespace: 'shop', count: 5,
    lastMs: utc('2026-11-28T02:20:00Z'), sourceComponent: 'kubelet', host: 'worker-2',
  });
  // a Node's events belong to the node even when the reporter names no host
  assert.deepEqual([set.logs[1]?.fields.host, set.logs[1]?.fields.sourceComponent], ['cp-2', 'node-controller']);
  assert.equal(set.logs[2]?.fields.host, 'default-scheduler-cp-1', 'reportingInstance when there is no source.host');
  assert.equal(set.logs.every((l) => l.component === 'events' && l.file === 'events/events.json'), true);
});

test('events.k8s.io/v1 EventList on one line: note, series, deprecated fields', async (t) => {
  const { set, report } = await readFixture(t, 'events/events-k8s-io-v1.json');
  assert.equal(report.format, 'k8s-events-json');
  assert.equal(report.lines, 1);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.host, l.message, l.fields]), [
    ['2026-11-28T02:12:00.500Z', undefined, '0/7 nodes are available', {
      reason: 'FailedScheduling', type: 'Warning', objectKind: 'Pod', objectName: 'web-4', namespace: 'shop', count: 7,
      lastMs: utc('2026-11-28T02:15:00Z'), sourceComponent: 'default-scheduler', host: 'default-scheduler-cp-1', action: 'Scheduling',
    }],
    ['2026-11-28T02:13:00.000Z', 'cp-3', 'Node cp-3 status is now: NodeHasInsufficientMemory', {
      reason: 'NodeHasInsufficientMemory', type: 'Normal', objectKind: 'Node', objectName: 'cp-3', namespace: 'default', count: 2,
      lastMs: utc('2026-11-28T02:14:00Z'), sourceComponent: 'kubelet', host: 'cp-3',
    }],
  ]);
});

test('kubectl get events table: columns by header, ages anchored to the window end', async (t) => {
  const { set, report } = await readFixture(t, 'events/events.txt');
  assert.equal(report.format, 'k8s-events-table');
  assert.equal(report.zoneReason, 'relative ages (LAST SEEN) anchored to the window end: the time kubectl ran is not in the file');
  assert.deepEqual(report.limits, ['1 event without a time (LAST SEEN <unknown>) was skipped']);
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.severity, l.host, l.fields.objectKind, l.fields.objectName, l.fields.count, l.message]), [
    // `5m (x3 over 20m)`: first seen 20 min before the anchor
    ['2026-11-28T02:10:00.000Z', 'warn', undefined, 'Pod', 'web-1', 3, 'Back-off restarting failed container'],
    ['2026-11-28T02:26:58.000Z', 'warn', undefined, 'Pod', 'etcd-cp-2', undefined, 'Liveness probe failed: HTTP probe failed with statuscode: 503'],
    ['2026-11-28T02:29:15.000Z', 'info', 'cp-2', 'Node', 'cp-2', undefined, 'Node cp-2 status is now: NodeNotReady'],
  ]);
  assert.equal(set.logs[0]?.fields.lastMs, utc('2026-11-28T02:25:00Z'));
});

test('parseAgeMs: kubectl human durations', () => {
  const rows: [string, number | undefined][] = [['45s', 45_000], ['3m2s', 182_000], ['5h', 18_000_000], ['2d3h', 183_600_000], ['1y2d', 367 * 86_400_000], ['<unknown>', undefined], ['', undefined]];
  for (const [s, ms] of rows) assert.equal(parseAgeMs(s), ms, s);
});

test('JsonArrayItems: items cut out across chunk boundaries, line numbers, root scalars', () => {
  const doc = '{\n  "kind": "List",\n  "items": [\n    {"a": "x]}\\"", "b": [1, {"c": 2}]},\n    {"a": 3}\n  ],\n  "metadata": {}\n}\n';
  for (const size of [1, 2, 3, 7, doc.length]) {
    const got: [string, number][] = [];
    const r = new JsonArrayItems('items', { item: (text, line) => got.push([text, line]), tooLarge: () => assert.fail('no item is too large') });
    for (let i = 0; i < doc.length; i += size) r.push(doc.slice(i, i + size));
    assert.deepEqual(got, [['{"a": "x]}\\"", "b": [1, {"c": 2}]}', 4], ['{"a": 3}', 5]], `chunks of ${size}`);
    assert.equal(r.scalars.get('kind'), 'List');
    assert.equal(r.lines, 8);
  }
});

test('events JSON: an item that is not valid JSON is a bad line, the rest is read', async (t) => {
  const set = await readFiles(t, {
    'events.json': '{"kind":"List","items":[{"kind":"Event","eventTime":"2026-11-28T02:01:00Z","message":"ok","involvedObject":{"kind":"Pod","name":"a"}},\n{"kind":"Event","eventTime":tru},\n{"kind":"Pod"}]}',
  });
  assert.equal(set.logs.length, 1);
  assert.deepEqual(set.sources[0]?.badSamples.map((b) => [b.line, b.reason]), [[2, 'invalid JSON'], [3, 'not an Event (kind Pod)']]);
});
