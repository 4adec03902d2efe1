// Files and servers, one answer: every development bundle is analysed once from its files and once
// from a real Prometheus (its OpenMetrics, backfilled by .ci/services/prometheus.sh) plus a real
// Elasticsearch (its audit log, component logs and Events, bulk-loaded here in the presets'
// shapes), and the two Reports must agree: root cause, culprit, onset and causal chain.
//
// What each side sees. The servers hold everything the bundle holds except iostat, which nothing
// ships to Prometheus or Elasticsearch (node_exporter's disk metrics stand in for it there). So the
// strict comparison reads the bundle without its iostat folder: the same evidence through two
// paths, which must give the same Report. The whole bundle, iostat included, must still name the
// same root cause; its chain and onset may differ, iostat being evidence only one side has.
//
// The bundles' labels (label.json) give only the windows here; the answer is checked against them
// as a test oracle in a diagnostic, never by rootline code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeSignals, type Report } from '../../correlators/report/index.js';
import { classifyLog, type SignalSet } from '../../correlators/signals/index.js';
import { parseSourceConfig } from '../../server/sources/config.js';
import { fetchAll } from '../../server/sources/combine.js';
import { createElasticsearchSource } from '../../server/sources/elasticsearch/index.js';
import { readBundle } from '../../server/sources/files/index.js';
import { createPrometheusSource } from '../../server/sources/prometheus/index.js';
import { readBundleDocs, readLabel } from './helpers/bundle-docs.js';
import { caseDir, serversOrSkip } from './helpers/env.js';
import { bulkLoad, createIndex, esRequest } from './helpers/es-load.js';

const PROM_URL = process.env['PROM_URL'];
const ES_URL = process.env['ES_URL'];
const skip = serversOrSkip('equivalence tests', ['PROM_URL', 'ES_URL']);

/** One bundle per root cause of the catalogue, and the healthy one. */
const CASES = [
  'etcd-disk-latency-1-1',
  'etcd-network-latency-1-1',
  'etcd-clock-skew-1-1',
  'etcd-db-quota-1-1',
  'etcd-snapshot-compaction-1-1',
  'apiserver-inflight-saturation-1-1',
  'watch-cache-relist-storm-1-1',
  'admission-webhook-latency-1-1',
  'scheduler-throttling-1-1',
  'cpu-starvation-1-1',
  'node-memory-pressure-1-1',
  'coredns-overload-1-1',
  'image-pull-failure-1-1',
  'cni-ipam-exhaustion-1-1',
  'none-1-1',
];
// Own indexes, per process: elasticsearch.test.ts recreates its rl-it-* ones and may run at the
// same time, and so may another run of this file against the same server.
const INDEX = { audit: `rl-eq-${process.pid}-audit`, logs: `rl-eq-${process.pid}-logs`, events: `rl-eq-${process.pid}-events` };

/**
 * Onset and chain-link times may differ by this much. Prometheus answers on a 15 s evaluation grid
 * with irate over [1m]: at face value a symptom would show up to one step (15 s) late, and with
 * `rate` over the range, up to a minute. The source puts each point back at the time of the sample
 * it was computed from (prometheus/sample-times.ts), which is the timestamp the file source reads
 * from the same OpenMetrics line, and takes irate as the file source does; what is left is rounding
 * to whole milliseconds (Elasticsearch truncates the microseconds of audit and log times, the file
 * source rounds them). 1 s bounds that with room, far below the one step the grid would allow.
 */
const TIME_TOLERANCE_MS = 1000;

let scratch: string;

before(async () => {
  if (skip) return;
  scratch = mkdtempSync(path.join(os.tmpdir(), 'rl-equivalence-'));
  // The bundles' windows do not overlap, so one index per kind holds them all.
  const all = { audit: [] as Record<string, unknown>[], logs: [] as Record<string, unknown>[], events: [] as Record<string, unknown>[] };
  for (const id of CASES) {
    const d = readBundleDocs(path.join(caseDir(id), 'bundle'), readLabel(caseDir(id)).window);
    all.audit.push(...d.rawAudit);
    all.logs.push(...d.logs);
    all.events.push(...d.events);
  }
  const plan: [string, string, Record<string, unknown>[]][] = [[INDEX.audit, 'raw-audit', all.audit], [INDEX.logs, 'fluent-bit', all.logs], [INDEX.events, 'event-exporter', all.events]];
  await Promise.all(plan.map(async ([index, preset, docs]) => {
    await createIndex(ES_URL!, index, preset);
    await bulkLoad(ES_URL!, index, docs);
  }));
});

after(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (!skip) await Promise.all(Object.values(INDEX).map((index) => esRequest(ES_URL!, 'DELETE', `/${index}`)));
});

/** The bundle as the servers hold it: a copy without iostat/. */
function serverView(id: string): string {
  const dir = path.join(scratch, id);
  cpSync(path.join(caseDir(id), 'bundle'), dir, { recursive: true, filter: (src) => path.basename(src) !== 'iostat' });
  return dir;
}

async function fetchFromServers(window: { fromMs: number; toMs: number }): Promise<SignalSet> {
  const config = parseSourceConfig({ prometheus: { url: PROM_URL }, elasticsearch: { url: ES_URL, audit: { index: INDEX.audit }, logs: { index: INDEX.logs }, events: { index: INDEX.events } } }, {});
  return fetchAll([createPrometheusSource(config.prometheus!), createElasticsearchSource(config.elasticsearch!)], window);
}

const ms = (iso: string | null | undefined): number => (iso ? Date.parse(iso) : Number.NaN);
const chainText = (r: Report): string => r.chain.map((l) => `${l.symptom}@${l.at.slice(11, 19)}${l.host ? `/${l.host}` : ''}`).join(' -> ');

/**
 * Facts the component logs state, as `key component`, with their times. (Not by host: a CoreDNS
 * log names its pod, not its node, and the file source takes the pod for a host where Fluent Bit
 * would give the node.)
 */
function logFacts(set: SignalSet): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of set.logs) {
    if (r.component === 'events') continue;
    const f = classifyLog(r);
    if (!f) continue;
    const k = `${f.key} ${r.component}`;
    (out.get(k) ?? out.set(k, []).get(k)!).push(r.atMs);
  }
  return out;
}

test('files and Prometheus + Elasticsearch give the same Report, bundle by bundle', { skip }, async (t) => {
  for (const id of CASES) {
    await t.test(id, async () => {
      const { window, rootCause } = readLabel(caseDir(id));
      const fileSet = await readBundle(serverView(id), window);
      const serverSet = await fetchFromServers(window);
      for (const s of serverSet.sources) assert.equal(s.status, 'ok', `${s.sourceId}: ${s.message}`);

      // Inputs first: every fact a component log states reaches the analysis from Elasticsearch too
      // (the sparse query keeps the lines the correlators read, at any level), at the same time.
      const fromFiles = logFacts(fileSet);
      const fromEs = logFacts(serverSet);
      for (const [k, times] of fromFiles) {
        const es = fromEs.get(k) ?? [];
        assert.equal(es.length, times.length, `${k}: ${times.length} lines from files, ${es.length} from Elasticsearch`);
        const a = [...times].sort((x, y) => x - y);
        const b = [...es].sort((x, y) => x - y);
        a.forEach((tm, i) => assert.ok(Math.abs(tm - b[i]!) <= 1, `${k}: ${new Date(tm).toISOString()} vs ${new Date(b[i]!).toISOString()}`));
      }

      const files = analyzeSignals(fileSet, { nowMs: window.toMs });
      const server = analyzeSignals(serverSet, { nowMs: window.toMs });
      const f0 = files.hypotheses[0];
      const s0 = server.hypotheses[0];
      const onsetDeltaMs = ms(server.onset) - ms(files.onset);
      t.diagnostic(`${id}: files ${files.verdict} ${f0?.cause} ${files.onset}; servers ${server.verdict} ${s0?.cause} ${server.onset}; onset delta ${Number.isNaN(onsetDeltaMs) ? 'n/a' : `${onsetDeltaMs} ms`}; label (oracle) ${rootCause}`);
      t.diagnostic(`${id}: chain files   ${chainText(files)}`);
      t.diagnostic(`${id}: chain servers ${chainText(server)}`);

      assert.equal(server.verdict, files.verdict, 'verdict');
      assert.equal(s0?.cause, f0?.cause, 'root cause');
      assert.deepEqual(s0?.culprit, f0?.culprit, 'culprit');
      assert.equal(server.onset === null, files.onset === null, 'both or neither give an onset');
      if (files.onset !== null) assert.ok(Math.abs(onsetDeltaMs) <= TIME_TOLERANCE_MS, `onset ${server.onset} from servers, ${files.onset} from files`);
      assert.deepEqual(server.chain.map((l) => l.symptom), files.chain.map((l) => l.symptom), 'the same symptoms in the same order');
      server.chain.forEach((l, i) => assert.ok(Math.abs(ms(l.at) - ms(files.chain[i]!.at)) <= TIME_TOLERANCE_MS, `${l.symptom}: ${l.at} from servers, ${files.chain[i]!.at} from files`));

      // iostat is evidence only the files have: with it the answer is still the same cause.
      const whole = analyzeSignals(await readBundle(path.join(caseDir(id), 'bundle'), window), { nowMs: window.toMs });
      assert.equal(whole.verdict, server.verdict, 'verdict with iostat');
      assert.equal(whole.hypotheses[0]?.cause, s0?.cause, 'root cause with iostat');
    });
  }
});
