/**
 * After a run: rootline reads it twice (the bundle's files through the CLI, the live Prometheus
 * through the source), each answer is checked against the injection, and everything (what etcd
 * did, whether other work contaminated the input, both answers, what is wrong) is written to
 * `<outDir>/rootline-answers.json` beside the bundle. Shared by the tests and `npm run lab`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { analyseBundle, analyseLivePrometheus, type Answer } from './analyse.js';
import { checkAnswer, checkRun, contamination, EXPECTED, type Contamination } from './check-run.js';
import type { LabRun } from './run-lab.js';

export interface Judgement {
  injected: string;
  answers: Record<'files' | 'live Prometheus', Answer | Error>;
  /** Is the run the incident it claims to be (from etcd's own logs and metrics). */
  runProblems: string[];
  /** What is wrong with each answer, prefixed by where it came from. */
  answerProblems: string[];
  contamination: Contamination;
  /** Everything that fails the test, contamination first when it may explain a wrong answer. */
  failures: string[];
  file: string;
}

export function describeAnswer(what: string, a: Answer | Error): string {
  if (a instanceof Error) return `rootline from ${what}: the analysis FAILED: ${a.message}`;
  return `rootline from ${what}: verdict ${a.verdict}; ranked ${a.ranked.join(', ') || '-'}; onset ${a.onset ?? '-'}; chain ${a.chain.join(' -> ') || '-'}${a.sources.length ? `; sources not ok: ${a.sources.join('; ')}` : ''}`;
}

export async function judgeRun(run: LabRun, startedMs: number): Promise<Judgement> {
  const o = run.options;
  const injected = DateTime.fromMillis(run.injectedMs, { zone: 'utc' }).toISO() ?? String(run.injectedMs);
  const settle = <T>(p: Promise<{ answer: Answer } & T>): Promise<Answer | Error> => p.then((r) => r.answer, (e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  const answers = {
    files: await settle(analyseBundle(run.bundleDir, run.window)),
    'live Prometheus': await settle(analyseLivePrometheus(run.promUrl, run.window, o.scrapeS)),
  };
  const runProblems = checkRun(o.fault, run).map((p) => `run: ${p}`);
  const answerProblems: string[] = [];
  for (const [what, a] of Object.entries(answers)) {
    if (a instanceof Error) answerProblems.push(`from ${what}: the analysis failed: ${a.message}`);
    else for (const p of checkAnswer(a, EXPECTED[o.fault], run.culprit, run.injectedMs)) answerProblems.push(`from ${what}: ${p}`);
  }
  const c = contamination(run);
  const failures = [...runProblems, ...(c.contaminated && answerProblems.length ? [c.note] : []), ...answerProblems];
  const file = path.join(o.outDir, 'rootline-answers.json');
  const record = {
    fault: o.fault,
    runId: o.runId,
    injected,
    culprit: run.culprit,
    contamination: c,
    observed: run.observed,
    answers: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, v instanceof Error ? { error: v.message } : v])),
    failures,
    passed: failures.length === 0,
    seconds: Math.round((Date.now() - startedMs) / 1000),
  };
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
  return { injected, answers, runProblems, answerProblems, contamination: c, failures, file };
}
