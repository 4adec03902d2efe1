/**
 * Reads the documents of a sparse query one page at a time with a point in time and search_after,
 * up to a cap, so a busy index cannot flood memory; says how many matched beyond the cap.
 * @see https://www.elastic.co/guide/en/elasticsearch/reference/7.10/paginate-search-results.html#search-after
 */
import type { EsApi } from './client.js';

export interface PitPage {
  hits: unknown[];
  /** Documents matching the query (exact: track_total_hits on the first page). */
  total: number;
  capped: boolean;
}

export interface PitQuery {
  index: string;
  query: Record<string, unknown>;
  /** Time field to sort on, ascending; `_doc` breaks ties within a shard (7.10 has no `_shard_doc`). */
  sortField: string;
  cap: number;
  pageSize?: number;
  keepAlive?: string;
  /** Only these `_source` fields, when given. */
  sourceFields?: string[];
}

export async function readWithPit(api: EsApi, q: PitQuery): Promise<PitPage> {
  const keepAlive = q.keepAlive ?? '1m';
  const pageSize = Math.max(1, Math.min(q.pageSize ?? 1000, q.cap));
  let pitId = await api.openPointInTime(q.index, keepAlive);
  const hits: unknown[] = [];
  let total = 0;
  let searchAfter: unknown[] | undefined;
  try {
    for (let page = 0; hits.length < q.cap; page++) {
      const body: Record<string, unknown> = {
        size: Math.min(pageSize, q.cap - hits.length),
        query: q.query,
        sort: [{ [q.sortField]: 'asc' }, { _doc: 'asc' }],
        pit: { id: pitId, keep_alive: keepAlive },
        track_total_hits: page === 0,
      };
      if (q.sourceFields) body['_source'] = q.sourceFields;
      if (searchAfter) body['search_after'] = searchAfter;
      const res = (await api.search(undefined, body)) as { pit_id?: string; hits?: { total?: { value?: number } | number; hits?: { sort?: unknown[] }[] } };
      if (typeof res.pit_id === 'string') pitId = res.pit_id;
      if (page === 0) {
        const t = res.hits?.total;
        total = typeof t === 'number' ? t : t?.value ?? 0;
      }
      const pageHits = res.hits?.hits ?? [];
      hits.push(...pageHits);
      const last = pageHits[pageHits.length - 1];
      if (pageHits.length < (body['size'] as number) || !last?.sort) break;
      searchAfter = last.sort;
    }
  } finally {
    await api.closePointInTime(pitId);
  }
  total = Math.max(total, hits.length);
  return { hits, total, capped: total > hits.length };
}
