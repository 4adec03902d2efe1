import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { readBundle } from '../../../../server/sources/files/index.js';
import { ROOT, utc } from './helpers.js';

const BUNDLE = path.join(ROOT, 'examples', 'etcd-disk-latency');

test('the example bundle: every file recognised, no bad line, the expected series, every audit line counted', async () => {
  const manifest = JSON.parse(await readFile(path.join(BUNDLE, 'rootline.json'), 'utf8')) as { window: { from: string; to: string } };
  const window = { fromMs: utc(manifest.window.from), toMs: utc(manifest.window.to) };
  const started = performance.now();
  const set = await readBundle(BUNDLE, window);
  const elapsedMs = performance.now() - started;
  // 5 MB: ~0.3 s on an idle workstation; the bound only catches a pathological slowdown on a busy host
  assert.ok(elapsedMs < 15_000, `read in ${Math.round(elapsedMs)} ms`);

  assert.equal(set.sources.length, 19);
  assert.deepEqual(set.sources.filter((s) => s.status !== 'ok').map((s) => [s.sourceId, s.status, s.message]), []);
  assert.deepEqual(set.sources.filter((s) => s.badLines > 0).map((s) => [s.sourceId, s.badSamples]), []);
  const formats = Object.fromEntries(set.sources.map((s) => [s.sourceId, s.format]));
  assert.equal(formats['audit/audit.log'], 'kube-audit');
  assert.equal(formats['events.json'], 'k8s-events-json');
  assert.equal(formats['iostat/cp-2.txt'], 'iostat');
  assert.equal(formats['logs/etcd-cp-2.log'], 'etcd-zap-json');
  assert.equal(formats['logs/kube-apiserver.log'], 'klog');
  assert.equal(formats['logs/kubelet-cp-2.log'], 'journald');
  assert.equal(formats['metrics/metrics.om'], 'openmetrics');

  const fsync = set.series.filter((s) => s.metric === 'etcd_wal_fsync_p99_s');
  assert.deepEqual(fsync.map((s) => s.host).sort(), ['cp-1', 'cp-2', 'cp-3']);
  // the fio job on cp-2 shows in its fsync p99 (seconds) and nowhere else
  const peak = (host: string): number => Math.max(...(fsync.find((s) => s.host === host)?.v.filter(Number.isFinite) ?? [0]));
  assert.ok(peak('cp-2') > 0.5, `cp-2 p99 peak ${peak('cp-2')}`);
  assert.ok(peak('cp-1') < 0.05 && peak('cp-3') < 0.05);
  for (const id of ['node_disk_util_ratio', 'node_disk_write_await_s', 'etcd_leader_changes_per_s', 'apiserver_requests_per_s', 'node_ready']) {
    assert.ok(set.series.some((s) => s.metric === id), id);
  }
  assert.ok(set.series.some((s) => s.metric === 'node_disk_util_ratio' && s.labels.device === 'sdb' && s.host === 'cp-2'), 'iostat %util of cp-2');

  let inWindow = 0;
  const lines = createInterface({ input: createReadStream(path.join(BUNDLE, 'audit', 'audit.log')), crlfDelay: Infinity });
  for await (const line of lines) {
    const at = utc((JSON.parse(line) as { stageTimestamp: string }).stageTimestamp);
    if (at >= window.fromMs && at < window.toMs) inWindow++;
  }
  assert.equal(set.audit.length, 1);
  assert.equal(set.audit[0]?.total.reduce((a, b) => a + b, 0), inWindow);
  assert.ok(set.logs.some((l) => l.component === 'events'));
  assert.ok(set.logs.some((l) => l.component === 'kubelet' && l.host === 'cp-2'));
});
