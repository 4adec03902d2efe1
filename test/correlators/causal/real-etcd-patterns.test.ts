// What a real 3-member etcd wrote under injected faults (the fault lab, README "Real etcd"), reduced
// to the patterns that misled the correlators before:
// - all three "nodes" share one machine, so a busy machine saturates every node's CPU alike;
// - only the ReadIndex waits show a network delay at once: the RTT histogram, scraped and rated
//   over a minute, shows it later, and a member's RTT series names its peer only by `To` id;
// - rafthttp's prober reports "clock drift" while round trips take a second;
// - a fault window of a few minutes is mostly incident, which drags a window baseline up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readBundle } from '../../../server/sources/files/index.js';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import { BundleWriter, WINDOW, at } from '../../helpers/bundle-writer.js';
import { HOSTS, ID } from './cases.js';

async function analyse(b: BundleWriter): Promise<Report> {
  const dir = b.write();
  try {
    return analyzeSignals(await readBundle(dir, WINDOW), { nowMs: WINDOW.toMs });
  } finally {
    b.cleanup();
  }
}

const ranked = (r: Report) => r.hypotheses.map((h) => `${h.cause}@${h.culprit?.host}:${h.scores['fit']}`).join(', ');
const onsetErr = (r: Report, sec: number) => Math.abs(Date.parse(r.onset ?? '') - at(sec)) / 1000;

/** Every node's CPU busy from the first sample to the last (one shared, loaded machine). */
function busyMachine(b: BundleWriter) {
  for (const h of HOSTS) b.iostat(h, 0, 1800, () => ({ util: 9, wAwait: 0.8, idle: 0.5 }));
}

/** Each member's fsync histogram; `slow(host, sec)` gives the fsync time. */
function fsync(b: BundleWriter, slow: (host: string, sec: number) => number) {
  for (const h of HOSTS) b.histogram('etcd_disk_wal_fsync_duration_seconds', { instance: `${h}:2381`, job: 'etcd' }, 0, 1800, 15, 40, (s) => slow(h, s));
}

/** Each member's RTT histograms To its two peers; `rtt(from, to, sec)` in seconds. */
function peerRtt(b: BundleWriter, rtt: (from: string, to: string, sec: number) => number) {
  for (const from of HOSTS) {
    for (const to of HOSTS) {
      if (to === from) continue;
      b.histogram('etcd_network_peer_round_trip_time_seconds', { To: ID[to]!, instance: `${from}:2381`, job: 'etcd' }, 0, 1800, 15, 2, (s) => rtt(from, to, s));
    }
  }
}

test('a busy machine under every node is not CPU starvation of one: the one slow WAL is its disk', async () => {
  const b = new BundleWriter();
  // the co-located writer saturates cp-2's etcd volume (CPU is 0.5 % idle everywhere, all window)
  for (const h of HOSTS) b.iostat(h, 0, 1800, (s) => (h === 'cp-2' && s >= 600 && s < 1200 ? { util: 100, wAwait: 1600, idle: 0.5, iowait: 20 } : { util: 9, wAwait: 0.8, idle: 0.5 }));
  fsync(b, (h, s) => (h === 'cp-2' && s >= 600 && s < 1200 ? 1.8 : 0.02));
  for (const h of HOSTS) for (let s = 30; s < 1790; s += 40) b.etcd(h, at(s), 'warn', 'apply request took too long', { took: '310ms', 'expected-duration': '100ms' }, 'etcdserver/util.go:167');
  for (let s = 602; s < 1190; s += 15) b.etcd('cp-2', at(s), 'warn', 'slow fdatasync', { took: '1.8s', 'expected-duration': '1s' }, 'wal/wal.go:805');
  const r = await analyse(b);
  assert.equal(r.hypotheses[0]?.cause, 'etcd-disk-latency', ranked(r));
  assert.equal(r.hypotheses[0]?.culprit?.host, 'cp-2');
  assert.ok(onsetErr(r, 600) <= 15, `onset ${r.onset}`);
  const cpu = r.hypotheses.find((h) => h.cause === 'cpu-starvation');
  assert.ok(cpu, 'CPU starvation is considered');
  assert.ok(cpu.evidenceAgainst.some((e) => /alike/.test(e.claim)), cpu.evidenceAgainst.map((e) => e.claim).join(' | '));
});

test('the same busy machine with nothing else going on is no incident', async () => {
  const b = new BundleWriter();
  busyMachine(b);
  fsync(b, () => 0.02);
  for (const h of HOSTS) for (let s = 30; s < 1790; s += 40) b.etcd(h, at(s), 'warn', 'apply request took too long', { took: '310ms', 'expected-duration': '100ms' }, 'etcdserver/util.go:167');
  const r = await analyse(b);
  assert.equal(r.verdict, 'none', `${r.summary} :: ${ranked(r)}`);
});

test('network delay to one member, metrics only: the member every peer reports slow round trips To is the culprit', async () => {
  const b = new BundleWriter();
  for (const h of HOSTS) b.iostat(h, 0, 1800, () => ({ util: 9, wAwait: 0.8, idle: 70 }));
  fsync(b, () => 0.004);
  // cp-3's peer traffic is held 1.6 s each way through a proxy
  peerRtt(b, (from, to, s) => ((from === 'cp-3' || to === 'cp-3') && s >= 600 && s < 1200 ? 1.6 : 0.003));
  const r = await analyse(b);
  assert.equal(r.hypotheses[0]?.cause, 'etcd-network-latency', ranked(r));
  assert.equal(r.hypotheses[0]?.culprit?.host, 'cp-3', 'no log names a member id: the ids come from the RTT series themselves');
});

test('network delay: the ReadIndex waits date the onset, the prober\'s "clock drift" is the delay', async () => {
  const b = new BundleWriter();
  for (const h of HOSTS) b.iostat(h, 0, 1800, () => ({ util: 9, wAwait: 0.8, idle: 70 }));
  fsync(b, () => 0.004);
  // the RTT histogram only shows the delay a minute late (few probes, a 1 m rate)
  peerRtt(b, (from, to, s) => ((from === 'cp-1' || to === 'cp-1') && s >= 660 && s < 1200 ? 1.6 : 0.003));
  for (const h of HOSTS) for (let s = 600.5; s < 1200; s += 0.5 + (h === 'cp-1' ? 0.3 : 0)) b.etcd(h, at(s), 'warn', 'waiting for ReadIndex response took too long, retrying', { 'sent-request-id': 663896257856954236, 'retry-timeout': '500ms' }, 'etcdserver/v3_server.go:814');
  for (const h of ['cp-2', 'cp-3']) for (let s = 640; s < 1200; s += 30) b.etcd(h, at(s), 'warn', 'prober found high clock drift', { 'remote-peer-id': ID['cp-1'], 'clock-drift': '1.2s', rtt: '1.6s' }, 'rafthttp/probing_status.go:82');
  const r = await analyse(b);
  assert.equal(r.hypotheses[0]?.cause, 'etcd-network-latency', ranked(r));
  assert.equal(r.hypotheses[0]?.culprit?.host, 'cp-1');
  assert.ok(onsetErr(r, 600) <= 15, `onset ${r.onset}: the RTT series alone says 660`);
  const skew = r.hypotheses.find((h) => h.cause === 'etcd-clock-skew');
  assert.ok(!skew || skew.evidenceAgainst.some((e) => /round trip/.test(e.claim)), 'the clock-skew hypothesis says why the drift is not a clock');
});

test('an incident covering most of a short window is still seen against a baseline it dragged up', async () => {
  const b = new BundleWriter();
  for (const h of HOSTS) b.iostat(h, 0, 1800, () => ({ util: 9, wAwait: 0.8, idle: 70 }));
  fsync(b, () => 0.004);
  // delay from 300 s to the end: 5/6 of the window, every RTT point of the slow links is high
  peerRtt(b, (from, to, s) => ((from === 'cp-2' || to === 'cp-2') && s >= 300 ? 1.6 : 0.003));
  const r = await analyse(b);
  assert.equal(r.hypotheses[0]?.cause, 'etcd-network-latency', ranked(r));
  assert.equal(r.hypotheses[0]?.culprit?.host, 'cp-2');
  assert.ok(onsetErr(r, 300) <= 15, `onset ${r.onset}`);
});
