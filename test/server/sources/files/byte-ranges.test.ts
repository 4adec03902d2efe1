import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { byteRangesOf } from '../../../../server/sources/files/byte-ranges.js';
import { bundleOf } from './helpers.js';

const lines = (n: number, width: number): string => Array.from({ length: n }, (_, i) => String(i).padEnd(width, 'x')).join('\n');

// [content, rangeBytes, why]
const rows: [string, number, string][] = [
  [lines(100, 9), 100, 'lines of 10 bytes, cuts land inside lines'],
  [lines(100, 9) + '\n', 250, 'a trailing newline adds no empty range'],
  [lines(10, 9), 10, 'nominal cuts fall exactly on line starts'],
  [lines(3, 9), 1, 'more cuts than lines: one range per line at most'],
  [`${'y'.repeat(500)}\n${lines(20, 9)}`, 100, 'a 500-byte line swallows the cuts inside it'],
  [`a\r\nb\r\nc`, 2, 'CRLF: a cut goes after the LF'],
  ['é\nü\n€\n', 2, 'multi-byte UTF-8: cuts only after `\\n` bytes'],
  [lines(1, 200_000), 1000, 'one long line without a newline: one range'],
  [lines(40_000, 9), 100_000, 'ranges longer than the 64 KiB probe'],
];

test('byteRangesOf: contiguous ranges covering the file, each starting a line, none empty', async (t) => {
  for (const [content, rangeBytes, why] of rows) {
    const dir = await bundleOf(t, { 'f.log': content });
    const file = path.join(dir, 'f.log');
    const buf = await readFile(file);
    const ranges = await byteRangesOf(file, buf.length, rangeBytes);
    assert.equal(ranges[0]?.start, 0, why);
    assert.equal(ranges.at(-1)?.end, buf.length, why);
    for (const [i, r] of ranges.entries()) {
      assert.ok(r.end > r.start, `${why}: range ${i} is empty`);
      if (i > 0) {
        assert.equal(r.start, ranges[i - 1]!.end, `${why}: range ${i} follows the one before`);
        assert.equal(buf[r.start - 1], 10, `${why}: range ${i} starts a line`);
      }
    }
    const joined = ranges.map((r) => buf.subarray(r.start, r.end).toString('utf8').split('\n').filter(Boolean)).flat();
    assert.deepEqual(joined, buf.toString('utf8').split('\n').filter(Boolean), `${why}: every line in exactly one range`);
  }
});

test('byteRangesOf: an empty file has no range; a size over the cut count gives about size/rangeBytes ranges', async (t) => {
  const dir = await bundleOf(t, { 'empty.log': '', 'f.log': lines(1000, 99) });
  assert.deepEqual(await byteRangesOf(path.join(dir, 'empty.log'), 0, 10), []);
  const ranges = await byteRangesOf(path.join(dir, 'f.log'), 100 * 1000 - 1, 10_000);
  assert.equal(ranges.length, 10);
  assert.deepEqual(ranges.slice(0, 2), [{ start: 0, end: 10_000 }, { start: 10_000, end: 20_000 }], 'a nominal cut on a line start is kept');
});
