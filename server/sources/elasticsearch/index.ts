/** The Elasticsearch source: audit aggregated server-side, sparse logs and events read with PIT. */
export { createElasticsearchSource, type ElasticsearchSourceDeps } from './source.js';
export { createEsApi, isRetryableEsError, toEsSourceError, type EsApi } from './client.js';
export { buildAuditAggregationBody, parseAuditAggregation, auditStepMs, LATENCY_ANNOTATIONS, SLOW_REQUEST_MS, type AuditQueryOptions } from './audit-query.js';
export { buildSparseLogQuery, buildNotableAuditQuery, buildEventQuery, SIGNATURE_PHRASES } from './sparse-query.js';
export { readWithPit, type PitPage, type PitQuery } from './pit-reader.js';
export { AUDIT_PRESET_FIELDS, LOG_PRESET_FIELDS, EVENT_PRESET_FIELDS, PRESET_MAPPINGS, resolveFields, type AuditField, type LogField, type EventField, type FieldMap } from './presets.js';
export { mapAuditSample, mapLogHit, mapEventHit, componentOf, type Hit } from './map-hits.js';
export { parseLogLine, parseKlogMessage, type ParsedLine } from './parse-log-line.js';
