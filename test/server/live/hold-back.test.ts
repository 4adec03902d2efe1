import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCompleteRecords } from '../../../server/live/hold-back.js';

const W = { fromMs: Date.UTC(2026, 0, 24, 8), toMs: Date.UTC(2026, 0, 24, 10) };
const lines = (...texts: string[]) => texts.map((text, i) => ({ no: i + 1, text }));
const split = (mode: 'blocks' | 'aggregate' | 'logs', format: string, ...texts: string[]) => {
  const { feed, hold } = splitCompleteRecords(lines(...texts), mode, format, W);
  return [feed.map((l) => l.text), hold.map((l) => l.text)];
};

test('what waits for the rest of its record', () => {
  const rows: [ReturnType<typeof split>, string[][], string][] = [
    [
      split('blocks', 'iostat', '2026-01-24T08:51:49+0000', 'avg-cpu:  %user', '  16.51', '', '2026-01-24T08:51:54+0000', 'avg-cpu:  %user'),
      [['2026-01-24T08:51:49+0000', 'avg-cpu:  %user', '  16.51', ''], ['2026-01-24T08:51:54+0000', 'avg-cpu:  %user']],
      'iostat: the report after the last timestamp line may lack its device rows',
    ],
    [split('blocks', 'iostat', 'Device r/s', 'sdb 1.0'), [['Device r/s', 'sdb 1.0'], []], 'iostat without a timestamp line: nothing to wait for'],
    [
      split('aggregate', 'openmetrics', 'a_total 1 100', 'b_total 2 100', '# TYPE c counter', 'a_total 3 115', 'b_total 4 115'),
      [['a_total 1 100', 'b_total 2 100'], ['# TYPE c counter', 'a_total 3 115', 'b_total 4 115']],
      'OpenMetrics: the last scrape (and the comments before it) waits for a later timestamp',
    ],
    [split('aggregate', 'openmetrics', 'a_total 1 100', 'a_total 2 100'), [[], ['a_total 1 100', 'a_total 2 100']], 'a single scrape waits whole'],
    [split('aggregate', 'openmetrics', 'a_total 1 100', 'a_total 2'), [['a_total 1 100', 'a_total 2'], []], 'a sample without a timestamp ends nothing'],
    [split('aggregate', 'kube-audit', '{"a":1}', '{"a":2}'), [['{"a":1}', '{"a":2}'], []], 'audit lines are whole records'],
    [split('logs', 'klog', 'I0124 09:00:00.000000 1 a.go:1] x'), [['I0124 09:00:00.000000 1 a.go:1] x'], []], 'logs hold their last record themselves'],
  ];
  for (const [got, want, why] of rows) assert.deepEqual(got, want, why);
});
