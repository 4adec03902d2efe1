/**
 * The server-side filters of the sparse reads: from container logs only the lines a correlator can
 * use (warnings and errors, and the known signatures of DOMAIN.md at any level), from audit only
 * the notable requests, from events the ones overlapping the window.
 */
import { auditBaseFilter, slowerThan, SLOW_REQUEST_MS } from './audit-query.js';
import type { AuditField, EventField, FieldMap, LogField } from './presets.js';

/**
 * Phrases of the messages the analysis reasons about, matched at any level: every rule of
 * classify.ts that fires on an info line needs one here, or the line is never read (warnings and
 * errors come anyway). Phrases match whole words of the standard analyzer, which does not stem:
 * `evict` does not find `evicted`, so each inflection the components write is listed.
 * @see ../../../correlators/signals/classify.ts for the rules they feed
 */
export const SIGNATURE_PHRASES = [
  // etcd
  'took too long', 'slow fdatasync', 'sync duration', 'request stats', 'heartbeat', 'election', 'elected leader', 'became leader', 'lost leader',
  'changed leader', 'no leader', 'leader changed', 'read index', 'clock difference', 'clock drift', 'unhealthy status', 'streaming connection',
  'peer became inactive', 'dropped internal Raft message', 'database space exceeded', 'NOSPACE', 'alarm', 'defragment', 'defragmenting',
  'compaction', 'snapshot',
  // kube-apiserver: slow-request traces, watch cache, restarts
  'total time', 'request timed out', 'context deadline exceeded', 'Handler timeout', 'too old resource version', 'Terminating all watchers',
  'Forcing watcher close', 'external host was not specified', 'Serving securely on', 'Starting Kubernetes API server',
  // controllers and scheduler
  'client-side throttling', 'Throttling request', 'failed to renew lease', 'leaderelection lost', 'stopped leading', 'lost lease',
  'error retrieving resource lock', 'Failed to update lock', 'successfully acquired lease', 'ScalingReplicaSet',
  // kubelet and nodes
  'NotReady', 'not ready', 'NodeNotReady', 'node status', 'update lease', 'PLEG', 'evict', 'evicted', 'eviction', 'MemoryPressure', 'OOM',
  'out of memory', 'Housekeeping took longer', 'Kubelet version', 'main sync loop', 'CrashLoopBackOff', 'ImagePull', 'ErrImagePull',
  'ImagePullBackOff', 'pulling image', 'pull image', 'failed to allocate', 'no IP addresses available', 'ipam', 'range set',
  'failed to assign an IP', 'FailedCreatePodSandBox',
  // admission, DNS
  'webhook', 'i/o timeout', 'SERVFAIL', 'took more than',
];

/** `Version: v1.29.4`, the first line of a starting kube-apiserver (the standard analyzer keeps `v1.29.4` one token). */
const VERSION_LINE = (msg: string): Record<string, unknown> => ({ bool: { filter: [{ match: { [msg]: 'version' } }, { regexp: { [msg]: 'v[0-9]+\\.[0-9]+\\.[0-9]+' } }] } });

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
    VERSION_LINE(msg),
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
