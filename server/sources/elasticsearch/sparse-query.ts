/**
 * The server-side filters of the sparse reads: from container logs only the lines a correlator can
 * use (warnings and errors, and the known signatures of DOMAIN.md at any level), from audit only
 * the notable requests, from events the ones overlapping the window.
 */
import { auditBaseFilter, slowerThan, SLOW_REQUEST_MS } from './audit-query.js';
import type { AuditField, EventField, FieldMap, LogField } from './presets.js';

/**
 * Phrases of the messages the analysis reasons about, matched at any level.
 * @see ../../../correlators/signals/classify.ts for the rules they feed
 */
export const SIGNATURE_PHRASES = [
  'took too long', 'slow fdatasync', 'heartbeat', 'election', 'elected leader', 'became leader', 'lost leader', 'leader changed',
  'clock difference', 'clock drift', 'database space exceeded', 'NOSPACE', 'alarm', 'defragment', 'compaction', 'snapshot',
  'request timed out', 'context deadline exceeded', 'Handler timeout', 'too old resource version', 'Throttling request',
  'failed to renew lease', 'leaderelection lost', 'error retrieving resource lock', 'Failed to update lock', 'successfully acquired lease',
  'NotReady', 'not ready', 'NodeNotReady', 'node status', 'PLEG', 'evict', 'MemoryPressure', 'OOM', 'out of memory',
  'ImagePull', 'ErrImagePull', 'pulling image', 'failed to allocate', 'no IP addresses available', 'FailedCreatePodSandBox',
  'webhook', 'i/o timeout', 'SERVFAIL',
];

/** zap JSON levels worth reading, as the standard analyzer sees `"level":"warn"`. */
const ZAP_LEVEL_PHRASES = ['level warn', 'level error', 'level fatal', 'level panic', 'level dpanic'];

function windowRange(field: string, fromMs: number, toMs: number): Record<string, unknown> {
  return { range: { [field]: { gte: fromMs, lt: toMs, format: 'epoch_millis' } } };
}

export function buildSparseLogQuery(fromMs: number, toMs: number, fields: FieldMap<LogField>): Record<string, unknown> {
  const msg = fields.message ?? 'message';
  const should: Record<string, unknown>[] = [
    ...SIGNATURE_PHRASES.map((p) => ({ match_phrase: { [msg]: p } })),
    ...ZAP_LEVEL_PHRASES.map((p) => ({ match_phrase: { [msg]: p } })),
    // klog header token `E0509` / `W0509` / `F0509` (severity letter + month and day), lower-cased by the analyzer
    { regexp: { [msg]: '[ewf][0-9]{4}' } },
    // CoreDNS `[ERROR]` / `[WARNING]`
    { match_phrase: { [msg]: 'ERROR plugin' } },
    { match_phrase: { [msg]: 'WARNING plugin' } },
  ];
  if (fields.level) should.push({ terms: { [fields.level]: ['warn', 'warning', 'error', 'fatal', 'panic', 'critical', 'WARN', 'WARNING', 'ERROR', 'FATAL'] } });
  return { bool: { filter: [windowRange(fields.timestamp ?? '@timestamp', fromMs, toMs)], should, minimum_should_match: 1 } };
}

export function buildNotableAuditQuery(fromMs: number, toMs: number, fields: FieldMap<AuditField>, longRunningVerbs: readonly string[]): Record<string, unknown> {
  const should: Record<string, unknown>[] = [];
  if (fields.code) should.push({ range: { [fields.code]: { gte: 500 } } }, { terms: { [fields.code]: [429, 410] } });
  const slow: Record<string, unknown> = { bool: { filter: [slowerThan(fields, SLOW_REQUEST_MS)] } };
  if (fields.verb && longRunningVerbs.length > 0) (slow['bool'] as Record<string, unknown>)['must_not'] = [{ terms: { [fields.verb]: [...longRunningVerbs] } }];
  should.push(slow);
  return { bool: { filter: auditBaseFilter({ fromMs, toMs, fields }), should, minimum_should_match: 1 } };
}

/** Events whose [first, last] overlaps the window. */
export function buildEventQuery(fromMs: number, toMs: number, fields: FieldMap<EventField>): Record<string, unknown> {
  const first = fields.timestamp ?? 'firstTimestamp';
  const last = fields.lastTimestamp ?? first;
  const should: Record<string, unknown>[] = [windowRange(first, fromMs, toMs), windowRange(last, fromMs, toMs)];
  if (fields.eventTime) should.push(windowRange(fields.eventTime, fromMs, toMs));
  return { bool: { should, minimum_should_match: 1 } };
}
