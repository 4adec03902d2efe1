/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time and the
 * most total time (self plus callees, each function counted once per stack), as Markdown.
 *
 *   node dist/bench/profile-top.js FILE.cpuprofile [--top 25] [--filter text]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fixed, renderTable } from './table.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, filter: { type: 'string', default: '' } } });
const file = positionals[0];
if (!file) throw new Error('usage: profile-top FILE.cpuprofile [--top N] [--filter TEXT]');
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode): string => {
  const f = n.callFrame;
  const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
};

const selfMs = new Map<string, number>();
const totalMs = new Map<string, number>();
let all = 0;
p.samples.forEach((id, i) => {
  const dt = (p.timeDeltas[i] ?? 0) / 1000;
  all += dt;
  const leaf = byId.get(id)!;
  selfMs.set(label(leaf), (selfMs.get(label(leaf)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (seen.has(l)) continue;
    seen.add(l);
    totalMs.set(l, (totalMs.get(l) ?? 0) + dt);
  }
});

const top = Number(values.top);
const rows = (m: Map<string, number>): (string | number)[][] =>
  [...m.entries()]
    .filter(([k]) => k.includes(values.filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, ms]) => [k, fixed(ms, 0), `${fixed((100 * ms) / all, 1)} %`]);
process.stdout.write(`Profile ${path.basename(file)}: ${fixed(all, 0)} ms sampled\n\nSelf time:\n\n${renderTable(['function', 'ms', 'share'], rows(selfMs))}\n\nTotal time (with callees):\n\n${renderTable(['function', 'ms', 'share'], rows(totalMs))}\n`);
