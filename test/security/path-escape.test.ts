// File inputs stay inside their configured root: a symbolic link to a file outside the bundle is
// reported and never read, a linked folder is not followed, and a request can name a bundle only
// by a configured name (no path, no `..`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readConfig } from '../../server/config.js';
import { readBundle } from '../../server/sources/files/index.js';
import { WINDOW } from '../server/sources/files/helpers.js';
import { buildTestApp } from '../server/helpers.js';

const SECRET = 'TOP-SECRET-9f2c1d';
const LINE = '{"level":"warn","ts":"2026-11-28T02:02:00Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"128ms"}';

test('symbolic links out of the bundle folder are refused and reported; links inside are read', async (t) => {
  const base = await mkdtemp(path.join(tmpdir(), 'rootline-escape-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const outside = path.join(base, 'outside');
  const bundle = path.join(base, 'bundle');
  await mkdir(path.join(outside, 'more'), { recursive: true });
  await mkdir(path.join(bundle, 'logs'), { recursive: true });
  await writeFile(path.join(outside, 'etcd-secret.log'), `${LINE.replace('apply request took too long', SECRET)}\n`);
  await writeFile(path.join(outside, 'more', 'etcd-cp-9.log'), `${LINE.replace('apply request took too long', SECRET)}\n`);
  await writeFile(path.join(bundle, 'logs', 'etcd-cp-1.log'), `${LINE}\n`);
  await symlink(path.join(outside, 'etcd-secret.log'), path.join(bundle, 'logs', 'etcd-cp-2.log'));
  await symlink('../../outside/etcd-secret.log', path.join(bundle, 'logs', 'etcd-cp-3.log'));
  await symlink(path.join(outside, 'more'), path.join(bundle, 'linked-folder'));
  await symlink('etcd-cp-1.log', path.join(bundle, 'logs', 'etcd-cp-4.log'));

  const set = await readBundle(bundle, WINDOW);
  assert.ok(!JSON.stringify(set).includes(SECRET), 'nothing from outside the bundle was read');
  const byId = new Map(set.sources.map((s) => [s.sourceId, s]));
  for (const id of ['logs/etcd-cp-2.log', 'logs/etcd-cp-3.log']) {
    assert.equal(byId.get(id)?.status, 'failed', id);
    assert.equal(byId.get(id)?.message, 'not read: a symbolic link to a file outside the bundle folder', id);
  }
  assert.ok(!byId.has('linked-folder/etcd-cp-9.log'), 'a linked folder is not followed');
  assert.equal(byId.get('logs/etcd-cp-4.log')?.records, 1, 'a link to a file inside the bundle is read');
  assert.equal(byId.get('logs/etcd-cp-1.log')?.records, 1);
});

test('a request names a bundle only by a configured name: paths and traversal are refused', async (t) => {
  const { app } = await buildTestApp();
  t.after(() => app.close());
  const rows: { why: string; source: unknown }[] = [
    { why: 'traversal in the name', source: { kind: 'files', name: '../../etc' } },
    { why: 'an absolute path as the name', source: { kind: 'files', name: '/etc/passwd' } },
    { why: 'a path field', source: { kind: 'files', name: 'example', path: '/etc' } },
    { why: 'a dir field', source: { kind: 'files', dir: '/' } },
    { why: 'a name that is not configured', source: { kind: 'files', name: 'prod' } },
    { why: 'an encoded traversal', source: { kind: 'files', name: '..%2f..%2fetc' } },
  ];
  for (const row of rows) {
    const res = await app.inject({ method: 'POST', url: '/api/analyses', payload: { window: { from: '2026-01-24T08:51:50Z', to: '2026-01-24T09:21:50Z' }, source: row.source } });
    assert.equal(res.statusCode, 400, `${row.why}: ${res.body}`);
    assert.equal(res.json().code, 'RL_ERR_INPUT_INVALID', row.why);
  }
});

test('configured source names cannot carry a path either', () => {
  assert.throws(() => readConfig({}, { ROOTLINE_SOURCES: '../up=/data/x' }), /^ConfigError: Invalid configuration: sources\.\.\.\/up: Invalid key in record/);
  assert.throws(() => readConfig({}, { ROOTLINE_SOURCES: 'a/b=/data/x' }), /^ConfigError: Invalid configuration: sources\.a\/b: Invalid key in record/);
});
