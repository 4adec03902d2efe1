/**
 * rootline's two readings of a lab run: the bundle's files through the command line, exactly as a
 * user runs it (`rootline analyze --input DIR --from --to --format json`), and the run's live
 * Prometheus through the Prometheus source and `analyzeSignals`. Each is boiled down to the
 * contract fields the tests assert on.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { analyzeSignals, type Report } from '../../../correlators/report/index.js';
import { PACKAGE_ROOT } from '../../../server/config.js';
import { parseSourceConfig } from '../../../server/sources/config.js';
import { createPrometheusSource } from '../../../server/sources/prometheus/index.js';
import { isoSeconds } from './shell.js';

export interface Answer {
  verdict: string;
  cause: string | undefined;
  confidence: number | undefined;
  culpritHost: string | undefined;
  onset: string | null;
  chain: string[];
  /** The first three causes, for the record. */
  ranked: string[];
  /** Sources the analysis saw (status and message). */
  sources: string[];
}

type ReportLike = Pick<Report, 'verdict' | 'hypotheses' | 'onset' | 'chain'> & { sources?: { sourceId?: string; status?: string; message?: string }[] };

export function summariseReport(r: ReportLike): Answer {
  const top = r.hypotheses[0];
  return {
    verdict: r.verdict,
    cause: top?.cause,
    confidence: top?.confidence,
    culpritHost: top?.culprit?.host,
    onset: r.onset,
    chain: r.chain.map((l) => l.symptom),
    ranked: r.hypotheses.slice(0, 3).map((h) => `${h.cause} ${h.confidence.toFixed(2)}${h.culprit?.host ? ` @${h.culprit.host}` : ''}`),
    sources: (r.sources ?? []).filter((s) => s.status !== 'ok').map((s) => `${s.sourceId}: ${s.status}${s.message ? ` (${s.message})` : ''}`),
  };
}

export const CLI = path.join(PACKAGE_ROOT, 'dist', 'server', 'cli.js');

/** `node dist/server/cli.js analyze --input <bundle> --from --to --format json`, parsed. */
export function analyseBundle(bundleDir: string, window: { fromMs: number; toMs: number }): Promise<{ answer: Answer; report: ReportLike; stderr: string }> {
  const args = [CLI, 'analyze', '--input', bundleDir, '--from', isoSeconds(window.fromMs), '--to', isoSeconds(window.toMs), '--format', 'json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        reject(new Error(`rootline analyze exited ${code}: ${stderr.trim().slice(-800)}`));
        return;
      }
      try {
        const report = JSON.parse(Buffer.concat(out).toString('utf8')) as ReportLike;
        resolve({ answer: summariseReport(report), report, stderr });
      } catch (e) {
        reject(new Error(`rootline analyze printed no JSON report: ${(e as Error).message}; stderr: ${stderr.trim().slice(-400)}`));
      }
    });
  });
}

/** The live Prometheus through rootline's Prometheus source, analysed in this process. */
export async function analyseLivePrometheus(promUrl: string, window: { fromMs: number; toMs: number }, scrapeS: number): Promise<{ answer: Answer; report: Report }> {
  const config = parseSourceConfig({ prometheus: { name: 'lab-prometheus', url: promUrl, scrapeInterval: `${scrapeS}s`, retries: 1 } }, {}).prometheus!;
  const signals = await createPrometheusSource(config).fetch(window);
  const report = analyzeSignals(signals, { nowMs: Date.now() });
  return { answer: summariseReport(report), report };
}
