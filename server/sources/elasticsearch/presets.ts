/**
 * Field presets: where each logical field lives in what people really ship to Elasticsearch.
 * Users override single fields in config (`fields`). The `*_MAPPINGS` are the index mappings the
 * presets assume (keyword for terms aggregations, date for ranges); tests and the benchmark load
 * data with them.
 */
import type { AUDIT_PRESETS, EVENT_PRESETS, LOG_PRESETS } from '../config.js';

export type AuditField = 'timestamp' | 'received' | 'completed' | 'verb' | 'code' | 'userAgent' | 'username' | 'resource' | 'namespace' | 'stage' | 'message' | 'annotations' | 'latencyMs';
export type LogField = 'timestamp' | 'message' | 'host' | 'container' | 'pod' | 'namespace' | 'level';
export type EventField = 'timestamp' | 'lastTimestamp' | 'eventTime' | 'reason' | 'type' | 'message' | 'objectKind' | 'objectName' | 'namespace' | 'count' | 'host' | 'reportingComponent';

/** A logical field may be absent (`undefined`): e.g. no latency field, so it is computed. */
export type FieldMap<F extends string> = Partial<Record<F, string>>;

/**
 * `raw-audit`: audit.k8s.io/v1 Event JSON indexed as-is (a log shipper reading the audit file).
 * @see https://kubernetes.io/docs/reference/config-api/apiserver-audit.v1/#audit-k8s-io-v1-Event
 */
const RAW_AUDIT: FieldMap<AuditField> = {
  timestamp: 'stageTimestamp',
  received: 'requestReceivedTimestamp',
  completed: 'stageTimestamp',
  verb: 'verb',
  code: 'responseStatus.code',
  userAgent: 'userAgent',
  username: 'user.username',
  resource: 'objectRef.resource',
  namespace: 'objectRef.namespace',
  stage: 'stage',
  message: 'responseStatus.message',
  annotations: 'annotations',
};

/**
 * `ecs-filebeat`: the audit event under `kubernetes.audit.*` with `@timestamp`, as Filebeat /
 * Elastic Agent's Kubernetes audit-logs integration ships it.
 * @see https://docs.elastic.co/integrations/kubernetes/audit-logs
 */
const ECS_AUDIT: FieldMap<AuditField> = {
  timestamp: '@timestamp',
  received: 'kubernetes.audit.requestReceivedTimestamp',
  completed: 'kubernetes.audit.stageTimestamp',
  verb: 'kubernetes.audit.verb',
  code: 'kubernetes.audit.responseStatus.code',
  userAgent: 'kubernetes.audit.userAgent',
  username: 'kubernetes.audit.user.username',
  resource: 'kubernetes.audit.objectRef.resource',
  namespace: 'kubernetes.audit.objectRef.namespace',
  stage: 'kubernetes.audit.stage',
  message: 'kubernetes.audit.responseStatus.message',
  annotations: 'kubernetes.audit.annotations',
};

/**
 * `fluent-bit`: container logs with the kubernetes filter's metadata (Fluentd's
 * kubernetes_metadata plugin writes the same names); the raw line is in `log`.
 * @see https://docs.fluentbit.io/manual/pipeline/filters/kubernetes
 */
const FLUENT_BIT: FieldMap<LogField> = {
  timestamp: '@timestamp',
  message: 'log',
  host: 'kubernetes.host',
  container: 'kubernetes.container_name',
  pod: 'kubernetes.pod_name',
  namespace: 'kubernetes.namespace_name',
  level: 'level',
};

/**
 * `ecs-filebeat` (logs): container logs as Filebeat's container input with the Kubernetes
 * autodiscover provider / add_kubernetes_metadata processor ships them (ECS `message`,
 * `kubernetes.*` metadata, `log.level` when a processor parsed it).
 * @see https://www.elastic.co/guide/en/beats/filebeat/7.10/add-kubernetes-metadata.html
 */
const FILEBEAT_LOGS: FieldMap<LogField> = {
  timestamp: '@timestamp',
  message: 'message',
  host: 'kubernetes.node.name',
  container: 'kubernetes.container.name',
  pod: 'kubernetes.pod.name',
  namespace: 'kubernetes.namespace',
  level: 'log.level',
};

/**
 * `metricbeat`: Events as Metricbeat's kubernetes module (`event` metricset) indexes them, under
 * `kubernetes.event.*`. It does not carry the reporting host (`source.host`): override `host` in
 * `fields` where a pipeline adds it.
 * @see https://www.elastic.co/guide/en/beats/metricbeat/7.10/metricbeat-metricset-kubernetes-event.html
 */
const METRICBEAT_EVENTS: FieldMap<EventField> = {
  timestamp: 'kubernetes.event.timestamp.first_occurrence',
  lastTimestamp: 'kubernetes.event.timestamp.last_occurrence',
  reason: 'kubernetes.event.reason',
  type: 'kubernetes.event.type',
  message: 'kubernetes.event.message',
  objectKind: 'kubernetes.event.involved_object.kind',
  objectName: 'kubernetes.event.involved_object.name',
  namespace: 'kubernetes.event.metadata.namespace',
  count: 'kubernetes.event.count',
};

/**
 * `event-exporter`: core/v1 Event objects as event exporters (kubernetes-event-exporter,
 * eventrouter) index them.
 * @see https://github.com/resmoio/kubernetes-event-exporter
 */
const EVENT_EXPORTER: FieldMap<EventField> = {
  timestamp: 'firstTimestamp',
  lastTimestamp: 'lastTimestamp',
  eventTime: 'eventTime',
  reason: 'reason',
  type: 'type',
  message: 'message',
  objectKind: 'involvedObject.kind',
  objectName: 'involvedObject.name',
  namespace: 'involvedObject.namespace',
  count: 'count',
  host: 'source.host',
  reportingComponent: 'source.component',
};

export const AUDIT_PRESET_FIELDS: Record<(typeof AUDIT_PRESETS)[number], FieldMap<AuditField>> = { 'raw-audit': RAW_AUDIT, 'ecs-filebeat': ECS_AUDIT };
export const LOG_PRESET_FIELDS: Record<(typeof LOG_PRESETS)[number], FieldMap<LogField>> = { 'fluent-bit': FLUENT_BIT, 'ecs-filebeat': FILEBEAT_LOGS };
export const EVENT_PRESET_FIELDS: Record<(typeof EVENT_PRESETS)[number], FieldMap<EventField>> = { 'event-exporter': EVENT_EXPORTER, metricbeat: METRICBEAT_EVENTS };

/** Preset fields with the user's overrides; an override of `""` removes a field. */
export function resolveFields<F extends string>(preset: FieldMap<F>, overrides: Readonly<Record<string, string>>): FieldMap<F> {
  const out: FieldMap<F> = { ...preset };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === '') delete out[k as F];
    else out[k as F] = v;
  }
  return out;
}

type Mapping = { properties: Record<string, unknown> };
const kw = { type: 'keyword' } as const;
const date = { type: 'date' } as const;

const auditEventProperties = {
  auditID: kw,
  stage: kw,
  verb: kw,
  requestURI: { type: 'keyword', ignore_above: 1024 },
  userAgent: kw,
  user: { properties: { username: kw } },
  objectRef: { properties: { resource: kw, namespace: kw, name: kw } },
  responseStatus: { properties: { code: { type: 'integer' }, message: { type: 'text' } } },
  requestReceivedTimestamp: date,
  stageTimestamp: date,
  // annotation names contain dots: keep them as flattened-free keywords under one object
  annotations: { type: 'object', dynamic: true },
};

/**
 * Index mappings each preset expects (what an index template would give in production), by preset
 * name; the `ecs-filebeat` log preset's is `ecs-filebeat-logs` (`ecs-filebeat` is the audit one).
 */
export const PRESET_MAPPINGS: Record<string, Mapping> = {
  'raw-audit': { properties: auditEventProperties },
  'ecs-filebeat': { properties: { '@timestamp': date, kubernetes: { properties: { audit: { properties: auditEventProperties } } } } },
  'fluent-bit': {
    properties: {
      '@timestamp': date,
      log: { type: 'text' },
      level: kw,
      stream: kw,
      kubernetes: { properties: { host: kw, pod_name: kw, namespace_name: kw, container_name: kw } },
    },
  },
  'ecs-filebeat-logs': {
    properties: {
      '@timestamp': date,
      message: { type: 'text' },
      log: { properties: { level: kw } },
      stream: kw,
      host: { properties: { name: kw } },
      kubernetes: { properties: { node: { properties: { name: kw } }, pod: { properties: { name: kw } }, namespace: kw, container: { properties: { name: kw } } } },
    },
  },
  metricbeat: {
    properties: {
      '@timestamp': date,
      kubernetes: {
        properties: {
          event: {
            properties: {
              timestamp: { properties: { first_occurrence: date, last_occurrence: date } },
              reason: kw,
              type: kw,
              message: { type: 'text' },
              count: { type: 'integer' },
              involved_object: { properties: { kind: kw, name: kw } },
              metadata: { properties: { name: kw, namespace: kw } },
            },
          },
        },
      },
    },
  },
  'event-exporter': {
    properties: {
      firstTimestamp: date,
      lastTimestamp: date,
      eventTime: date,
      reason: kw,
      type: kw,
      message: { type: 'text' },
      count: { type: 'integer' },
      involvedObject: { properties: { kind: kw, name: kw, namespace: kw } },
      source: { properties: { host: kw, component: kw } },
    },
  },
};
