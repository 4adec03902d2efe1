import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NotesStore } from '../../../server/store/index.js';

test('notes survive closing and opening the store again (a restart), per incident, in timeline order', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-notes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = path.join(dir, 'data', 'nested');
  const a = NotesStore.open(dataDir);
  const hostile = '<img src=x onerror=alert(1)> **bold** | `code`';
  a.add('incident-1', { atMs: 2000, author: 'bob', text: 'moved etcd to SSD', entry: null }, 10);
  a.add('incident-1', { atMs: 1000, author: 'alice', text: hostile, entry: { id: 'eabc', lane: 'etcd/cp-2', title: 'WAL fsync p99 1.83 s' } }, 11);
  a.add('incident-2', { atMs: 500, author: '', text: 'elsewhere', entry: null }, 12);
  a.close();
  assert.ok(existsSync(path.join(dataDir, 'notes.sqlite')));

  const b = NotesStore.open(dataDir);
  t.after(() => b.close());
  const notes = b.list('incident-1');
  assert.deepEqual(notes.map((n) => n.text), [hostile, 'moved etcd to SSD'], 'stored as given, in timeline order');
  assert.deepEqual(notes[0]!.entry, { id: 'eabc', lane: 'etcd/cp-2', title: 'WAL fsync p99 1.83 s' });
  assert.equal(notes[1]!.entry, null);
  assert.equal(notes[1]!.createdAtMs, 10);
  assert.equal(b.list('incident-2').length, 1);
  assert.equal(b.delete('incident-2', notes[0]!.id), false, 'a note of another incident');
  assert.equal(b.delete('incident-1', notes[0]!.id), true);
  assert.equal(b.list('incident-1').length, 1);
});
