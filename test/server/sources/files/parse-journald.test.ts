import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iso, readFiles, readFixture, utc } from './helpers.js';

test('journald short format in local time: zone inferred, klog payload in the same zone', async (t) => {
  const { set, report } = await readFixture(t, 'journald/kubelet-node-1.log');
  assert.equal(report.format, 'journald');
  assert.equal(report.zone, 'UTC+09:00');
  assert.equal(report.zoneReason, 'inferred UTC+09:00: timestamps fit the analysis window');
  assert.equal(report.badLines, 0, 'the journal marker and the Trace continuation are not bad');
  assert.equal(report.records, 7);
  const rows = set.logs.map((l) => [iso(l.atMs), l.component, l.host, l.severity, l.message.split('\n')[0]]);
  assert.deepEqual(rows, [
    // the klog time (microseconds) in the prefix's zone, not the prefix's whole second
    ['2026-11-28T02:01:02.346Z', 'kubelet', 'node-1', 'info', 'Attempting to register node'],
    ['2026-11-28T02:05:10.001Z', 'kubelet', 'node-1', 'error', 'Error updating node status, will retry'],
    ['2026-11-28T02:05:11.100Z', 'kubelet', 'node-1', 'info', 'Trace[1]: "Get" url:/api/v1/nodes/node-1 (total time: 3000ms):'],
    ['2026-11-28T02:06:00.000Z', 'kernel', 'node-1', 'info', 'Memory cgroup out of memory: Killed process 4242 (java) total-vm:1234kB'],
    // k3s embeds etcd: the zap JSON payload carries its own zoned time and the raft logger
    ['2026-11-28T02:07:30.500Z', 'etcd', 'node-1', 'info', 'elected leader'],
    ['2026-11-28T02:08:00.000Z', 'other', 'node-1', 'info', 'Started kubelet.service.'],
    ['2026-11-28T02:10:00.250Z', 'kubelet', 'node-1', 'warn', 'Eviction manager: attempting to reclaim'],
  ]);
  assert.equal(set.logs[2]?.message, 'Trace[1]: "Get" url:/api/v1/nodes/node-1 (total time: 3000ms):\nTrace[1]: [3.0s] [3.0s] END');
  assert.deepEqual(set.logs[1]?.fields, { program: 'kubelet', pid: 812, err: 'context deadline exceeded', caller: 'kubelet_node_status.go:540' });
});

test('journald: --tz replaces the inference', async (t) => {
  const { set, report } = await readFixture(t, 'journald/kubelet-node-1.log', undefined, { tz: 'Asia/Tokyo' });
  assert.equal(report.zone, 'Asia/Tokyo');
  assert.equal(report.zoneReason, 'given by --tz');
  assert.equal(iso(set.logs[0]?.atMs ?? 0), '2026-11-28T02:01:02.346Z');
});

test('journald: kernel lines (journalctl -k), short-iso, and a window across New Year', async (t) => {
  const newYear = { fromMs: utc('2026-12-31T23:50:00Z'), toMs: utc('2027-01-01T00:20:00Z') };
  const set = await readFiles(t, {
    'kernel-worker-1.log': [
      'Dec 31 18:55:00 worker-1 kernel: java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=964',
      'Jan 01 19:05:00 worker-1 kernel: wrong day on purpose',
      'Dec 31 19:05:00 worker-1 kernel: Out of memory: Killed process 4242 (java)',
      '2027-01-01T09:10:00+0900 worker-1 kubelet[9]: short-iso carries its offset',
    ].join('\n'),
  }, newYear);
  assert.equal(set.sources[0]?.zone, 'UTC-05:00');
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component]), [
    ['2026-12-31T23:55:00.000Z', 'kernel'],
    ['2027-01-01T00:05:00.000Z', 'kernel'],
    ['2027-01-01T00:10:00.000Z', 'kubelet'],
  ]);
  assert.deepEqual(set.sources[0]?.limits, ['1 record outside the kept range (1 h before the window to 10 min after) was dropped']);
});

test('dmesg -T: kernel lines with a full date in local time', async (t) => {
  const set = await readFiles(t, {
    'dmesg-worker-2.txt': ['[Sat Nov 28 03:05:00 2026] Out of memory: Killed process 99 (java)', '[Sat Nov 28 03:05:01 2026] oom_reaper: reaped process 99 (java)'].join('\n'),
  });
  assert.equal(set.sources[0]?.format, 'dmesg');
  assert.equal(set.sources[0]?.zone, 'UTC+01:00');
  assert.deepEqual(set.logs.map((l) => [iso(l.atMs), l.component, l.host]), [
    ['2026-11-28T02:05:00.000Z', 'kernel', 'worker-2'],
    ['2026-11-28T02:05:01.000Z', 'kernel', 'worker-2'],
  ]);
});

test('plain dmesg (seconds since boot) is recognised and reported, not read', async (t) => {
  const set = await readFiles(t, { 'dmesg.txt': '[    0.000000] Linux version 6.1.0\n[12345.678901] Out of memory: Killed process 99 (java)\n' });
  assert.deepEqual([set.sources[0]?.format, set.sources[0]?.status, set.sources[0]?.message], [
    'dmesg-monotonic', 'unknown', 'kernel messages with boot-relative timestamps (dmesg without -T) cannot be placed in time',
  ]);
});
