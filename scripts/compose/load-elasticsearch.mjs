#!/usr/bin/env node
// docker-compose's one-shot loader: indexes a bundle's audit log (raw audit events), its etcd logs
// (Fluent Bit shape) and its Events (event-exporter shape) into Elasticsearch with rootline's
// preset mappings, so rootline's Elasticsearch source has the example incident to read.
//   node scripts/compose/load-elasticsearch.mjs BUNDLE_DIR ES_URL
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PRESET_MAPPINGS } from '../../dist/server/sources/elasticsearch/index.js';

const [bundle = '/example', es = 'http://elasticsearch:9200'] = process.argv.slice(2);
const INDEX = { audit: 'k8s-audit', logs: 'k8s-logs', events: 'k8s-events' };

async function call(method, p, body, ndjson = false) {
  const res = await fetch(`${es}${p}`, { method, headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' }, ...(body === undefined ? {} : { body: ndjson ? body : JSON.stringify(body) }) });
  const text = await res.text();
  if (res.status >= 400 && !(method === 'DELETE' && res.status === 404)) throw new Error(`${method} ${p}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text;
}

async function load(index, preset, docs) {
  await call('DELETE', `/${index}`);
  await call('PUT', `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: PRESET_MAPPINGS[preset] });
  for (let i = 0; i < docs.length; i += 2000) {
    const lines = docs.slice(i, i + 2000).flatMap((d) => ['{"index":{}}', JSON.stringify(d)]);
    const out = JSON.parse(await call('POST', `/${index}/_bulk`, `${lines.join('\n')}\n`, true));
    if (out.errors) throw new Error(`bulk into ${index}: ${JSON.stringify(out.items.find((x) => x.index?.error)?.index?.error).slice(0, 300)}`);
  }
  await call('POST', `/${index}/_refresh`);
  process.stdout.write(`loaded ${docs.length} documents into ${index} (${preset})\n`);
}

const jsonLines = (file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });

const audit = existsSync(path.join(bundle, 'audit')) ? readdirSync(path.join(bundle, 'audit')).flatMap((f) => jsonLines(path.join(bundle, 'audit', f))) : [];
const logs = readdirSync(path.join(bundle, 'logs')).filter((f) => /^etcd-.*\.log$/.test(f)).flatMap((f) => {
  const host = f.replace(/^etcd-|\.log$/g, '');
  return readFileSync(path.join(bundle, 'logs', f), 'utf8').split('\n').filter(Boolean).flatMap((log) => {
    let ts;
    try { ts = JSON.parse(log).ts; } catch { return []; }
    return typeof ts === 'string' ? [{ '@timestamp': ts, log, stream: 'stderr', kubernetes: { host, pod_name: `etcd-${host}`, namespace_name: 'kube-system', container_name: 'etcd' } }] : [];
  });
});
const eventsFile = path.join(bundle, 'events.json');
const events = existsSync(eventsFile) ? (JSON.parse(readFileSync(eventsFile, 'utf8')).items ?? []) : [];

for (let i = 0; ; i++) {
  try { await call('GET', '/_cluster/health?wait_for_status=yellow&timeout=30s'); break; } catch (err) {
    if (i >= 30) throw err;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
await load(INDEX.audit, 'raw-audit', audit);
await load(INDEX.logs, 'fluent-bit', logs);
await load(INDEX.events, 'event-exporter', events);
