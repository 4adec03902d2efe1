/**
 * The SignalSources of a configured Prometheus + Elasticsearch pair. Apart from sources-file.ts
 * so that reading the configuration does not load the Elasticsearch client (~0.4 s of start-up a
 * file analysis never needs): `analyze --input` imports neither, `analyze --source` loads this on
 * demand, `serve` at start.
 */
import type { SourceConfig } from './config.js';
import { createElasticsearchSource } from './elasticsearch/index.js';
import { createPrometheusSource } from './prometheus/index.js';
import type { SignalSource } from './types.js';

/** The SignalSources of one configured pair, fresh for each analysis (no cache outlives it). */
export function buildServerSources(config: Readonly<SourceConfig>): SignalSource[] {
  const out: SignalSource[] = [];
  if (config.prometheus) out.push(createPrometheusSource(config.prometheus));
  if (config.elasticsearch) out.push(createElasticsearchSource(config.elasticsearch));
  return out;
}
