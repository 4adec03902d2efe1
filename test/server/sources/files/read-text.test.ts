import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { forEachLine, isGzipFile, readFileHead, readHead } from '../../../../server/sources/files/read-text.js';
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
    const { whole, ...head } = await readFileHead(file);
    assert.deepEqual(head, { gzip, ...(await readHead(file, gzip)) }, why);
    // the whole file comes along when it is uncompressed and smaller than the bytes read at once
    const bytes = await readFile(file);
    assert.deepEqual(whole, !gzip && bytes.length < 4 * 65_536 + 4 ? bytes : undefined, why);
  }
  const ascii = await readFileHead(path.join(dir, 'f2'));
  assert.deepEqual([ascii.gzip, ascii.text.length, ascii.truncated], [false, 65_536, true]);
  const gz = await readFileHead(path.join(dir, 'f9'));
  assert.deepEqual([gz.gzip, gz.text.slice(0, 10), gz.truncated], [true, 'line\nline\n', true]);
});

test('forEachLine: the same lines from the bytes already read as from disk', async (t) => {
  const contents = ['', 'a\r\nb\n\nc', 'no newline at the end', 'é\nü\n€\n', `${'x'.repeat(2 * 1024 * 1024)}\nafter a line over 1 MiB\n`, noise(5_000).toString('latin1')];
  const dir = await bundleOf(t, Object.fromEntries(contents.map((c, i) => [`f${i}`, c])));
  const linesOf = async (file: string, bytes?: Buffer): Promise<[number, string[]]> => {
    const out: string[] = [];
    const n = await forEachLine(file, false, { line: (text, no) => out.push(`${no}:${text}`), tooLong: (no, head) => out.push(`${no} too long:${head}`) }, { bytes });
    return [n, out];
  };
  for (const [i] of contents.entries()) {
    const file = path.join(dir, `f${i}`);
    const fromDisk = await linesOf(file);
    assert.deepEqual(await linesOf(file, await readFile(file)), fromDisk, `f${i}`);
  }
  assert.deepEqual((await linesOf(path.join(dir, 'f1')))[1], ['1:a', '2:b', '3:', '4:c'], 'CRLF loses its CR; a last line without a newline counts');
});
