// Turns an incident bundle's files into the documents real shippers would have indexed, in the
// shapes the presets expect: raw audit JSON, Filebeat/ECS audit, Fluent Bit container logs, and
// Events from an event exporter. Test and benchmark data only: timestamps are resolved simply
// (klog without a year takes the window's; journald local time is shifted by whole hours into
// the window, as a systemd input would have sent UTC).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';

export interface BundleWindow { fromMs: number; toMs: number }

export interface BundleDocs {
  rawAudit: Record<string, unknown>[];
  ecsAudit: Record<string, unknown>[];
  logs: Record<string, unknown>[];
  events: Record<string, unknown>[];
  skippedLines: number;
}

export function readLabel(caseDir: string): { id: string; window: BundleWindow; rootCause: string; onsetMs: number; culprit?: { component?: string; host?: string } } {
  const l = JSON.parse(readFileSync(path.join(caseDir, 'label.json'), 'utf8')) as { id: string; window: { from: string; to: string }; rootCause: string; onset?: string; culprit?: { component?: string; host?: string } };
  const ms = (s: string): number => DateTime.fromISO(s, { zone: 'utc' }).toMillis();
  return { id: l.id, window: { fromMs: ms(l.window.from), toMs: ms(l.window.to) }, rootCause: l.rootCause, onsetMs: l.onset ? ms(l.onset) : Number.NaN, ...(l.culprit ? { culprit: l.culprit } : {}) };
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
}

export function auditToEcs(ev: Record<string, unknown>): Record<string, unknown> {
  return { '@timestamp': ev['stageTimestamp'], event: { kind: 'event', category: ['web'] }, kubernetes: { audit: ev } };
}

/** A Fluent Bit container-log document as Filebeat (ECS, add_kubernetes_metadata) ships the same line. */
export function fluentToEcsLog(doc: Record<string, unknown>): Record<string, unknown> {
  const k = (doc['kubernetes'] ?? {}) as { host?: string; pod_name?: string; namespace_name?: string; container_name?: string };
  const kubernetes: Record<string, unknown> = { pod: { name: k.pod_name }, namespace: k.namespace_name, container: { name: k.container_name } };
  if (k.host) kubernetes['node'] = { name: k.host };
  return { '@timestamp': doc['@timestamp'], message: doc['log'], stream: doc['stream'], input: { type: 'container' }, kubernetes };
}

/** A core/v1 Event as Metricbeat's kubernetes `event` metricset indexes it. */
export function eventToMetricbeat(ev: Record<string, unknown>): Record<string, unknown> {
  const e = ev as { reason?: string; type?: string; message?: string; count?: number; firstTimestamp?: string; lastTimestamp?: string; eventTime?: string; involvedObject?: { kind?: string; name?: string; namespace?: string }; metadata?: { name?: string; namespace?: string } };
  const first = e.firstTimestamp || e.eventTime || e.lastTimestamp;
  return {
    '@timestamp': e.lastTimestamp || first,
    kubernetes: {
      event: {
        reason: e.reason,
        type: e.type,
        message: e.message,
        count: e.count,
        // events.k8s.io-style Events carry only eventTime: kept as the first occurrence, no last one
        timestamp: { first_occurrence: first, ...(e.lastTimestamp ? { last_occurrence: e.lastTimestamp } : {}) },
        involved_object: { kind: e.involvedObject?.kind, name: e.involvedObject?.name },
        metadata: { name: e.metadata?.name, namespace: e.metadata?.namespace },
      },
    },
    metricset: { module: 'kubernetes', name: 'event' },
  };
}

const KLOG_TIME = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d+)/;
const JOURNALD = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\S+) ([\w.-]+)(?:\[\d+\])?: (.*)$/;

function klogMs(text: string, year: number, offsetMs = 0): number | undefined {
  const m = KLOG_TIME.exec(text);
  if (!m) return undefined;
  const frac = Number(`0.${m[6]}`) * 1000;
  return Date.UTC(year, Number(m[1]) - 1, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) + Math.round(frac) - offsetMs;
}

/**
 * The whole-hour offset (±14 h) that puts most of a file's local wall-clock times inside the window;
 * ties go to the smallest shift. (The first line alone is ambiguous: a file that starts an hour
 * before the window fits both the right zone and the one next to it.)
 */
function hourOffset(localAsUtcMs: number[], w: BundleWindow): number {
  let best = { shift: 0, inside: -1 };
  for (let h = 0; h <= 14; h++) {
    for (const s of h === 0 ? [0] : [h, -h]) {
      const inside = localAsUtcMs.filter((t) => t - s * 3_600_000 >= w.fromMs && t - s * 3_600_000 < w.toMs).length;
      if (inside > best.inside) best = { shift: s * 3_600_000, inside };
    }
  }
  return best.shift;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The journald prefix `Nov 25 20:02:55` as if it were UTC (shifted into the window by the caller). */
function journaldMs(m: RegExpExecArray, year: number): number | undefined {
  const month = MONTHS.indexOf(m[1]!);
  return month < 0 ? undefined : Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

function zapTimeMs(line: string): number | undefined {
  try {
    const ts = (JSON.parse(line) as { ts?: unknown }).ts;
    const dt = typeof ts === 'string' ? DateTime.fromISO(ts, { zone: 'utc' }) : undefined;
    return dt?.isValid ? dt.toMillis() : undefined;
  } catch {
    return undefined;
  }
}

function logDoc(atMs: number, log: string, host: string | undefined, container: string, pod: string): Record<string, unknown> {
  const k: Record<string, unknown> = { pod_name: pod, namespace_name: 'kube-system', container_name: container };
  if (host) k['host'] = host;
  return { '@timestamp': DateTime.fromMillis(atMs, { zone: 'utc' }).toISO(), log, stream: 'stderr', kubernetes: k };
}

export function readBundleDocs(bundleDir: string, w: BundleWindow): BundleDocs {
  const out: BundleDocs = { rawAudit: [], ecsAudit: [], logs: [], events: [], skippedLines: 0 };
  const year = DateTime.fromMillis(w.fromMs, { zone: 'utc' }).year;
  const auditDir = path.join(bundleDir, 'audit');
  if (existsSync(auditDir)) {
    for (const f of readdirSync(auditDir).sort()) {
      for (const l of lines(path.join(auditDir, f))) {
        try {
          const ev = JSON.parse(l) as Record<string, unknown>;
          out.rawAudit.push(ev);
          out.ecsAudit.push(auditToEcs(ev));
        } catch {
          out.skippedLines++;
        }
      }
    }
  }
  const logDir = path.join(bundleDir, 'logs');
  if (existsSync(logDir)) {
    for (const f of readdirSync(logDir).sort()) {
      const base = f.replace(/\.log$/, '');
      const file = path.join(logDir, f);
      if (base.startsWith('etcd')) {
        const host = base.replace(/^etcd-?/, '') || undefined;
        for (const l of lines(file)) {
          try {
            const ts = (JSON.parse(l) as { ts?: string }).ts;
            const dt = ts ? DateTime.fromISO(ts, { zone: 'utc' }) : undefined;
            if (dt?.isValid) out.logs.push(logDoc(dt.toMillis(), l, host, 'etcd', `etcd-${host ?? 'x'}`));
            else out.skippedLines++;
          } catch {
            out.skippedLines++;
          }
        }
      } else if (base.startsWith('kubelet') || base.startsWith('kernel')) {
        // journald short format: the kubelet's journal, `journalctl -k` (the kernel's)
        const host = base.replace(/^(kubelet|kernel)-?/, '') || undefined;
        const parsed: { t: number; text: string; host: string | undefined; container: string }[] = [];
        for (const l of lines(file)) {
          const m = JOURNALD.exec(l);
          const payload = m?.[8];
          // the journal holds the kernel's lines too (OOM killer): a systemd input ships them as well
          const kernel = m?.[7] === 'kernel';
          const t = payload ? (kernel ? journaldMs(m!, year) : klogMs(payload, year)) : undefined;
          if (!payload || t === undefined) { out.skippedLines++; continue; }
          parsed.push({ t, text: payload, host: host ?? m?.[6], container: kernel ? 'kernel' : 'kubelet' });
        }
        const offset = hourOffset(parsed.map((p) => p.t), w);
        for (const p of parsed) out.logs.push(logDoc(p.t - offset, p.text, p.host, p.container, `${p.container}-${host ?? 'x'}`));
      } else if (base.startsWith('coredns')) {
        for (const l of lines(file)) {
          const m = /^\[pod\/([^/]+)\/([^\]]+)\] (\S+) (.*)$/.exec(l);
          const dt = m ? DateTime.fromISO(m[3]!, { zone: 'utc' }) : undefined;
          if (!m || !dt?.isValid) { out.skippedLines++; continue; }
          out.logs.push(logDoc(dt.toMillis(), m[4]!, undefined, 'coredns', m[1]!));
        }
      } else {
        let prev: Record<string, unknown> | undefined;
        for (const l of lines(file)) {
          // the kube-apiserver's embedded etcd client logs zap JSON lines among its klog ones
          const json = l.startsWith('{') ? zapTimeMs(l) : undefined;
          const t = json ?? klogMs(l, year);
          if (t === undefined) {
            // a continuation (Trace[...] lines): a multiline parser joins it to its record
            if (prev) prev['log'] = `${String(prev['log'])}\n${l}`;
            else out.skippedLines++;
            continue;
          }
          prev = logDoc(t, l, undefined, base, base);
          out.logs.push(prev);
        }
      }
    }
  }
  const eventsFile = path.join(bundleDir, 'events.json');
  if (existsSync(eventsFile)) {
    const list = JSON.parse(readFileSync(eventsFile, 'utf8')) as { items?: Record<string, unknown>[] };
    out.events.push(...(list.items ?? []));
  }
  return out;
}
