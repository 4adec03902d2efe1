// The circuit breaker of a server-backed source: opens after N fetches in a row where every part
// failed, answers at once while open (a failed report saying when it is retried), lets one trial
// through after the cooldown, and is shared by name across sources built afresh per analysis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalSet, SourceReport } from '../../../correlators/signals/index.js';
import { createCircuitBreakers, withCircuitBreaker } from '../../../server/ops/index.js';
import type { SignalSource } from '../../../server/sources/types.js';

const W = { fromMs: 0, toMs: 60_000 };

function fakeSource(name: string, statuses: SourceReport['status'][]): SignalSource & { calls: number } {
  const s = {
    name,
    evidence: ['metrics'] as const,
    calls: 0,
    async fetch(): Promise<SignalSet> {
      const status = statuses[Math.min(s.calls++, statuses.length - 1)]!;
      return { window: W, logs: [], series: [], audit: [], sources: [{ sourceId: name, format: 'prometheus', status, message: `${name} ${status}`, lines: 0, records: 0, badLines: 0, badSamples: [], bytes: 0 }] };
    },
  };
  return s;
}

test('opens after repeated failures, short-circuits, retries after the cooldown, closes on success', async () => {
  let now = 0;
  const source = fakeSource('prometheus', ['failed', 'failed', 'failed', 'ok']);
  const opened: string[] = [];
  const b = withCircuitBreaker(source, { failureThreshold: 2, cooldownMs: 30_000, nowMs: () => now, onOpen: (s) => opened.push(s) });
  await b.fetch(W);
  assert.equal(b.state, 'closed');
  await b.fetch(W);
  assert.equal(b.state, 'open');
  const skipped = await b.fetch(W);
  assert.equal(source.calls, 2, 'not queried while open');
  assert.deepEqual(skipped.sources.map((s) => [s.format, s.status, s.message, s.evidence]), [
    ['circuit-breaker', 'failed', 'source prometheus: circuit open since 1970-01-01T00:00:00Z, not queried: it failed 2 times in a row (last: prometheus failed); tried again after 1970-01-01T00:00:30Z; analysed without it', ['metrics']],
  ]);
  assert.deepEqual(b.evidence, ['metrics'], 'the wrapped source keeps its evidence kinds');
  now = 30_000;
  assert.equal(b.state, 'half-open');
  await b.fetch(W);
  assert.equal(source.calls, 3, 'one trial');
  assert.equal(b.state, 'open', 'the trial failed: open again');
  now = 45_000;
  assert.match((await b.fetch(W)).sources[0]?.message ?? '', /open since 1970-01-01T00:00:00Z, .* 3 times .*after 1970-01-01T00:01:00Z/, 'still open since the first opening');
  now = 60_000;
  await b.fetch(W);
  assert.equal(b.state, 'closed', 'the trial succeeded');
  assert.deepEqual(opened, ['prometheus'], 'told once, when it opened');
});

test('a degraded fetch is not a failure; a cancelled one says nothing', async () => {
  const b = withCircuitBreaker(fakeSource('es', ['degraded']), { failureThreshold: 1, cooldownMs: 1000 });
  await b.fetch(W);
  assert.equal(b.state, 'closed');
  const c = withCircuitBreaker(fakeSource('es', ['failed']), { failureThreshold: 1, cooldownMs: 1000 });
  await c.fetch(W, { signal: AbortSignal.abort() });
  assert.equal(c.state, 'closed');
});

test('breakers by name: fresh sources per analysis share one state', async () => {
  const breakers = createCircuitBreakers({ failureThreshold: 2, cooldownMs: 60_000 });
  await breakers.wrap(fakeSource('prometheus', ['failed'])).fetch(W);
  await breakers.wrap(fakeSource('prometheus', ['failed'])).fetch(W);
  const third = fakeSource('prometheus', ['ok']);
  const set = await breakers.wrap(third).fetch(W);
  assert.equal(third.calls, 0);
  assert.equal(set.sources[0]?.format, 'circuit-breaker');
  assert.equal(breakers.wrap(fakeSource('elasticsearch', ['ok'])).state, 'closed', 'another name has its own state');
  assert.equal(breakers.wrap(fakeSource('prometheus', ['ok']), 'staging').state, 'closed', 'so has the same name in another pair');
  assert.deepEqual(breakers.snapshot().map((c) => [c.key, c.state]), [['prometheus', 'open'], ['elasticsearch', 'closed'], ['staging/prometheus', 'closed']]);
});

test('a fetch that throws counts as a failure and is rethrown', async () => {
  const b = withCircuitBreaker({ name: 'p', async fetch() { throw new Error('boom'); } }, { failureThreshold: 1, cooldownMs: 1000, nowMs: () => 0 });
  await assert.rejects(b.fetch(W), /boom/);
  assert.equal(b.state, 'open');
  assert.match((await b.fetch(W)).sources[0]?.message ?? '', /last: boom/);
});
