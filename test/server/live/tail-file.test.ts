import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileTail } from '../../../server/live/index.js';

function tempFile(t: { after: (fn: () => void) => void }, content = ''): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-tail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'a.log');
  writeFileSync(file, content);
  return file;
}

const texts = (c: { lines: { text: string }[] }) => c.lines.map((l) => l.text);

test('hands out complete lines only, numbered, and only the new ones', async (t) => {
  const file = tempFile(t, 'one\ntwo\nthr');
  const tail = await FileTail.open(file);
  t.after(() => tail.close());
  const first = await tail.read();
  assert.deepEqual(texts(first), ['one', 'two']);
  assert.deepEqual(first.lines.map((l) => l.no), [1, 2]);
  // the unfinished line waits for its newline
  assert.deepEqual(texts(await tail.read()), []);
  appendFileSync(file, 'ee\r\nfour\n');
  const next = await tail.read();
  assert.deepEqual(texts(next), ['three', 'four'], 'CRLF loses its CR');
  assert.deepEqual(next.lines.map((l) => l.no), [3, 4]);
  assert.equal(tail.offset, 'one\ntwo\nthree\r\nfour\n'.length);
});

test('a file truncated in place (copytruncate) is read again from its start', async (t) => {
  const file = tempFile(t, 'a\nb\nc\n');
  const tail = await FileTail.open(file);
  t.after(() => tail.close());
  await tail.read();
  truncateSync(file, 0);
  appendFileSync(file, 'x\n');
  const c = await tail.read();
  assert.equal(c.truncated, true);
  assert.deepEqual(texts(c), ['x']);
  assert.equal(c.lines[0]!.no, 1);
});

test('a file renamed away (rotation) is still read to its end through the open handle', async (t) => {
  const file = tempFile(t, 'a\n');
  const tail = await FileTail.open(file);
  t.after(() => tail.close());
  await tail.read();
  appendFileSync(file, 'b\n');
  const { renameSync } = await import('node:fs');
  renameSync(file, `${file}.1`);
  writeFileSync(file, 'new\n');
  assert.deepEqual(texts(await tail.read()), ['b']);
});

test('a line over 1 MiB is reported by its start, and the next line is read normally', async (t) => {
  const file = tempFile(t, `${'x'.repeat(1024 * 1024 + 10)}\nok\n`);
  const tail = await FileTail.open(file);
  t.after(() => tail.close());
  const c = await tail.read();
  assert.equal(c.lines.length, 2);
  assert.equal(c.lines[0]!.tooLong, true);
  assert.equal(c.lines[0]!.text.length, 200);
  assert.equal(c.lines[1]!.text, 'ok');
  assert.equal(c.lines[1]!.no, 2);
});
