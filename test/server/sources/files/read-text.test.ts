import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { isGzipFile, readFileHead, readHead } from '../../../../server/sources/files/read-text.js';
import { bundleOf } from './helpers.js';

/** Bytes 0..255 over and over, stepped so that multi-byte starts land everywhere: much of it invalid UTF-8. */
const noise = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + (i >> 8)) & 0xff));

// [content, why]
const rows: [string | Buffer, string][] = [
  ['', 'empty file'],
  ['one line\n', 'shorter than the head'],
  ['a'.repeat(70_000), 'ASCII longer than the head'],
  ['a'.repeat(65_536), 'exactly the head'],
  ['€'.repeat(30_000), '3-byte characters, 90 KB but fewer characters than the head'],
  ['€'.repeat(100_000), '3-byte characters past the bytes read at once'],
  ['😀'.repeat(70_000), '4-byte characters (two UTF-16 units each)'],
  [Buffer.concat([Buffer.from('x'.repeat(4 * 65_536 + 3)), Buffer.from('€€')]), 'a character across the bytes read at once'],
  [noise(300_000), 'invalid UTF-8'],
  [gzipSync('line\n'.repeat(100_000)), 'gzip'],
];

test('readFileHead: the same gzip flag and head text as isGzipFile + readHead', async (t) => {
  const files = Object.fromEntries(rows.map(([content], i) => [`f${i}`, content]));
  const dir = await bundleOf(t, files);
  for (const [i, [, why]] of rows.entries()) {
    const file = path.join(dir, `f${i}`);
    const gzip = await isGzipFile(file);
    assert.deepEqual(await readFileHead(file), { gzip, ...(await readHead(file, gzip)) }, why);
  }
  const ascii = await readFileHead(path.join(dir, 'f2'));
  assert.deepEqual([ascii.gzip, ascii.text.length, ascii.truncated], [false, 65_536, true]);
  const gz = await readFileHead(path.join(dir, 'f9'));
  assert.deepEqual([gz.gzip, gz.text.slice(0, 10), gz.truncated], [true, 'line\nline\n', true]);
});
