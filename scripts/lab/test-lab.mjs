// `npm run test:lab [disk|net|healthy...] [--no-build]`: compiles, then runs the real-etcd tests
// (dist/test/lab/*.lab.js) one at a time: they share ports and the machine's two cores, and each
// needs root, loop devices and a cgroup I/O throttle. Not part of `npm test`.
//
// 1. Checks the machine first: a missing capability (not root, no loop device, no cgroup I/O
//    throttle, a program not installed, a port taken) is named and fails the run: never a skip.
// 2. Runs the tests in their own process group, so a SIGINT/SIGTERM to this script (or CI's
//    timeout) reaches every process the tests started, and their own handlers tear down.
// 3. Afterwards (pass, fail or kill) waits for the group to end, kills what is left of it, sweeps
//    what the runs' ledgers still list and what no ledger lists, then checks the machine itself
//    (losetup, /proc/mounts, cgroup hierarchies, /proc): anything left fails the run.
// 4. Prints one summary line per run: pass/fail, CONTAMINATED INPUT or clean, what etcd did and
//    what rootline answered (from each run's rootline-answers.json).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ORDER = ['healthy', 'disk', 'net'];
const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !ORDER.includes(w));
const say = (line) => process.stderr.write(`${line}\n`);
if (unknown.length) {
  say(`unknown lab test ${unknown.join(', ')}: expecting ${ORDER.join(', ')}`);
  process.exit(2);
}
if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs'), '--force'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const files = ORDER.filter((n) => wanted.length === 0 || wanted.includes(n)).map((n) => path.join(root, 'dist', 'test', 'lab', `${n}.lab.js`));
const absent = files.filter((f) => !existsSync(f));
if (absent.length) {
  say(`not compiled: ${absent.join(', ')} (run npm run build)`);
  process.exit(1);
}
const harness = (name) => import(pathToFileURL(path.join(root, 'dist', 'test', 'lab', 'harness', `${name}.js`)).href);
const { sweepStaleRuns } = await harness('run-lab');
const { leftovers } = await harness('teardown');
const { probeCapabilities } = await harness('capabilities');
const { labOptions, labPorts } = await harness('lab-config');
const { sampleBusyCores } = await harness('cpu-account');
const { MAX_OTHER_CORES } = await harness('check-run');
const o = labOptions('healthy');
const baseDir = o.baseDir;

// 1. the machine
for (const line of await sweepStaleRuns(baseDir)) say(`lab: before the tests: ${line}`);
const caps = await probeCapabilities({ ports: labPorts(o), workDir: baseDir });
for (const n of caps.notes) say(`lab: ok: ${n}`);
if (caps.missing.length) {
  say('');
  say('*** the real-etcd lab tests CANNOT RUN on this machine; missing:');
  for (const m of caps.missing) say(`***   - ${m}`);
  say('*** (nothing was skipped silently: this is a failure)');
  say('# tests 0');
  process.exit(1);
}
const busy = await sampleBusyCores(3000);
say(busy > MAX_OTHER_CORES
  ? `lab: the machine is BUSY: other work uses ${busy} cores right now (limit ${MAX_OTHER_CORES}); runs will likely be CONTAMINATED INPUT (each test says so)`
  : `lab: the machine is idle enough: other work uses ${busy} cores right now (limit ${MAX_OTHER_CORES})`);

// 2. the tests
const listRuns = () => (existsSync(baseDir) ? readdirSync(baseDir).filter((d) => statSync(path.join(baseDir, d)).isDirectory()) : []);
const before = new Set(listRuns());
const started = Date.now();
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--enable-source-maps', ...files], { cwd: root, stdio: 'inherit', detached: true });
const group = child.pid;
const signalGroup = (sig) => {
  try {
    process.kill(-group, sig);
    return true;
  } catch {
    return false;
  }
};
let interrupted;
const forward = (sig) => {
  interrupted = sig;
  say(`lab: ${sig}: stopping the tests (their teardown runs first)`);
  signalGroup(sig);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
process.on('SIGHUP', forward);
const status = await new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0))));

// 3. what is left
for (let i = 0; i < 300 && signalGroup(0); i++) await new Promise((r) => setTimeout(r, 100));
if (signalGroup(0)) {
  say('lab: processes of the tests were still running 30 s after the runner ended: SIGKILL');
  signalGroup('SIGKILL');
  await new Promise((r) => setTimeout(r, 1000));
}
const swept = await sweepStaleRuns(baseDir);
if (swept.length) say(`\n*** the lab tests left resources behind; swept now:\n  ${swept.join('\n  ')}\n`);
const left = await leftovers(baseDir);
if (left.length) say(`\n*** STILL ON THE MACHINE after the sweep:\n  ${left.join('\n  ')}\n`);
else say(`lab: cleanup verified: no loop device, mount, rootline-lab cgroup or process of these runs is left (losetup, /proc/mounts, cgroup hierarchies, /proc)`);

// 4. the summary
const runs = listRuns()
  .filter((d) => !before.has(d))
  .sort()
  .map((d) => path.join(baseDir, d));
say('\nlab summary (one line per run; figures in <run>/incident/rootline-answers.json):');
for (const dir of runs) {
  const file = path.join(dir, 'incident', 'rootline-answers.json');
  if (!existsSync(file)) {
    say(`  ${path.basename(dir)}: no answers (the run did not finish: see its truth/events.jsonl)`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const ob = r.observed ?? {};
  const slow = Object.values(ob.members ?? {}).reduce((a, m) => a + (m.slowFdatasync ?? 0), 0);
  const culprit = ob.members?.[r.culprit] ?? {};
  const ans = Object.entries(r.answers ?? {}).map(([k, a]) => `${k}: ${a.error ? `error (${String(a.error).slice(0, 80)})` : `${a.verdict === 'none' ? 'none' : `${a.cause}@${a.culpritHost ?? '?'} onset ${a.onset ? ((Date.parse(a.onset) - Date.parse(r.injected)) / 1000).toFixed(1) : '-'} s chain ${a.chain?.[0] ?? '-'}`}`}`);
  say(`  ${path.basename(dir)}: ${r.passed ? 'PASS' : 'FAIL'}; ${r.contamination?.contaminated ? `CONTAMINATED INPUT (other work ${r.contamination.otherCores} cores)` : `clean input (other work ${r.contamination?.otherCores ?? '?'} cores)`}; culprit ${r.culprit}; elections ${ob.elections?.count ?? '?'}; slow fdatasync ${slow}; culprit fsync p99 ${culprit.fsyncP99BeforeMs ?? '-'} -> ${culprit.fsyncP99DuringMs ?? '-'} ms; ${ans.join('; ')}`);
}
const seconds = Math.round((Date.now() - started) / 1000);
say(`lab tests: ${status === 0 && !interrupted ? 'passed' : 'FAILED'}${interrupted ? ` (interrupted by ${interrupted})` : ''} in ${seconds} s`);
// a run that ended on its own and still needed the sweep did not tear down what it started
if (swept.length && !interrupted && status === 0) say('lab: FAILED: the tests passed but their own teardown left the resources above');
process.exit(left.length || (swept.length && !interrupted) ? 1 : interrupted ? 130 : status);
