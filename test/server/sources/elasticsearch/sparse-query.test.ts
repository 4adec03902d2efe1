// The sparse log query keeps every info line a correlator reads: one row per message the rules of
// classify.ts fire on at info level, checked against the query's phrases as Elasticsearch's
// standard analyzer would match them (lower-cased words, in order; no stemming).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyLog, type Component, type LogRecord } from '../../../../correlators/signals/index.js';
import { buildSparseLogQuery, SIGNATURE_PHRASES } from '../../../../server/sources/elasticsearch/index.js';

const words = (text: string): string[] => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

function matchesPhrase(text: string, phrase: string): boolean {
  const t = words(text);
  const p = words(phrase);
  return t.some((_, i) => p.every((w, j) => t[i + j] === w));
}

const record = (component: Component, message: string): LogRecord => ({ atMs: 0, sourceId: 's', component, severity: 'info', message, fields: {}, file: 's', line: 0, raw: message });

test('every info-level message the correlators read matches a phrase of the sparse query', () => {
  const rows: [Component, string][] = [
    ['kube-scheduler', 'Waited for 2.254558424s due to client-side throttling, not priority and fairness, request: POST:https://192.168.50.10:6443/api/v1/namespaces/data/pods/x/binding'],
    ['kube-apiserver', 'Trace[648633965]: "List" accept:application/vnd.kubernetes.protobuf, */*,audit-id:35f3,client:10.0.0.23,verb:LIST (09-Aug-2026 20:02:22.233) (total time: 12413ms):'],
    ['kube-apiserver', 'external host was not specified, using 10.0.0.13'],
    ['etcd', 'raft.node: ae20e25b0365fbdf changed leader from ae20e25b0365fbdf to 5f5ab4b1b4e2e3c1 at term 7'],
    ['etcd', 'raft.node: ae20e25b0365fbdf elected leader 5f5ab4b1b4e2e3c1 at term 7'],
    ['etcd', 'defragmenting'],
    ['etcd', 'finished defragmenting directory'],
    ['etcd', 'finished scheduled compaction'],
    ['kubelet', 'Eviction manager: pod is evicted successfully'],
    ['kubelet', 'Eviction manager: pods successfully cleaned up'],
    ['kube-controller-manager', 'successfully acquired lease kube-system/kube-controller-manager'],
    ['kernel', 'Out of memory: Killed process 21516 (java) total-vm:8747065kB'],
  ];
  for (const [component, message] of rows) {
    assert.ok(classifyLog(record(component, message)), `a correlator reads: ${message}`);
    assert.ok(SIGNATURE_PHRASES.some((p) => matchesPhrase(message, p)), `no phrase matches: ${message}`);
  }
});

test('the query: the window on the timestamp field, phrases on the message field, at least one', () => {
  const q = buildSparseLogQuery(1000, 2000, { timestamp: '@timestamp', message: 'log', level: 'level' }) as { bool: { filter: unknown[]; should: Record<string, Record<string, unknown>>[]; minimum_should_match: number } };
  assert.deepEqual(q.bool.filter, [{ range: { '@timestamp': { gte: 1000, lt: 2000, format: 'epoch_millis' } } }]);
  assert.equal(q.bool.minimum_should_match, 1);
  assert.ok(q.bool.should.some((c) => c['match_phrase']?.['log'] === 'client-side throttling'));
  assert.ok(q.bool.should.some((c) => JSON.stringify(c).includes('"regexp":{"log":"v[0-9]+\\\\.[0-9]+\\\\.[0-9]+"}')), 'the `Version: v1.29.4` line of a restart');
});
