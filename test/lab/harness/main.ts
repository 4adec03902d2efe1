/**
 * `npm run lab -- disk|net|healthy [--out DIR]`: one lab run by hand. Prints what etcd did and
 * what rootline answered, and leaves a fresh incident bundle (with label.json and truth/) to try
 * rootline on. `npm run lab -- check` only checks the machine; `npm run lab -- sweep` undoes
 * what an interrupted run left behind (by its ledger: PIDs, mounts, loop devices, cgroups).
 */
import path from 'node:path';
import { DateTime } from 'luxon';
import { CLI } from './analyse.js';
import { describeAnswer, judgeRun } from './judge.js';
import { probeCapabilities } from './capabilities.js';
import { FAULTS, labOptions, labPorts, type FaultKind } from './lab-config.js';
import { describeObserved } from './observe.js';
import { LabCapabilityError, runLab, sweepStaleRuns } from './run-lab.js';
import { leftovers } from './teardown.js';
import { sampleBusyCores } from './cpu-account.js';
import { MAX_OTHER_CORES } from './check-run.js';
import { isoSeconds } from './shell.js';

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
      const left = await leftovers(o.baseDir);
      for (const l of left) say(`STILL THERE: ${l}`);
      if (left.length === 0) say(`verified: no loop device, mount, rootline-lab cgroup or process of a finished run under ${o.baseDir} is left (losetup, /proc/mounts, cgroup hierarchies, /proc)`);
      return left.length ? 1 : 0;
    }
    const caps = await probeCapabilities({ ports: labPorts(o), workDir: o.baseDir });
    for (const n of caps.notes) say(`ok: ${n}`);
    for (const m of caps.missing) say(`MISSING: ${m}`);
    const busy = await sampleBusyCores();
    say(busy > MAX_OTHER_CORES ? `busy: other work uses ${busy} cores right now (limit ${MAX_OTHER_CORES}): a run now would likely be CONTAMINATED INPUT` : `idle enough: other work uses ${busy} cores right now (limit ${MAX_OTHER_CORES})`);
    return caps.missing.length ? 1 : 0;
  }
  if (!FAULTS.includes(what as FaultKind)) {
    say(USAGE);
    return 2;
  }
  const o = labOptions(what as FaultKind, process.env, out ? { outDir: path.resolve(out) } : {});
  say(`rootline lab: ${o.fault}, ${o.settleS + o.warmupS + o.faultS + o.recoverS + 30} s or so; run folder ${path.join(o.baseDir, o.runId)}`);
  let run;
  const started = Date.now();
  try {
    run = await runLab(o, say);
  } catch (err) {
    if (err instanceof LabCapabilityError) {
      say(err.message);
      return 1;
    }
    // runLab has torn everything down already; the message names what failed and where to look
    say(`lab run FAILED: ${(err as Error).message}`);
    return 1;
  }
  try {
    say('');
    say(`etcd, ${o.fault} injected on ${run.culprit} at ${DateTime.fromMillis(run.injectedMs, { zone: 'utc' }).toISO()}:`);
    for (const line of describeObserved(run.observed)) say(`  ${line}`);
    const j = await judgeRun(run, started);
    for (const p of j.runProblems) say(p);
    say(j.contamination.contaminated ? `!!! ${j.contamination.note}` : j.contamination.note);
    for (const [name, a] of Object.entries(j.answers)) {
      say(describeAnswer(name, a));
      if (a instanceof Error) continue;
      const wrong = j.answerProblems.filter((p) => p.startsWith(`from ${name}: `)).map((p) => p.slice(`from ${name}: `.length));
      say(wrong.length ? `  not what the lab injected: ${wrong.join('; ')}` : '  right: cause, culprit, onset and chain match the injection');
    }
    say(`answers and figures: ${j.file}`);
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
