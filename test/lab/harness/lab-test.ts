/**
 * The body shared by the three real-etcd tests: run the lab, let rootline read the run twice
 * (files through the CLI, the live Prometheus through the source), print what etcd did beside
 * what rootline answered, then assert that the fault took (from etcd's own logs) and, for each
 * reading, cause, culprit, onset and the chain's first link. A machine that lacks a capability
 * fails the test with the exact list: never a skip.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { analyseBundle, analyseLivePrometheus, type Answer } from './analyse.js';
import { labOptions, type FaultKind } from './lab-config.js';
import { describeObserved } from './observe.js';
import { runLab } from './run-lab.js';
import { checkAnswer, checkRun, describeContamination, type Expected } from './check-run.js';

function describeAnswer(what: string, a: Answer): string {
  return `rootline from ${what}: verdict ${a.verdict}; ranked ${a.ranked.join(', ') || '-'}; onset ${a.onset ?? '-'}; chain ${a.chain.join(' -> ') || '-'}${a.sources.length ? `; sources not ok: ${a.sources.join('; ')}` : ''}`;
}

export function defineLabTest(fault: FaultKind, title: string, expected: Expected): void {
  const o = labOptions(fault);
  const budgetMs = (o.settleS + o.warmupS + o.faultS + o.recoverS + 180) * 1000;
  test(title, { timeout: budgetMs }, async (t: TestContext) => {
    const started = Date.now();
    const run = await runLab(o, (line) => t.diagnostic(line), t.signal);
    t.after(async () => {
      const problems = await run.teardown();
      assert.deepEqual(problems, [], 'everything the lab started is stopped and removed');
    });
    const injected = DateTime.fromMillis(run.injectedMs, { zone: 'utc' }).toISO();
    t.diagnostic(`bundle ${run.bundleDir}; ${fault} injected on ${run.culprit} at ${injected}`);
    for (const line of describeObserved(run.observed)) t.diagnostic(`etcd: ${line}`);

    const answers: Record<string, Answer | Error> = {};
    try {
      answers['files'] = (await analyseBundle(run.bundleDir, run.window)).answer;
    } catch (err) {
      answers['files'] = err as Error;
    }
    try {
      answers['live Prometheus'] = (await analyseLivePrometheus(run.promUrl, run.window, o.scrapeS)).answer;
    } catch (err) {
      answers['live Prometheus'] = err as Error;
    }
    const runProblems = checkRun(fault, run).map((p) => `run: ${p}`);
    const failures: string[] = [];
    for (const [what, a] of Object.entries(answers)) {
      if (a instanceof Error) {
        failures.push(`from ${what}: the analysis failed: ${a.message}`);
        continue;
      }
      t.diagnostic(describeAnswer(what, a));
      for (const p of checkAnswer(a, expected, run.culprit, run.injectedMs)) failures.push(`from ${what}: ${p}`);
    }
    const contamination = describeContamination(run);
    if (contamination) t.diagnostic(contamination);
    if (contamination && failures.length) failures.unshift(contamination);
    failures.unshift(...runProblems);
    await writeFile(path.join(o.outDir, 'rootline-answers.json'), `${JSON.stringify({ injected, culprit: run.culprit, observed: run.observed, answers: Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, v instanceof Error ? { error: v.message } : v])), failures, seconds: Math.round((Date.now() - started) / 1000) }, null, 2)}\n`);
    t.diagnostic(`took ${Math.round((Date.now() - started) / 1000)} s`);
    assert.deepEqual(failures, [], `rootline on a real etcd ${fault} run (bundle ${run.bundleDir})`);
  });
}
