import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Series } from '../../../../correlators/signals/index.js';
import { iso, readFiles, readFixture } from './helpers.js';

/** `metric{labels} host: t=v …`, for expectations that read at a glance. */
function render(s: Series): string {
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const pts = s.t.map((t, i) => `${iso(t).slice(11, 19)}=${+(s.v[i] ?? NaN).toPrecision(4)}`).join(' ');
  return `${s.metric}{${labels}} ${s.host}: ${pts}`;
}

test('iostat, C locale, sysstat 10 columns (await, Device:), UTC: first report (since boot) dropped', async (t) => {
  const { set, report } = await readFixture(t, 'iostat/cp-1.txt');
  assert.equal(report.format, 'iostat');
  assert.deepEqual([report.records, report.badLines, report.zone], [3, 0, 'UTC']);
  assert.deepEqual(report.limits, ['first iostat report dropped: it averages since boot']);
  assert.deepEqual(set.series.map(render).sort(), [
    'node_cpu_idle_ratio{} cp-1: 02:00:05=0.445 02:00:10=0.5',
    'node_cpu_iowait_ratio{} cp-1: 02:00:05=0.4 02:00:10=0.35',
    'node_cpu_steal_ratio{} cp-1: 02:00:05=0.005 02:00:10=0',
    'node_cpu_system_ratio{} cp-1: 02:00:05=0.05 02:00:10=0.04',
    'node_cpu_user_ratio{} cp-1: 02:00:05=0.1 02:00:10=0.11',
    // sysstat 10 has r_await / w_await beside await: the specific column wins
    'node_disk_read_await_s{device=sdb} cp-1: 02:00:05=0.0015 02:00:10=0.002',
    'node_disk_util_ratio{device=sdb} cp-1: 02:00:05=0.99 02:00:10=0.975',
    'node_disk_write_await_s{device=sdb} cp-1: 02:00:05=0.081 02:00:10=0.0705',
    'node_disk_writes_per_s{device=sdb} cp-1: 02:00:05=120 02:00:10=110',
  ]);
  assert.equal(set.series[0]?.component, 'node');
  assert.equal(set.series.find((s) => s.metric === 'node_disk_util_ratio')?.origin, 'iostat -x %util of sdb on cp-1');
});

test('iostat, en_US locale (12 h clock) in local time UTC-05:00: zone inferred', async (t) => {
  const { set, report } = await readFixture(t, 'iostat/cp-2.txt');
  assert.equal(report.zone, 'UTC-05:00');
  assert.equal(report.zoneReason, 'inferred UTC-05:00: timestamps fit the analysis window');
  assert.deepEqual(set.series.filter((s) => s.metric === 'node_disk_write_await_s').map(render), [
    'node_disk_write_await_s{device=nvme0n1} cp-2: 02:00:05=0.0005 02:00:10=0.00045',
  ]);
});

test('iostat, ISO timestamps with an offset and decimal commas: no inference needed', async (t) => {
  const { set, report } = await readFixture(t, 'iostat/cp-3.txt');
  assert.equal(report.zone, undefined);
  assert.deepEqual(set.series.filter((s) => s.metric.startsWith('node_disk')).map(render).sort(), [
    'node_disk_read_await_s{device=vda} cp-3: 02:00:05=0.0003 02:00:10=0.0003',
    'node_disk_util_ratio{device=vda} cp-3: 02:00:05=0.025 02:00:10=0.03',
    'node_disk_write_await_s{device=vda} cp-3: 02:00:05=0.0006 02:00:10=0.0007',
    'node_disk_writes_per_s{device=vda} cp-3: 02:00:05=20 02:00:10=25',
  ]);
});

test('iostat: a single report is kept; a row that does not match its header is bad', async (t) => {
  const set = await readFiles(t, {
    'iostat-cp-9.txt': [
      'Linux 6.1.0 (cp-9) \t11/28/26 \t_x86_64_\t(2 CPU)', '',
      '11/28/26 02:10:00', 'avg-cpu:  %user   %nice %system %iowait  %steal   %idle', '           1.00    0.00    1.00    0.00    0.00   98.00', '',
      'Device            r/s     w/s   %util', 'sda              1.00    2.00    3.00', 'sdb              1.00    2.00', '',
    ].join('\n'),
  });
  assert.deepEqual(set.sources[0]?.badSamples.map((b) => [b.line, b.reason]), [[9, 'device row does not match the Device header']]);
  assert.deepEqual(set.series.filter((s) => s.metric === 'node_disk_util_ratio').map(render), ['node_disk_util_ratio{device=sda} cp-9: 02:10:00=0.03']);
});
