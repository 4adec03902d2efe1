/**
 * `npm run lab -- disk|net|healthy [--out DIR]`: one lab run by hand. Prints what etcd did and
 * what rootline answered, and leaves a fresh incident bundle (with label.json and truth/) to try
 * rootline on. `npm run lab -- check` only checks the machine; `npm run lab -- sweep` undoes
 * what an interrupted run left behind (by its ledger: PIDs, mounts, loop devices, cgroups).
 */
import path from 'node:path';
import { DateTime } from 'luxon';
import { analyseBundle, analyseLivePrometheus, CLI } from './analyse.js';
import { probeCapabilities } from './capabilities.js';
import { FAULTS, labOptions, labPorts, type FaultKind } from './lab-config.js';
import { describeObserved } from './observe.js';
import { LabCapabilityError, runLab, sweepStaleRuns } from './run-lab.js';
import { isoSeconds } from './shell.js';
import { checkAnswer, checkRun, describeContamination, EXPECTED } from './check-run.js';

const USAGE = 'usage: npm run lab -- disk|net|healthy [--out DIR] | check | sweep';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  const outIdx = rest.indexOf('--out');
  const out = outIdx >= 0 ? rest[outIdx + 1] : undefined;
  if (outIdx >= 0 && !out) {
    say(`--out: missing folder. ${USAGE}`);
    return 2;
  }
  if (what === 'check' || what === 'sweep') {
    const o = labOptions('healthy');
    if (what === 'sweep') {
      const lines = await sweepStaleRuns(o.baseDir);
      say(lines.length ? lines.join('\n') : `nothing left over under ${o.baseDir}`);
      return 0;
    }
    const caps = await probeCapabilities({ ports: labPorts(o), workDir: o.baseDir });
    for (const n of caps.notes) say(`ok: ${n}`);
    for (const m of caps.missing) say(`MISSING: ${m}`);
    return caps.missing.length ? 1 : 0;
  }
  if (!FAULTS.includes(what as FaultKind)) {
    say(USAGE);
    return 2;
  }
  const o = labOptions(what as FaultKind, process.env, out ? { outDir: path.resolve(out) } : {});
  say(`rootline lab: ${o.fault}, ${o.settleS + o.warmupS + o.faultS + o.recoverS + 30} s or so; run folder ${path.join(o.baseDir, o.runId)}`);
  let run;
  try {
    run = await runLab(o, say);
  } catch (err) {
    if (err instanceof LabCapabilityError) {
      say(err.message);
      return 1;
    }
    throw err;
  }
  try {
    say('');
    say(`etcd, ${o.fault} injected on ${run.culprit} at ${DateTime.fromMillis(run.injectedMs, { zone: 'utc' }).toISO()}:`);
    for (const line of describeObserved(run.observed)) say(`  ${line}`);
    const files = await analyseBundle(run.bundleDir, run.window).then((r) => r.answer, (e: Error) => e);
    const live = await analyseLivePrometheus(run.promUrl, run.window, o.scrapeS).then((r) => r.answer, (e: Error) => e);
    for (const p of checkRun(o.fault, run)) say(`run: ${p}`);
    const contamination = describeContamination(run);
    if (contamination) say(contamination);
    for (const [name, a] of [['files', files], ['live Prometheus', live]] as const) {
      if (a instanceof Error) {
        say(`rootline from ${name}: FAILED: ${a.message}`);
        continue;
      }
      say(`rootline from ${name}: ${a.verdict}; ${a.ranked.join(', ') || 'no hypothesis'}; onset ${a.onset ?? '-'}; chain ${a.chain.join(' -> ') || '-'}`);
      const wrong = checkAnswer(a, EXPECTED[o.fault], run.culprit, run.injectedMs);
      say(wrong.length ? `  not what the lab injected: ${wrong.join('; ')}` : '  right: cause, culprit, onset and chain match the injection');
    }
    say('');
    say(`bundle: ${run.bundleDir}  (label: ${path.join(o.outDir, 'label.json')}, ground truth: ${path.join(o.outDir, 'truth')})`);
    say(`try:    node ${path.relative(process.cwd(), CLI)} analyze --input ${run.bundleDir} --from ${isoSeconds(run.window.fromMs)} --to ${isoSeconds(run.window.toMs)} --format md`);
    say(`        node ${path.relative(process.cwd(), CLI)} serve --input ${run.bundleDir}`);
  } finally {
    const problems = await run.teardown();
    for (const p of problems) say(`teardown: ${p}`);
  }
  return 0;
}
