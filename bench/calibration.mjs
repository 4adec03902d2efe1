// Confidence calibration: runs `rootline analyze` on every case of one or more labelled sets
// (folders of <case>/bundle + <case>/label.json, as ../shared/bench/generate.mjs writes) and
// bins every ranked hypothesis by its confidence: in each bin, the share whose cause is the
// label's root cause should be close to the bin's confidence. Reads labels; rootline never does.
//   node bench/calibration.mjs ../shared/bench/scenarios /tmp/sets/seed2 [--cli dist/server/cli.js]
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';

const run = promisify(execFile);
const args = process.argv.slice(2);
const cliAt = args.indexOf('--cli');
const cli = cliAt >= 0 ? args.splice(cliAt, 2)[1] : 'dist/server/cli.js';
const cases = args.flatMap((set) => readdirSync(set).sort().map((d) => path.join(set, d)).filter((d) => existsSync(path.join(d, 'label.json'))));
const bins = Array.from({ length: 10 }, () => ({ n: 0, right: 0 }));
let done = 0;
async function one(dir) {
  const label = JSON.parse(readFileSync(path.join(dir, 'label.json'), 'utf8'));
  const { stdout } = await run(process.execPath, [cli, 'analyze', '--input', path.join(dir, 'bundle'), '--from', label.window.from, '--to', label.window.to, '--format', 'json'], { maxBuffer: 256 << 20 });
  const r = JSON.parse(stdout);
  if (r.verdict === 'none') return;
  for (const h of r.hypotheses) {
    const b = bins[Math.min(9, Math.floor(h.confidence * 10))];
    b.n++;
    if (h.cause === label.rootCause) b.right++;
  }
  done++;
}
const queue = [...cases];
await Promise.all([0, 1].map(async () => { while (queue.length) await one(queue.shift()); }));
console.log(`cases ${cases.length} (analysed with a verdict: ${done})`);
console.log('confidence  hypotheses  right  share');
for (const [i, b] of bins.entries()) if (b.n) console.log(`${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}     ${String(b.n).padStart(6)}  ${String(b.right).padStart(5)}  ${(b.right / b.n).toFixed(2)}`);
