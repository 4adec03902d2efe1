// The layering rules of STYLE.md §1, enforced: correlators stay pure (no I/O, no server libraries,
// no process.env, no clock), and sibling correlator folders meet only through their index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const FORBIDDEN = [/^node:fs/, /^node:net/, /^node:http/, /^fs$/, /^fastify/, /^@elastic\//, /^prometheus-query/, /^@fastify\//, /^handlebars/];

test('correlators import no I/O, no server library, no environment and no clock', () => {
  const problems: string[] = [];
  for (const file of walk(path.join(root, 'correlators'))) {
    const text = readFileSync(file, 'utf8');
    const rel = path.relative(root, file);
    for (const m of text.matchAll(/from '([^']+)'/g)) {
      const spec = m[1]!;
      if (FORBIDDEN.some((re) => re.test(spec))) problems.push(`${rel} imports ${spec}`);
      // sibling analysis folders only through their index.ts
      const sib = /^\.\.\/(anomaly|clock|causal|ranking|report)\/(?!index\.js$)/.exec(spec);
      if (sib) problems.push(`${rel} imports ${spec}: use ../${sib[1]}/index.js`);
    }
    if (/process\.env/.test(text)) problems.push(`${rel} reads process.env`);
    if (/Date\.now\(|new Date\(|DateTime\.now\(|DateTime\.local\(\)/.test(text)) problems.push(`${rel} reads the clock`);
  }
  assert.deepEqual(problems, []);
});
