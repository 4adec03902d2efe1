// The Elasticsearch source through a fake of its narrow interface (`EsApi`), fed with recorded
// Elasticsearch 7.10 responses: records mapped, PIT paging and its cap, failures per index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceQueryError, SourceUnavailableError } from '../../../../correlators/errors.js';
import { parseSourceConfig } from '../../../../server/sources/config.js';
import { createElasticsearchSource, readWithPit, type EsApi } from '../../../../server/sources/elasticsearch/index.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'test', 'fixtures', 'elasticsearch');
const load = (f: string): any => JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8'));
const agg = load('audit-aggregation.json');
const logsPage = load('logs-page.json');
const eventsPage = load('events-page.json');
const window = agg.request.window as { fromMs: number; toMs: number };

const config = (extra: Record<string, unknown> = {}) =>
  parseSourceConfig({ elasticsearch: { url: 'http://es.test:9200', step: '15s', audit: { index: 'audit' }, logs: { index: 'logs' }, events: { index: 'events' }, ...extra } }, {}).elasticsearch!;

interface FakeOptions { fail?: (what: string, n: number) => Error | undefined }

/** Aggregations answer with the recording; a PIT on `logs`/`events` pages through the recorded hits two at a time. */
function fakeApi(o: FakeOptions = {}): EsApi & { log: string[] } {
  const log: string[] = [];
  const pits = new Map<string, unknown[]>();
  let n = 0;
  const check = (what: string): void => {
    log.push(what);
    const e = o.fail?.(what, ++n);
    if (e) throw e;
  };
  return {
    log,
    async search(index, body) {
      if (index !== undefined) {
        check(`search ${index}`);
        return agg.response;
      }
      const pit = (body['pit'] as { id: string }).id;
      check(`pit-search ${pit}`);
      const all = pits.get(pit)!;
      const after = body['search_after'] as number[] | undefined;
      const start = after ? after[0]! : 0;
      const size = body['size'] as number;
      const hits = all.slice(start, start + size).map((h, i) => ({ ...(h as object), sort: [start + i + 1] }));
      return { pit_id: pit, hits: { total: { value: all.length, relation: 'eq' }, hits } };
    },
    async openPointInTime(index) {
      check(`open ${index}`);
      const hits = index === 'logs' ? logsPage.hits.hits : index === 'events' ? eventsPage.hits.hits : [];
      pits.set(index, [...hits, { _index: index, _id: 'broken', _source: {} }]);
      return index;
    },
    async closePointInTime(id) {
      log.push(`close ${id}`);
    },
  };
}

test('audit aggregate, logs and events, one report per index', async () => {
  const api = fakeApi();
  const set = await createElasticsearchSource(config(), { api, sleep: async () => {} }).fetch(window);
  assert.deepEqual(set.sources.map((s) => [s.sourceId, s.format, s.status]), [
    ['elasticsearch:audit', 'elasticsearch/raw-audit', 'ok'],
    ['elasticsearch:logs', 'elasticsearch/fluent-bit', 'ok'],
    ['elasticsearch:events', 'elasticsearch/event-exporter', 'ok'],
  ]);
  assert.equal(set.audit.length, 1);
  assert.equal(set.audit[0]!.total.reduce((x, y) => x + y, 0), 20);
  const logs = set.sources[1]!;
  assert.equal(logs.records, logsPage.hits.hits.length);
  assert.equal(logs.badLines, 1, 'the hit without a time or message is counted, not thrown');
  assert.equal(logs.badSamples[0]?.file, 'logs/broken');
  const node = set.logs.find((l) => l.component === 'events' && l.fields['reason'] === 'NodeNotReady')!;
  assert.equal(node.severity, node.fields['type'] === 'Warning' ? 'warn' : 'info');
  assert.ok(typeof node.fields['lastMs'] === 'number');
  const etcd = set.logs.find((l) => l.component === 'etcd');
  if (etcd) assert.ok(etcd.host, 'container logs keep the node as host');
  assert.ok(api.log.includes('close logs') && api.log.includes('close events'), 'every point in time is closed');
});

test('PIT + search_after pages until the cap and reports what was left', async () => {
  const api = fakeApi();
  const page = await readWithPit(api, { index: 'logs', query: {}, sortField: '@timestamp', cap: 4, pageSize: 2 });
  assert.equal(page.hits.length, 4);
  assert.equal(page.total, logsPage.hits.hits.length + 1);
  assert.equal(page.capped, true);
  assert.deepEqual(api.log, ['open logs', 'pit-search logs', 'pit-search logs', 'close logs']);
  const set = await createElasticsearchSource(config({ logs: { index: 'logs', cap: 3 } }), { api: fakeApi() }).fetch(window);
  assert.deepEqual(set.sources[1]!.limits, [`logs capped at 3 of ${logsPage.hits.hits.length + 1} matching documents (raise elasticsearch.logs.cap)`]);
});

test('a rejected aggregation fails the audit report only', async () => {
  const api = fakeApi({ fail: (w) => (w === 'search audit' ? new SourceQueryError('elasticsearch', 'search audit', 'HTTP 400: search_phase_execution_exception') : undefined) });
  const set = await createElasticsearchSource(config({ retries: 2 }), { api, sleep: async () => {} }).fetch(window);
  assert.deepEqual(set.sources.map((s) => s.status), ['failed', 'ok', 'ok']);
  assert.equal(set.sources[0]!.message, 'source elasticsearch: audit aggregation on audit failed: source elasticsearch: query "search audit" failed: HTTP 400: search_phase_execution_exception');
  assert.equal(api.log.filter((l) => l === 'search audit').length, 1, 'a rejected query is not retried');
});

test('a server that goes away: retried with backoff, then every later request skipped', async () => {
  const delays: number[] = [];
  const gone = new SourceUnavailableError('elasticsearch', 'cannot reach the server for open point in time on audit: connect ECONNREFUSED');
  const api = fakeApi({ fail: (w, n) => (n > 1 ? gone : undefined) });
  const set = await createElasticsearchSource(config({ retries: 2, backoff: '50ms' }), { api, sleep: async (ms) => void delays.push(ms) }).fetch(window);
  assert.deepEqual(set.sources.map((s) => s.status), ['degraded', 'failed', 'failed']);
  assert.deepEqual(delays, [50, 100]);
  assert.equal(api.log.length, 4, 'the aggregation, then one request tried three times; logs and events not sent');
  assert.match(set.sources[2]!.message ?? '', /^source elasticsearch: reading events from events failed: source elasticsearch: cannot reach the server/);
  assert.equal(set.audit.length, 1, 'the aggregate read before is kept');
});

test('unauthorised: not retried, all reports failed', async () => {
  const denied = new SourceUnavailableError('elasticsearch', 'not authorised (HTTP 401) for search audit', { cause: { statusCode: 401 } });
  const api = fakeApi({ fail: () => denied });
  const set = await createElasticsearchSource(config(), { api, sleep: async () => {} }).fetch(window);
  assert.deepEqual(set.sources.map((s) => s.status), ['failed', 'failed', 'failed']);
  assert.equal(api.log.length, 1);
});
