import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { IngestProgress } from '../../../../server/sources/types.js';
import { createFileSource, readBundle } from '../../../../server/sources/files/index.js';
import { readBundleFiles } from '../../../../server/sources/files/read-bundle.js';
import { bundleOf, iso, readFiles, ROOT, utc, WINDOW } from './helpers.js';

const ZAP = (i: number): string => `{"level":"info","ts":"2026-11-28T02:0${i % 10}:00Z","caller":"mvcc/index.go:214","msg":"line ${i}"}`;
const KLOG = (i: number): string => `I1128 02:0${i % 10}:00.000000       1 a.go:1] line ${i}`;

test('malformed lines: bad JSON, a truncated line, garbage bytes, a 2 MB line; reading goes on', async (t) => {
  const good = Array.from({ length: 20 }, (_, i) => ZAP(i));
  const content = Buffer.concat([
    Buffer.from(`${good.slice(0, 5).join('\n')}\n`),
    Buffer.from('{"level":"warn","ts":"2026-11-28T02:05:00Z","msg":}\n'),
    Buffer.from('{"level":"warn","ts":"2026-11-28T02:05:00Z","ca\n'),
    Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3, 0x28, 0x0a]),
    Buffer.from(`{"msg":"${'x'.repeat(2 * 1024 * 1024)}"}\n`),
    Buffer.from(`${good.slice(5).join('\n')}\n`),
  ]);
  const set = await readFiles(t, { 'logs/etcd-cp-1.log': content });
  const r = set.sources[0];
  assert.ok(r);
  assert.equal(r.format, 'etcd-zap-json');
  assert.deepEqual([r.lines, r.records, r.badLines, r.status, r.message], [24, 20, 4, 'degraded', '4 of 24 lines could not be parsed']);
  assert.deepEqual(r.badSamples.map((b) => [b.file, b.line, b.reason]), [
    ['logs/etcd-cp-1.log', 6, 'invalid JSON'],
    ['logs/etcd-cp-1.log', 7, 'invalid JSON'],
    ['logs/etcd-cp-1.log', 8, 'invalid JSON'],
    ['logs/etcd-cp-1.log', 9, 'line longer than 1 MiB'],
  ]);
  assert.equal(r.badSamples[2]?.excerpt, '\ufffd\ufffd\u0000A\ufffd(', 'invalid UTF-8 becomes U+FFFD');
  assert.equal(r.badSamples[3]?.excerpt, `{"msg":"${'x'.repeat(192)}`, 'excerpts stop at 200 characters');
  assert.equal(set.logs.length, 20);
  assert.equal(set.logs.at(-1)?.line, 24, 'line numbers stay right after the long line');
});

test('gzip files are read transparently (by magic bytes, whatever the name); CRLF loses its CR', async (t) => {
  const lines = Array.from({ length: 3 }, (_, i) => KLOG(i));
  const set = await readFiles(t, {
    'logs/kube-apiserver.log.gz': gzipSync(lines.join('\n')),
    'logs/kube-scheduler.log.1': gzipSync(lines.join('\n')),
    'logs/kube-controller-manager.log': lines.join('\r\n'),
  });
  assert.deepEqual(set.sources.map((s) => [s.sourceId, s.format, s.records, s.badLines]), [
    ['logs/kube-apiserver.log.gz', 'klog', 3, 0],
    ['logs/kube-controller-manager.log', 'klog', 3, 0],
    ['logs/kube-scheduler.log.1', 'klog', 3, 0],
  ]);
  assert.equal(set.logs.find((l) => l.component === 'kube-controller-manager')?.message, 'line 0');
  assert.equal(set.logs.find((l) => l.component === 'kube-apiserver')?.raw, KLOG(0));
});

test('a damaged gzip file keeps what was read and says why', async (t) => {
  const gz = gzipSync(Array.from({ length: 2000 }, (_, i) => KLOG(i)).join('\n'));
  const audit = (i: number): string => `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"${i}","stage":"ResponseComplete","requestURI":"/api","verb":"get","userAgent":"ua","responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-11-28T02:01:00.000000Z","stageTimestamp":"2026-11-28T02:01:00.001000Z"}`;
  const auditGz = gzipSync(Array.from({ length: 3000 }, (_, i) => audit(i)).join('\n'));
  const set = await readFiles(t, {
    'kube-apiserver.log.gz': gz.subarray(0, Math.floor(gz.length * 0.6)),
    'audit.log.gz': auditGz.subarray(0, Math.floor(auditGz.length * 0.6)),
  });
  for (const r of set.sources) {
    assert.equal(r.status, 'degraded', r.sourceId);
    assert.match(r.message ?? '', /^read error after \d+ lines: /);
    assert.ok(r.records > 0);
  }
  // the parser was flushed: the aggregate of what was read is there
  const total = set.audit[0]?.total.reduce((a, b) => a + b, 0) ?? 0;
  assert.ok(total > 0 && total < 3000, `aggregated ${total}`);
});

test('unknown, empty and unreadable files; manifests and hidden files are skipped', async (t) => {
  const dir = await bundleOf(t, {
    'notes.md': '# What happened\nThe disk was slow.\n',
    'empty.log': '',
    'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
    'rootline.json': '{"title":"x"}',
    'label.json': '{"rootCause":"none"}',
    '.hidden.log': KLOG(1),
    '.git/config': '[core]',
  });
  await symlink(path.join(dir, 'missing.log'), path.join(dir, 'dangling.log'));
  const set = await readBundle(dir, WINDOW);
  assert.deepEqual(set.sources.map((s) => [s.sourceId, s.format, s.status, s.message]), [
    ['dangling.log', 'unknown', 'failed', 'cannot open file: ENOENT: no such file or directory'],
    ['empty.log', 'empty', 'unknown', 'empty file'],
    ['image.png', 'unknown', 'unknown', 'format not recognised'],
    ['notes.md', 'unknown', 'unknown', 'format not recognised'],
  ]);
});

test('options: keepLog filters, onProgress reports, the window bounds what is kept', async (t) => {
  const files: Record<string, string> = {};
  for (let f = 0; f < 9; f++) files[`logs/etcd-cp-${f}.log`] = Array.from({ length: 50 }, (_, i) => ZAP(i)).join('\n');
  // 01:00 is the first minute kept (1 h before), 02:40 the first one dropped (10 min after)
  files['logs/kube-apiserver.log'] = ['I1128 00:59:59.999000       1 a.go:1] early', 'I1128 01:00:00.000000       1 a.go:1] kept', 'I1128 02:39:59.999000       1 a.go:1] kept', 'I1128 02:40:00.000000       1 a.go:1] late'].join('\n');
  const progress: IngestProgress[] = [];
  const calledAt: number[] = [];
  const onProgress = (p: IngestProgress): void => {
    progress.push(p);
    calledAt.push(performance.now());
  };
  const set = await readFiles(t, files, WINDOW, { keepLog: (r) => r.severity !== 'info' || r.message === 'kept' || r.message.endsWith('7'), onProgress });
  assert.deepEqual(set.logs.filter((l) => l.component === 'kube-apiserver').map((l) => iso(l.atMs)), ['2026-11-28T01:00:00.000Z', '2026-11-28T02:39:59.999Z']);
  assert.equal(set.logs.filter((l) => l.component === 'etcd').length, 9 * 5, 'keepLog kept lines 7, 17, 27, 37, 47 of each file');
  assert.deepEqual(set.sources.find((s) => s.sourceId === 'logs/kube-apiserver.log')?.limits, ['2 records outside the kept range (1 h before the window to 10 min after) were dropped']);
  const last = progress.at(-1);
  assert.ok(last);
  assert.deepEqual([last.filesDone, last.filesTotal, last.lines, last.badLines], [10, 10, 454, 0]);
  assert.equal(last.bytesDone, last.bytesTotal);
  // at most ~5 calls a second, plus the final one
  for (let i = 1; i < calledAt.length - 1; i++) assert.ok((calledAt[i] ?? 0) - (calledAt[i - 1] ?? 0) >= 150, 'progress calls are spaced');
  const ordered = set.logs.every((l, i, a) => i === 0 || (a[i - 1]?.atMs ?? 0) <= l.atMs);
  assert.ok(ordered, 'logs come sorted by time');
});

test('options.signal aborts the read', async (t) => {
  const dir = await bundleOf(t, { 'a.log': KLOG(1), 'b.log': KLOG(2) });
  const controller = new AbortController();
  controller.abort(new Error('user pressed Ctrl-C'));
  await assert.rejects(readBundle(dir, WINDOW, { signal: controller.signal }), /user pressed Ctrl-C/);
  const source = createFileSource(dir);
  assert.equal(source.name, `files:${dir}`);
  assert.equal((await source.fetch(WINDOW)).sources.length, 2);
});

test('worker threads: the example bundle (every kind of file, one job each) reads the same as in this thread', async () => {
  const dir = path.join(ROOT, 'examples', 'etcd-disk-latency');
  const window = { fromMs: utc('2026-01-24T08:51:50Z'), toMs: utc('2026-01-24T09:21:50Z') };
  const inThread = await readBundleFiles(dir, window, {}, { workers: 1, parallelMinBytes: 0, rangeBytes: 1 << 30 });
  const parallel = await readBundleFiles(dir, window, {}, { workers: 2, parallelMinBytes: 0, rangeBytes: 64 * 1024 });
  assert.deepEqual(parallel, inThread);
  assert.ok(inThread.logs.length > 100 && inThread.series.length > 10 && inThread.audit.length === 1);
});
