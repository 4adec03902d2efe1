import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEMPLATES_DIR } from '../../../server/config.js';
import { loadTemplates, renderPostmortemHtml, renderPostmortemMarkdown } from '../../../server/render/index.js';
import { readSampleReport } from '../helpers.js';
import { buildHostileReport } from '../xss.js';

const templates = loadTemplates({ baseDir: TEMPLATES_DIR });
const sample = readSampleReport();

const MD_SECTIONS = ['# Postmortem: etcd disk latency on cp-2', '## Summary', '## Impact', '## Detection', '## Timeline (UTC)', '## Root cause', '### Causal chain', '## Alternatives considered', '## Contributing factors', '## Action items', '## Data quality', '## Clock offsets applied'];
const HTML_SECTIONS = ['id="summary"', 'id="impact"', 'id="detection"', 'id="timeline"', 'id="root-cause"', 'id="alternatives"', 'id="contributing"', 'id="actions"', 'id="data-quality"', 'id="clock"'];

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootline-templates-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the Markdown postmortem has every section, filled from the report', () => {
  const md = renderPostmortemMarkdown(sample, templates);
  for (const heading of MD_SECTIONS) assert.ok(md.includes(heading), `missing ${heading}`);
  assert.doesNotMatch(md, /could not be rendered/);
  // impact, timeline with sources, chain evidence, rejected alternatives, bad lines, clock offsets
  assert.match(md, /\| API errors \(5xx, timeouts\) \| 212 over 1 min 32 s/);
  assert.match(md, /\| 09:02:21 \| etcd\/cp-2 \| \*\*slow fdatasync: WAL sync took 1\.2 s \(expected &lt; 1 s\)\*\* ×14 .*\| logs\/etcd-cp-2\.log:31 \|/);
  assert.match(md, /1\. \*\*node disk saturation\*\* at 2026-01-24 09:02:19 UTC on node on cp-2/);
  assert.match(md, /Source: iostat\/cp-2\.txt:890/);
  assert.match(md, /### 2\. CPU starvation of etcd on cp-2 \(cpu starvation\), confidence 18 % \(low\)/);
  assert.match(md, /- CPU idle on cp-2 stayed above 48 %/);
  assert.match(md, /- \[ \] Move etcd data to a dedicated disk/);
  assert.match(md, /\| logs\/kubelet-worker-1\.log:17 \| no timestamp \|/);
  assert.match(md, /\| logs\/kubelet-worker-1\.log \| -1\.2 s \| 4 \|/);
  assert.match(md, /\| iostat\/cp-2\.txt \| 0 ms \(assumed\) \| 0 \|/);
  assert.doesNotMatch(md, /\n{3,}/);
});

test('the HTML postmortem has every section and a print stylesheet', () => {
  const html = renderPostmortemHtml(sample, templates);
  for (const id of HTML_SECTIONS) assert.ok(html.includes(id), `missing ${id}`);
  assert.match(html, /@media print/);
  assert.match(html, /<h1>etcd disk latency on cp-2<\/h1>/);
  assert.doesNotMatch(html, /could not be rendered/);
  assert.doesNotMatch(html, /<script/i);
});

test('log text cannot inject markup into the Markdown postmortem', () => {
  const md = renderPostmortemMarkdown(buildHostileReport(sample), templates);
  assert.doesNotMatch(md, /<script|<img|<\/script/i);
  assert.doesNotMatch(md, /(?<!\\)\]\(javascript:/);
  assert.ok(md.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(md.includes('\\[x\\](javascript:alert(1))'));
  assert.ok(md.includes('\\`rm -rf /\\`'));
  // a pipe in a cell stays inside its cell: the row keeps exactly its 5 column separators
  const row = md.split('\n').find((l) => l.includes('a \\| b \\| c') && l.startsWith('| '));
  assert.ok(row, 'the hostile timeline row is there');
  assert.equal(row.replace(/\\\|/g, '').split('|').length - 1, 5);
  assert.ok(md.includes('| logs/x\\|y.log:3 |'));
});

test('log text cannot inject markup into the HTML postmortem', () => {
  const html = renderPostmortemHtml(buildHostileReport(sample), templates);
  assert.doesNotMatch(html, /<script|<img|<\/script>/i);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'));
  assert.ok(html.includes('[x](javascript:alert(1))'));
  assert.doesNotMatch(html, /href="javascript/i);
});

test('a user template folder overrides by name; missing templates fall back to ours', (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'postmortem.md.hbs'), '# Our incident: {{title}}\n\n{{section "impact"}}Onset {{onset}}, chain of {{rootCause.chain.length}}.\n');
  mkdirSync(path.join(dir, 'partials', 'md'), { recursive: true });
  writeFileSync(path.join(dir, 'partials', 'md', 'impact.hbs'), 'Errors: {{impact.apiErrors}}\n');
  const custom = loadTemplates({ baseDir: TEMPLATES_DIR, userDir: dir });
  assert.equal(custom.files['postmortem.md.hbs'], path.join(dir, 'postmortem.md.hbs'));
  assert.equal(custom.files['postmortem.html.hbs'], path.join(TEMPLATES_DIR, 'postmortem.html.hbs'));
  const md = renderPostmortemMarkdown(sample, custom);
  assert.equal(md, '# Our incident: etcd disk latency on cp-2\n\nErrors: 212\nOnset 2026-01-24 09:02:19 UTC, chain of 5.\n');
  // untouched: the HTML one is ours
  assert.match(renderPostmortemHtml(sample, custom), /id="alternatives"/);
});

test('a template that does not compile is a TemplateError naming the file', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'postmortem.html.hbs');
  writeFileSync(file, '<h1>{{title}</h1>{{#each timeline}}\n');
  assert.throws(
    () => loadTemplates({ baseDir: TEMPLATES_DIR, userDir: dir }),
    (err: Error & { code?: string }) => err.code === 'RL_ERR_TEMPLATE_INVALID' && err.message.includes(file),
  );
});

test('a missing template folder is a TemplateError', () => {
  assert.throws(() => loadTemplates({ baseDir: TEMPLATES_DIR, userDir: '/nonexistent/rootline-templates' }), { code: 'RL_ERR_TEMPLATE_INVALID' });
});

test('strict templates: a misspelt field fails its section (marked unknown), the rest still renders', (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'partials', 'md'), { recursive: true });
  writeFileSync(path.join(dir, 'partials', 'md', 'impact.hbs'), '## Impact\n\n{{impact.apiErorrs}}\n');
  const md = renderPostmortemMarkdown(sample, loadTemplates({ baseDir: TEMPLATES_DIR, userDir: dir }));
  assert.match(md, /> Section "impact" could not be rendered \(status: unknown\): "apiErorrs" not defined/);
  assert.match(md, /## Root cause/);
  assert.match(md, /## Clock offsets applied/);
});

test('a misspelt field in a top-level template is a TemplateError at render time', (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'postmortem.md.hbs'), '# {{titel}}\n');
  const custom = loadTemplates({ baseDir: TEMPLATES_DIR, userDir: dir });
  assert.throws(() => renderPostmortemMarkdown(sample, custom), (err: Error & { code?: string }) => err.code === 'RL_ERR_TEMPLATE_INVALID' && err.message.includes('postmortem.md.hbs') && err.message.includes('titel'));
});

test('a verdict of none claims no root cause', () => {
  const none = { ...structuredClone(sample), verdict: 'none' as const, chain: [] };
  const md = renderPostmortemMarkdown(none, templates);
  assert.match(md, /No root cause is claimed: No incident/);
  assert.doesNotMatch(md, /could not be rendered/);
});
