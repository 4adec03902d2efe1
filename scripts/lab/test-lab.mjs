// `npm run test:lab [disk|net|healthy...]`: compiles, then runs the real-etcd tests
// (dist/test/lab/*.lab.js) one at a time: they share ports and the machine's two cores, and each
// needs root, loop devices and a cgroup I/O throttle. Not part of `npm test`. Afterwards (also
// after a kill) it sweeps whatever a test process left in its ledger, and says so loudly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ORDER = ['healthy', 'disk', 'net'];
const args = process.argv.slice(2);
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !ORDER.includes(w));
if (unknown.length) {
  process.stderr.write(`unknown lab test ${unknown.join(', ')}: expecting ${ORDER.join(', ')}\n`);
  process.exit(2);
}
if (!args.includes('--no-build')) {
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'ensure-built.mjs'), '--force'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const files = ORDER.filter((n) => wanted.length === 0 || wanted.includes(n)).map((n) => path.join(root, 'dist', 'test', 'lab', `${n}.lab.js`));
const absent = files.filter((f) => !existsSync(f));
if (absent.length) {
  process.stderr.write(`not compiled: ${absent.join(', ')} (run npm run build)\n`);
  process.exit(1);
}
const { sweepStaleRuns } = await import(pathToFileURL(path.join(root, 'dist', 'test', 'lab', 'harness', 'run-lab.js')).href);
const baseDir = process.env.ROOTLINE_LAB_DIR || path.join(os.tmpdir(), 'rootline-lab');

const started = Date.now();
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--enable-source-maps', ...files], { cwd: root, stdio: 'inherit' });
const forward = (sig) => child.kill(sig);
process.on('SIGINT', forward);
process.on('SIGTERM', forward);
const status = await new Promise((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 1 : 0))));
const left = await sweepStaleRuns(baseDir);
if (left.length) process.stderr.write(`\n*** lab tests left resources behind; swept now:\n  ${left.join('\n  ')}\n\n`);
process.stderr.write(`lab tests: ${status === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s\n`);
process.exit(left.length && status === 0 ? 1 : status);
