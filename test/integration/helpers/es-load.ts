// Bulk-loads documents into a real Elasticsearch with the presets' mappings (plain fetch: the
// loader is test scaffolding, the source under test uses the official client).
import { PRESET_MAPPINGS } from '../../../server/sources/elasticsearch/index.js';

export async function esRequest(esUrl: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${esUrl}${p}`, {
    method,
    headers: { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = text;
  try { json = JSON.parse(text); } catch { /* plain text */ }
  return { status: res.status, json };
}

/** (Re)creates `index` with the preset's mapping, one shard, no replica. */
export async function createIndex(esUrl: string, index: string, preset: string): Promise<void> {
  await esRequest(esUrl, 'DELETE', `/${index}`);
  const r = await esRequest(esUrl, 'PUT', `/${index}`, { settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' }, mappings: PRESET_MAPPINGS[preset] });
  if (r.status !== 200) throw new Error(`create index ${index}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
}

export async function bulkLoad(esUrl: string, index: string, docs: Iterable<Record<string, unknown>>, chunk = 5000): Promise<number> {
  let n = 0;
  let buf: string[] = [];
  const flush = async (): Promise<void> => {
    if (buf.length === 0) return;
    const r = await esRequest(esUrl, 'POST', `/${index}/_bulk`, buf.join('\n') + '\n');
    const j = r.json as { errors?: boolean; items?: { index?: { error?: unknown } }[] };
    if (r.status !== 200 || j.errors) {
      const first = j.items?.find((i) => i.index?.error)?.index?.error;
      throw new Error(`bulk into ${index}: HTTP ${r.status} ${JSON.stringify(first ?? r.json).slice(0, 300)}`);
    }
    buf = [];
  };
  for (const d of docs) {
    buf.push('{"index":{}}', JSON.stringify(d));
    n++;
    if (buf.length >= chunk * 2) await flush();
  }
  await flush();
  await esRequest(esUrl, 'POST', `/${index}/_refresh`);
  await esRequest(esUrl, 'PUT', `/${index}/_settings`, { index: { refresh_interval: '1s' } });
  return n;
}
