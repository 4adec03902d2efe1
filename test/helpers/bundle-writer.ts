// Writes small incident bundles in the components' real formats (etcd zap JSON, klog, journald,
// iostat -x -t, kubectl events JSON, OpenMetrics, audit JSON lines) for mechanism tests.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';

export const T0 = DateTime.fromISO('2026-11-20T10:00:00Z', { zone: 'utc' }).toMillis();
export const WINDOW = { fromMs: T0, toMs: T0 + 30 * 60_000 };
export const at = (sec: number) => T0 + sec * 1000;
const dt = (ms: number) => DateTime.fromMillis(ms, { zone: 'utc' });

export class BundleWriter {
  readonly dir: string;
  /** Lines per file as (time, render): clocks can be skewed per file when writing. */
  private files = new Map<string, { ms: number; render: (ms: number) => string }[]>();
  private events: { ms: number; render: (ms: number) => object }[] = [];
  private metrics = new Map<string, { type: string; lines: string[] }>();

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'rootline-fixture-'));
  }

  private add(file: string, line: string | ((ms: number) => string), ms = 0) {
    const l = this.files.get(file) ?? [];
    l.push({ ms, render: typeof line === 'string' ? () => line : line });
    this.files.set(file, l);
  }

  /** etcd 3.5 zap JSON line. */
  etcd(host: string, ms: number, level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}, caller = 'etcdserver/server.go:1') {
    this.add(`logs/etcd-${host}.log`, (t) => JSON.stringify({ level, ts: dt(t).toISO({ includeOffset: false }) + 'Z', caller, msg, ...fields }), ms);
  }

  /** klog line of a control-plane component (no year). */
  klog(component: 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler', ms: number, sev: 'I' | 'W' | 'E', msg: string, file = 'x.go:1') {
    this.add(`logs/${component}.log`, (t) => `${sev}${dt(t).toFormat('MMdd HH:mm:ss.SSS')}000       1 ${file}] ${msg}`, ms);
  }

  /** kubelet line through journald (UTC here). */
  kubelet(host: string, ms: number, sev: 'I' | 'W' | 'E', msg: string, file = 'kubelet.go:1') {
    this.add(`logs/kubelet-${host}.log`, (t) => `${dt(t).toFormat('LLL dd HH:mm:ss')} ${host} kubelet[812]: ${sev}${dt(t).toFormat('MMdd HH:mm:ss.SSS')}000     812 ${file}] ${msg}`, ms);
  }

  kernel(host: string, ms: number, msg: string) {
    this.add(`logs/kernel-${host}.log`, (t) => `${dt(t).toFormat('LLL dd HH:mm:ss')} ${host} kernel: ${msg}`, ms);
  }

  coredns(ms: number, pod: string, msg: string) {
    this.add('logs/coredns.log', (t) => `[pod/${pod}/coredns] ${dt(t).toISO({ includeOffset: false })}000000Z ${msg}`, ms);
  }

  /** A v1 Event as `kubectl get events -o json` prints it. */
  event(ms: number, reason: string, message: string, obj: { kind: string; name: string; namespace?: string }, opts: { type?: string; host?: string; component?: string; count?: number } = {}) {
    this.events.push({ ms, render: (t) => { const ts = dt(t).toISO({ suppressMilliseconds: true }); return {
      apiVersion: 'v1', kind: 'Event', count: opts.count ?? 1, eventTime: null, firstTimestamp: ts, lastTimestamp: ts, message, reason, type: opts.type ?? 'Warning',
      involvedObject: { kind: obj.kind, name: obj.name, ...(obj.namespace ? { namespace: obj.namespace } : {}) },
      metadata: { name: `${obj.name}.${ms}`, namespace: obj.namespace ?? 'default', creationTimestamp: ts },
      source: { component: opts.component ?? 'kubelet', ...(opts.host ? { host: opts.host } : {}) },
      reportingComponent: opts.component ?? 'kubelet', reportingInstance: opts.host ?? '',
    }; } });
  }

  /** iostat -x -t reports every 5 s for [fromSec, toSec) with a value function. */
  iostat(host: string, fromSec: number, toSec: number, f: (sec: number) => { util: number; wAwait: number; idle: number; iowait?: number }) {
    const file = `iostat/${host}.txt`;
    this.add(file, (t) => `Linux 6.1.0-18-amd64 (${host}) \t${dt(t).toFormat('MM/dd/yy')} \t_x86_64_\t(8 CPU)`, at(fromSec));
    this.add(file, '');
    for (let s = fromSec; s < toSec; s += 5) {
      const v = f(s);
      const iow = v.iowait ?? 0.2;
      const user = Math.max(0, 100 - v.idle - iow - 5);
      this.add(file, (t) => dt(t).toFormat('MM/dd/yy HH:mm:ss'), at(s));
      this.add(file, 'avg-cpu:  %user   %nice %system %iowait  %steal   %idle');
      this.add(file, `          ${user.toFixed(2)}    0.00    5.00    ${iow.toFixed(2)}    0.00   ${v.idle.toFixed(2)}`);
      this.add(file, '');
      this.add(file, 'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util');
      this.add(file, `vdb              0.12      1.95     0.00   0.00    0.32    16.00   63.84    919.83     2.23   3.37 ${v.wAwait.toFixed(2).padStart(8)}    14.41    0.00      0.00     0.00   0.00    0.00     0.00   30.64    0.87    0.09 ${v.util.toFixed(2).padStart(6)}`);
      this.add(file, '');
    }
  }

  /** An OpenMetrics gauge sample. */
  gauge(name: string, labels: Record<string, string>, ms: number, value: number) {
    const m = this.metrics.get(name) ?? { type: 'gauge', lines: [] };
    m.lines.push(`${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${value} ${(ms / 1000).toFixed(3)}`);
    this.metrics.set(name, m);
  }

  /**
   * A cumulative OpenMetrics histogram scraped every `stepSec` over [fromSec, toSec): `observe(sec)`
   * gives the value of the `perStep` observations made in the step before each scrape.
   */
  histogram(family: string, labels: Record<string, string>, fromSec: number, toSec: number, stepSec: number, perStep: number, observe: (sec: number) => number) {
    const les = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192];
    const m = this.metrics.get(family) ?? { type: 'histogram', lines: [] };
    const cum = new Array<number>(les.length + 1).fill(0);
    let sum = 0;
    let count = 0;
    const lab = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
    for (let s = fromSec; s < toSec; s += stepSec) {
      const v = observe(s);
      const i = les.findIndex((le) => v <= le);
      for (let k = i < 0 ? les.length : i; k <= les.length; k++) cum[k]! += perStep;
      sum += v * perStep;
      count += perStep;
      const ts = (at(s) / 1000).toFixed(3);
      les.forEach((le, k) => m.lines.push(`${family}_bucket{${lab},le="${le}"} ${cum[k]} ${ts}`));
      m.lines.push(`${family}_bucket{${lab},le="+Inf"} ${cum[les.length]} ${ts}`, `${family}_sum{${lab}} ${sum} ${ts}`, `${family}_count{${lab}} ${count} ${ts}`);
    }
    this.metrics.set(family, m);
  }

  /** An audit event (ResponseComplete). */
  audit(ms: number, verb: string, code: number, latencyMs: number, opts: { resource?: string; userAgent?: string; message?: string } = {}) {
    this.add(
      'audit/audit.log',
      (t) => JSON.stringify({
        kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `a-${ms}-${Math.round(latencyMs)}`, stage: 'ResponseComplete',
        requestURI: `/api/v1/${opts.resource ?? 'pods'}`, verb, user: { username: 'u' }, sourceIPs: ['10.0.0.9'], userAgent: opts.userAgent ?? 'kubectl/v1.29.2',
        objectRef: { resource: opts.resource ?? 'pods', apiVersion: 'v1' }, responseStatus: { metadata: {}, code, ...(opts.message ? { message: opts.message } : {}) },
        requestReceivedTimestamp: dt(t - latencyMs).toISO({ includeOffset: false }) + 'Z', stageTimestamp: dt(t).toISO({ includeOffset: false }) + 'Z',
      }),
      ms,
    );
  }

  /**
   * Writes the bundle. `skewMs` shifts the clock of every file whose path starts with a key (a late
   * collector); `drop` leaves out files whose path starts with one of the prefixes (a missing source).
   */
  write(opts: { skewMs?: Record<string, number>; drop?: string[] } = {}): string {
    const skewOf = (file: string) => Object.entries(opts.skewMs ?? {}).find(([k]) => file.startsWith(k))?.[1] ?? 0;
    const dropped = (file: string) => (opts.drop ?? []).some((d) => file.startsWith(d));
    for (const [file, lines] of this.files) {
      if (dropped(file)) continue;
      const p = path.join(this.dir, file);
      mkdirSync(path.dirname(p), { recursive: true });
      const skew = skewOf(file);
      writeFileSync(p, lines.map((l) => l.render(l.ms + skew)).join('\n') + '\n');
    }
    if (this.events.length && !dropped('events.json')) {
      const skew = skewOf('events.json');
      writeFileSync(path.join(this.dir, 'events.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: this.events.map((e) => e.render(e.ms + skew)), metadata: { resourceVersion: '' } }, null, 2));
    }
    if (this.metrics.size && !dropped('metrics')) {
      mkdirSync(path.join(this.dir, 'metrics'), { recursive: true });
      const out: string[] = [];
      for (const [name, m] of this.metrics) out.push(`# TYPE ${name} ${m.type}`, ...m.lines);
      out.push('# EOF');
      writeFileSync(path.join(this.dir, 'metrics', 'metrics.om'), out.join('\n') + '\n');
    }
    return this.dir;
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
