// The cases around the mechanisms (each mechanism's own rows are in mechanism-variants.test.ts):
// a healthy window that must NOT be called an incident, a victim webhook, a late clock, and a
// bundle with a single etcd log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../../server/sources/files/index.js';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import { BundleWriter, WINDOW, at } from '../../helpers/bundle-writer.js';

import { HOSTS, background } from './cases.js';

async function analyse(b: BundleWriter): Promise<Report> {
  const dir = b.write();
  try {
    const signals = await readBundle(dir, WINDOW);
    return analyzeSignals(signals, { nowMs: WINDOW.toMs });
  } finally {
    b.cleanup();
  }
}

function expectAnswer(r: Report, cause: string, host: string | undefined, onsetSec: number, firstLink: string) {
  assert.equal(r.verdict, 'incident', r.summary);
  assert.equal(r.hypotheses[0]!.cause, cause, `ranked: ${r.hypotheses.map((h) => `${h.cause}:${h.scores['ranked']}`).join(', ')}`);
  if (host) assert.equal(r.hypotheses[0]!.culprit?.host, host);
  assert.ok(r.onset, 'an onset');
  const err = Math.abs(Date.parse(r.onset!) - at(onsetSec)) / 1000;
  assert.ok(err <= 15, `onset ${r.onset} is ${err} s from the truth`);
  assert.equal(r.chain[0]?.symptom, firstLink);
  assert.ok(r.hypotheses[0]!.evidenceFor.length > 0, 'evidence for');
  assert.ok(r.hypotheses[0]!.evidenceFor.some((e) => e.ref?.file || e.ref?.series), 'evidence points at a line or a series');
}

test('healthy window with routine noise is not an incident', async () => {
  const b = new BundleWriter();
  background(b);
  // a few upstream DNS timeouts, a restarted pod, a slow single request, a rollout
  for (let i = 0; i < 3; i++) b.coredns(at(500 + i * 2), 'coredns-5dd5756b68-abcde', '[ERROR] plugin/errors: 2 hooks.slack.com. AAAA: read udp 10.244.5.3:47742->10.0.0.2:53: i/o timeout');
  b.event(at(800), 'BackOff', 'Back-off restarting failed container web in pod web-1_shop(1)', { kind: 'Pod', name: 'web-1', namespace: 'shop' }, { host: 'worker-2' });
  b.klog('kube-apiserver', at(900), 'I', 'Trace[1]: "List" url:/api/v1/namespaces/shop/events,verb:LIST (20-Nov-2026 10:15:00.000) (total time: 1390ms):', 'trace.go:236');
  b.event(at(1000), 'ScalingReplicaSet', 'Scaled up replica set web-7d9 to 3', { kind: 'Deployment', name: 'web', namespace: 'shop' }, { component: 'deployment-controller', type: 'Normal' });
  const r = await analyse(b);
  assert.equal(r.verdict, 'none', `${r.summary} :: ${r.hypotheses.map((h) => `${h.cause}:${h.scores['fit']}`).join(', ')}`);
  assert.equal(r.onset, null);
  assert.deepEqual(r.chain, []);
});

test('confounder: a slow webhook that starts after the disk saturated is a victim, not the cause', async () => {
  const b = new BundleWriter();
  background(b, { iostat: false });
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-1' && s >= 600 && s < 1100 ? { util: 99, wAwait: 300, idle: 45, iowait: 25 } : { util: 8, wAwait: 1.2, idle: 78 }));
  for (let s = 602; s < 1090; s += 10) b.etcd('cp-1', at(s), 'warn', 'slow fdatasync', { took: '1.2s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  for (let s = 610; s < 1090; s += 9) b.klog('kube-apiserver', at(s), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out', 'status.go:71');
  for (let s = 660; s < 900; s += 12) b.klog('kube-apiserver', at(s), 'W', 'Failed calling webhook, failing open policy.example.com: failed calling webhook "policy.example.com": context deadline exceeded', 'dispatcher.go:205');
  const r = await analyse(b);
  expectAnswer(r, 'etcd-disk-latency', 'cp-1', 600, 'node-disk-saturation');
  const wh = r.hypotheses.find((h) => h.cause === 'admission-webhook-latency');
  assert.ok(!wh || wh.evidenceAgainst.length > 0, 'the webhook hypothesis says why it was rejected');
});

test('clock skew between sources: a kube-apiserver log 25 s late does not put the effect before its cause', async () => {
  const b = new BundleWriter();
  background(b, { iostat: false });
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-3' && s >= 600 && s < 1100 ? { util: 99, wAwait: 300, idle: 45, iowait: 25 } : { util: 8, wAwait: 1.2, idle: 78 }));
  for (let s = 603; s < 1090; s += 10) b.etcd('cp-3', at(s), 'warn', 'slow fdatasync', { took: '1.3s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  // the apiserver's clock is 25 s behind: its errors seem to start 10 s before the disk saturated
  for (let s = 615; s < 1090; s += 9) b.klog('kube-apiserver', at(s - 25), 'E', 'apiserver received an error that is not an metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out', 'status.go:71');
  const r = await analyse(b);
  expectAnswer(r, 'etcd-disk-latency', 'cp-3', 600, 'node-disk-saturation');
  const links = r.chain.map((l) => Date.parse(l.at));
  for (let i = 1; i < links.length; i++) assert.ok(links[i]! >= links[0]!, `link ${r.chain[i]!.symptom} at ${r.chain[i]!.at} precedes the root`);
});

test('missing sources: only one member\'s etcd log still names the cause, with what is missing', async () => {
  const b = new BundleWriter();
  for (let s = 600; s < 1000; s += 10) b.etcd('cp-2', at(s), 'warn', 'slow fdatasync', { took: '1.6s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  for (let s = 605; s < 1000; s += 20) b.etcd('cp-2', at(s), 'warn', 'apply request took too long', { took: '1.9s', 'expected-duration': '100ms' });
  const r = await analyse(b);
  assert.notEqual(r.verdict, 'none');
  assert.equal(r.hypotheses[0]!.cause, 'etcd-disk-latency');
  assert.equal(r.hypotheses[0]!.culprit?.host, 'cp-2');
  assert.ok(r.hypotheses[0]!.missing.some((m) => /iostat|disk/.test(m)), `missing: ${r.hypotheses[0]!.missing}`);
  assert.ok(r.hypotheses[0]!.confidence < 0.9);
});
