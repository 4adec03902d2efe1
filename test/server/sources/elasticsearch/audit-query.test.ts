// The audit aggregation request and its response, on a recorded Elasticsearch 7.10 answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIT_PRESET_FIELDS, auditStepMs, buildAuditAggregationBody, parseAuditAggregation, resolveFields, type AuditQueryOptions } from '../../../../server/sources/elasticsearch/index.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'test', 'fixtures', 'elasticsearch');
const recorded = JSON.parse(readFileSync(path.join(FIXTURES, 'audit-aggregation.json'), 'utf8')) as { request: { window: { fromMs: number; toMs: number }; stepMs: number }; response: unknown };

const options = (preset: 'raw-audit' | 'ecs-filebeat', overrides: Record<string, string> = {}): AuditQueryOptions => ({
  ...recorded.request.window,
  stepMs: recorded.request.stepMs,
  fields: resolveFields(AUDIT_PRESET_FIELDS[preset], overrides),
  longRunningVerbs: ['watch'],
  topUserAgents: 5,
});

test('the request: size 0, a date_histogram on the window grid, latency by script where no field exists', () => {
  const body = buildAuditAggregationBody(options('raw-audit')) as Record<string, any>;
  assert.equal(body['size'], 0);
  assert.deepEqual(body['query'].bool.filter[0], { range: { stageTimestamp: { gte: recorded.request.window.fromMs, lt: recorded.request.window.toMs, format: 'epoch_millis' } } });
  const grid = body['aggs'].grid.date_histogram;
  assert.deepEqual(grid, { field: 'stageTimestamp', fixed_interval: '15000ms', offset: '+0ms', min_doc_count: 0, extended_bounds: { min: recorded.request.window.fromMs, max: recorded.request.window.toMs - 1 } });
  const lat = body['aggs'].grid.aggs.latency;
  assert.deepEqual(lat.filter.bool.must_not, [{ terms: { verb: ['watch'] } }], 'watch excluded from latency');
  assert.deepEqual(lat.aggs.q.percentiles.script.params, { c: 'stageTimestamp', r: 'requestReceivedTimestamp' });
  assert.deepEqual(body['aggs'].agents.terms, { field: 'userAgent', size: 5 });
  // ECS paths, and a latency field when the user maps one
  const ecs = buildAuditAggregationBody(options('ecs-filebeat', { latencyMs: 'event.duration_ms' })) as Record<string, any>;
  assert.equal(ecs['aggs'].grid.date_histogram.field, '@timestamp');
  assert.deepEqual(ecs['aggs'].grid.aggs.verbs.terms, { field: 'kubernetes.audit.verb', size: 50 });
  assert.deepEqual(ecs['aggs'].grid.aggs.latency.aggs.q.percentiles, { field: 'event.duration_ms', percents: [50, 99], hdr: { number_of_significant_value_digits: 2 } });
});

test('the grid is offset to start at the window start', () => {
  const body = buildAuditAggregationBody({ ...options('raw-audit'), fromMs: 1_000_012_000, toMs: 1_000_072_000 }) as Record<string, any>;
  assert.equal(body['aggs'].grid.date_histogram.offset, '+7000ms');
});

test('auditStepMs follows the file source: 1 s up to 2 h, then 7200 buckets', () => {
  assert.equal(auditStepMs(0, 30 * 60_000), 1000);
  assert.equal(auditStepMs(0, 2 * 3_600_000), 1000);
  assert.equal(auditStepMs(0, 24 * 3_600_000), 12_000);
});

test('the recorded response becomes an AuditAggregate on the grid', () => {
  const { aggregate: a, total } = parseAuditAggregation(recorded.response, options('raw-audit'), 'elasticsearch:rl-it-audit-raw');
  assert.equal(total, 20);
  assert.equal(a.fromMs, recorded.request.window.fromMs);
  assert.equal(a.total.length, 4);
  assert.equal(a.total.reduce((x, y) => x + y, 0), 20);
  for (const counts of [...Object.values(a.byVerb), ...Object.values(a.byCode)]) assert.equal(counts.length, 4);
  assert.equal(Object.values(a.byVerb).reduce((n, c) => n + c.reduce((x, y) => x + y, 0), 0), 20, 'every request has one verb');
  assert.ok(a.latencyP99Ms.every((v, i) => Number.isNaN(v) === (a.total[i] === 0) || !Number.isNaN(v)));
  assert.ok(a.topUserAgents.length > 0 && a.topUserAgents[0]!.requests >= a.topUserAgents.at(-1)!.requests);
  assert.ok(Object.keys(a.latencyAnnotations).every((k) => !k.startsWith('apiserver.latency')), 'annotation names without their prefix');
});

test('a response without aggregations gives empty counts, not an exception', () => {
  const { aggregate: a, total } = parseAuditAggregation({ hits: { total: 0 } }, options('raw-audit'), 'x');
  assert.equal(total, 0);
  assert.deepEqual(a.total, [0, 0, 0, 0]);
  assert.ok(a.latencyP50Ms.every(Number.isNaN));
});
