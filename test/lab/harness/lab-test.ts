/**
 * The body shared by the three real-etcd tests: run the lab, let rootline read the run twice
 * (files through the CLI, the live Prometheus through the source), print what etcd did beside
 * what rootline answered, then assert that the fault took (from etcd's own logs) and, for each
 * reading, cause, culprit, onset and the chain's first link. A machine that lacks a capability
 * fails the test with the exact list: never a skip. A run that other work on the machine
 * contaminated says so first, in the output and in the failure message; it is judged the same.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { labOptions, type FaultKind } from './lab-config.js';
import { describeObserved } from './observe.js';
import { runLab } from './run-lab.js';
import { describeAnswer, judgeRun } from './judge.js';
import type { Expected } from './check-run.js';

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
    t.diagnostic(`bundle ${run.bundleDir}; ${fault} injected on ${run.culprit} at ${new Date(run.injectedMs).toISOString()}; expecting ${expected.cause}`);
    for (const line of describeObserved(run.observed)) t.diagnostic(`etcd: ${line}`);
    const j = await judgeRun(run, started);
    if (j.contamination.contaminated) t.diagnostic(`!!! ${j.contamination.note}`);
    else t.diagnostic(j.contamination.note);
    for (const [what, a] of Object.entries(j.answers)) t.diagnostic(describeAnswer(what, a));
    t.diagnostic(`answers and figures: ${j.file}; took ${Math.round((Date.now() - started) / 1000)} s`);
    assert.deepEqual(j.failures, [], `rootline on a real etcd ${fault} run${j.contamination.contaminated ? ' (CONTAMINATED INPUT: see the first failure)' : ''} (bundle ${run.bundleDir})`);
  });
}
