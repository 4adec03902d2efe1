// A live window's log facts, updated with what changed between analyses, must be what one pass
// over the window's records gives: the same facts in the same order, the same groups, burst
// starts, fact trains and bursts (also with clock offsets, where bursts are recalled), and the
// same topology and coverage reading. The windows slide, records arrive late between old ones,
// files vanish, etcd members and scheduler instances move between hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FactGroups, FactRecord } from '../../../correlators/anomaly/index.js';
import { AnalysisCache } from '../../../correlators/report/index.js';
import type { AuditAggregate, LogRecord, SignalSet } from '../../../correlators/signals/index.js';

const SOURCES = ['logs/etcd-cp-1.log', 'logs/etcd-cp-2.log', 'events/events.json', 'logs/kube-apiserver.log', 'logs/kubelet-w1.log'];
const MEMBERS = ['8e9e05c52164694d', '91bc3c398fb3c146', 'fd422379fda50e48'];

type Line = { message: string; fields: LogRecord['fields'] };

/** A line each source writes, by kind: most are facts, some are not, some name members or schedulers. */
function lineOf(sourceId: string, kind: number, host: string, member: string): Pick<LogRecord, 'component' | 'severity' | 'message' | 'fields'> & { host?: string } {
  if (sourceId.startsWith('logs/etcd')) {
    const lines: Line[] = [
      { message: 'slow fdatasync', fields: { took: `${1 + (kind % 3)}.2s`, 'expected-duration': '1s' } },
      { message: 'apply request took too long', fields: { took: `${200 + kind * 10}ms`, 'expected-duration': '100ms' } },
      { message: `${member} elected leader ${member} at term ${3 + (kind % 4)}`, fields: {} },
      { message: `${member} became follower at term ${3 + (kind % 4)}`, fields: {} },
      { message: 'serving client traffic insecurely', fields: { 'local-member-id': member } },
    ];
    return { component: 'etcd', severity: 'warn', host, ...lines[kind % lines.length]! };
  }
  if (sourceId.startsWith('events')) {
    const lines: Line[] = [
      { message: `Node ${host} status is now: NodeNotReady`, fields: { reason: 'NodeNotReady', type: 'Normal', objectKind: 'Node', objectName: host } },
      { message: 'Successfully assigned shop/web-1 to worker-1', fields: { reason: 'Scheduled', type: 'Normal', reportingInstance: `default-scheduler-${host}` } },
      { message: 'Readiness probe failed: HTTP probe failed with statuscode: 503', fields: { reason: 'Unhealthy', type: 'Warning', objectKind: 'Pod', objectName: 'web-1', namespace: 'shop', count: 1 + (kind % 4) } },
    ];
    return { component: 'events', severity: 'warn', ...lines[kind % lines.length]! };
  }
  if (sourceId.includes('apiserver')) {
    const lines = ['etcdserver: request timed out', 'Handler timeout', 'Trace[1735432]: "List" url:/api/v1/pods,verb:LIST (total time: 1689ms):', 'Serving securely on [::]:6443'];
    return { component: 'kube-apiserver', severity: 'error', host, message: lines[kind % lines.length]!, fields: {} };
  }
  const lines = ['Error updating node status, will retry: error getting node: etcdserver: request timed out', 'Housekeeping took longer than expected', 'Started kubelet'];
  return { component: 'kubelet', severity: 'error', host, message: lines[kind % lines.length]!, fields: kind % 3 === 1 ? { actual: '1.2s' } : {} };
}

const recordArb = fc.record({ source: fc.nat(SOURCES.length - 1), atS: fc.nat(1200), kind: fc.nat(14), host: fc.constantFrom('cp-1', 'cp-2', 'cp-3'), member: fc.nat(MEMBERS.length - 1) });

/** A step of a live session: records arrive (any time: late ones land between old ones), the window slides, a file vanishes. */
const stepArb = fc.record({ arrive: fc.array(recordArb, { maxLength: 40 }), slideS: fc.nat(120), vanish: fc.option(fc.nat(SOURCES.length - 1), { freq: 8 }), wantScheduler: fc.boolean() });

const compareRecords = (a: LogRecord, b: LogRecord) => a.atMs - b.atMs || (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0) || a.line - b.line;

function signalsOf(logs: LogRecord[], audit: AuditAggregate[]): SignalSet {
  return { window: { fromMs: 0, toMs: 1_500_000 }, logs, series: [], audit, sources: [] } as unknown as SignalSet;
}

/** The groups' observable content, for comparison. */
function view(groups: FactGroups, offsetOf: (sourceId: string) => number, correct: (i: number, atMs: number) => FactRecord) {
  const n = groups.facts.length;
  const corrected = new Array<FactRecord | undefined>(n);
  for (let i = 0; i < n; i++) {
    const atMs = groups.ownAt(i) + offsetOf(groups.sources[groups.sourceOf(i)]!);
    if (atMs >= 120_000) corrected[i] = correct(i, atMs);
  }
  return {
    facts: groups.facts.map((f) => ({ key: f.fact.key, line: f.record.line, sourceId: f.record.sourceId, atMs: f.atMs, valueMs: f.fact.valueMs })),
    starts: groups.starts(),
    trains: groups.trains((key, host) => `${key}|${host}`),
    bursts: groups.bursts(corrected),
  };
}

test('a live window updated with what changed holds what one pass over its records gives', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: -30_000, max: 30_000 }), { minLength: SOURCES.length, maxLength: SOURCES.length }), (steps, offsets) => {
      const live = new AnalysisCache(true);
      let present: LogRecord[] = [];
      let fromMs = 0;
      let line = 0;
      // audit samples: a fresh aggregate object each tick, its samples the same objects while they stay
      const samples = Array.from({ length: 6 }, (_, i) => ({ atMs: 200_000 * i, verb: 'get', resource: 'pods', code: i % 2 ? 504 : 200, latencyMs: 1500, message: i % 2 ? 'etcdserver: request timed out' : undefined, raw: `{"n":${i}}` }));
      const offsetOf = (id: string) => (id.startsWith('audit') ? 0 : offsets[SOURCES.indexOf(id)] ?? 0);
      for (const step of steps) {
        for (const a of step.arrive) {
          const sourceId = SOURCES[a.source]!;
          present.push({ atMs: a.atS * 1000, sourceId, file: sourceId, line: ++line, raw: `raw ${line}`, ...lineOf(sourceId, a.kind, a.host, MEMBERS[a.member]!) });
        }
        fromMs += step.slideS * 1000;
        present = present.filter((r) => r.atMs >= fromMs && (step.vanish === null || r.sourceId !== SOURCES[step.vanish]));
        const logs = [...present].sort(compareRecords);
        const audit = [{ sourceId: 'audit/audit.log', samples: samples.filter((s) => s.atMs >= fromMs) } as unknown as AuditAggregate];
        const signals = signalsOf(logs, audit);
        const got = live.logPass(signals, step.wantScheduler);
        const want = new AnalysisCache(false).logPass(signals, step.wantScheduler);
        assert.deepEqual(view(got.groups, offsetOf, (i, at) => got.groups.correctedAt(i, at)), view(want.groups, offsetOf, (i, at) => (at === want.groups.ownAt(i) ? want.groups.facts[i]! : { ...want.groups.facts[i]!, atMs: at })));
        assert.deepEqual(new Set(got.sourceIds), new Set(want.sourceIds));
        assert.deepEqual(new Set(got.scan.components), new Set(want.scan.components));
        assert.deepEqual(new Set(got.scan.etcdHosts), new Set(want.scan.etcdHosts));
        assert.deepEqual(got.scan.memberHosts, want.scan.memberHosts);
        assert.deepEqual(got.scan.schedulerNodes, want.scan.schedulerNodes);
      }
      const stats = live.stats().records;
      // every record classified came in once more than it left
      assert.equal(stats.classified - stats.dropped, present.length);
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('a live window classifies each record once while it stays, and recalls the bursts whose facts did not change', () => {
  const cache = new AnalysisCache(true);
  // bursts of five slow fdatasync lines every 150 s: a 5 min window holds two or three of them
  const records: LogRecord[] = Array.from({ length: 100 }, (_, i) => ({ atMs: Math.floor(i / 5) * 150_000 + (i % 5) * 1000, sourceId: SOURCES[0]!, file: SOURCES[0]!, line: i + 1, raw: '', ...lineOf(SOURCES[0]!, 0, 'cp-1', MEMBERS[0]!) }));
  let recalledBefore = 0;
  const seen = new Set<LogRecord>();
  for (let tick = 0; tick < 40; tick++) {
    // a 5 min window sliding 15 s a tick, its clock 5 s behind
    const logs = records.filter((r) => r.atMs >= tick * 15_000 && r.atMs < tick * 15_000 + 300_000);
    for (const r of logs) seen.add(r);
    const pass = cache.logPass(signalsOf(logs, []), false);
    const fresh = new AnalysisCache(false).logPass(signalsOf(logs, []), false);
    const got = pass.groups.bursts(pass.groups.facts.map((_, i) => pass.groups.correctedAt(i, pass.groups.ownAt(i) + 5000)));
    assert.deepEqual(got, fresh.groups.bursts(fresh.groups.facts.map((f) => ({ ...f, atMs: f.atMs + 5000 }))), `tick ${tick}`);
    if (tick > 0 && logs.length > 0) assert.ok(pass.groups.recalledBursts > recalledBefore || got.length === 0, `tick ${tick}: a burst that stayed whole was recalled`);
    recalledBefore = pass.groups.recalledBursts;
  }
  const s = cache.stats().records;
  assert.equal(s.classified, seen.size, 'each record classified once');
  assert.ok(s.reused > 10 * seen.size, `${s.reused} reused`);
  assert.equal(s.rescans, 0);
});
