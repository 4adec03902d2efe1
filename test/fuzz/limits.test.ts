// Limits of the file source, stated in the report when hit: a 10 MB line (plain and gzip) costs
// only itself; more files than MAX_BUNDLE_FILES are cut in path order and said so. CRLF and gzip
// copies of every format read exactly as the original.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { MAX_BUNDLE_FILES } from '../../server/sources/files/list-files.js';
import { readFiles } from '../server/sources/files/helpers.js';
import { encodeLines, readSeedLines, recordKeys, pointKeys, SEEDS, auditTotal } from './fuzz-helpers.js';

const GOOD = [
  '{"level":"warn","ts":"2026-11-28T02:02:00Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"128ms"}',
  '{"level":"error","ts":"2026-11-28T02:04:00.5Z","logger":"raft","caller":"etcdserver/zap_raft.go:77","msg":"lost leader","term":7}',
];

for (const gzip of [false, true]) {
  test(`a 10 MB line${gzip ? ' in a gzip file' : ''} is one bad line; the lines around it are all read`, async (t) => {
    const huge = `{"level":"info","ts":"2026-11-28T02:03:00Z","msg":"${'x'.repeat(10 * 1024 * 1024)}"}`;
    const text = [GOOD[0], huge, GOOD[1], ''].join('\n');
    const set = await readFiles(t, { 'logs/etcd-cp-1.log': gzip ? gzipSync(text) : Buffer.from(text) });
    const r = set.sources[0]!;
    assert.equal(r.format, 'etcd-zap-json');
    assert.equal(r.lines, 3);
    assert.equal(r.records, 2, 'both good lines read');
    assert.equal(r.badLines, 1);
    assert.equal(r.badSamples[0]?.line, 2);
    assert.equal(r.badSamples[0]?.reason, 'line longer than 1 MiB');
    assert.ok(r.badSamples[0]!.excerpt.length <= 200);
    assert.deepEqual(r.limits, ['lines longer than 1 MiB are not read (counted as bad lines)']);
    assert.deepEqual(set.logs.map((l) => l.severity), ['warn', 'error']);
  });
}

test('CRLF and gzip copies of every format read exactly as the original', async (t) => {
  for (const seed of SEEDS) {
    await t.test(seed.format, async (t) => {
      const lines = await readSeedLines(seed);
      const read = (crlf: boolean, gzip: boolean) => readFiles(t, { [seed.rel]: encodeLines(lines, { crlf, gzip, noFinalNewline: false }) });
      const plain = await read(false, false);
      for (const [crlf, gzip] of [[true, false], [false, true], [true, true]] as const) {
        const other = await read(crlf, gzip);
        const what = `${crlf ? 'CRLF' : 'LF'}${gzip ? ' gzip' : ''}`;
        assert.equal(other.sources[0]?.format, plain.sources[0]?.format, what);
        assert.deepEqual(recordKeys(other), recordKeys(plain), `${what}: records`);
        assert.deepEqual(pointKeys(other), pointKeys(plain), `${what}: points`);
        assert.equal(auditTotal(other), auditTotal(plain), `${what}: audit events`);
        assert.equal(other.sources[0]?.badLines, plain.sources[0]?.badLines, `${what}: bad lines`);
      }
    });
  }
});

test(`more than ${MAX_BUNDLE_FILES} files: the first ones in path order are read, the cut is reported`, async (t) => {
  const files: Record<string, string> = {};
  const n = MAX_BUNDLE_FILES + 3;
  for (let i = 0; i < n; i++) files[`f/${String(i).padStart(5, '0')}.log`] = '';
  files['a/etcd-cp-1.log'] = `${GOOD[0]}\n`;
  const set = await readFiles(t, files);
  const cut = set.sources.find((s) => s.sourceId === '(bundle)');
  assert.ok(cut, 'a report for the bundle says files were left out');
  assert.equal(cut.status, 'degraded');
  assert.equal(cut.message, `${n + 1} files in the bundle: only the first ${MAX_BUNDLE_FILES} in path order were read`);
  assert.deepEqual(cut.limits, [`file limit reached: 4 files from f/${String(MAX_BUNDLE_FILES - 1).padStart(5, '0')}.log on were not read`]);
  assert.equal(set.sources.length, MAX_BUNDLE_FILES + 1);
  assert.equal(set.logs.length, 1, 'the file first in path order was read');
});
