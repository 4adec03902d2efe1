/**
 * Loads and compiles the handlebars templates once, at start-up: ours from `templates/`, each
 * replaced by the file of the same name in a user folder (`--template DIR`) when there is one.
 * Compiled with `strict: true`, so a misspelt field throws instead of printing blank.
 *
 * Layout (ours and the user's):  postmortem.md.hbs, postmortem.html.hbs, war-room.html.hbs and
 * partials/**.hbs, registered by relative path without `.hbs` (`md/impact`, `html/evidence`).
 * `md/*` partials belong to Markdown, `html/*` to HTML, others to both.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TemplateError } from '../../correlators/errors.js';
import { serializeJsonForScript } from './escape.js';
import {
  formatConfidence,
  formatCount,
  formatDuration,
  formatOffset,
  formatPercent,
  formatUtc,
  formatUtcPrecise,
  formatUtcTime,
  humanizeId,
} from './format.js';

export const TEMPLATE_NAMES = ['postmortem.md.hbs', 'postmortem.html.hbs', 'war-room.html.hbs'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];
type Format = 'md' | 'html';

/** The compiled templates; each render throws `TemplateError` naming the file when it fails. */
export interface TemplateSet {
  /** Template or partial name -> the file it was loaded from (ours or the user's). */
  readonly files: Readonly<Record<string, string>>;
  render(name: TemplateName, view: object): string;
}

export interface LoadTemplatesOptions {
  /** Our templates; defaults to the package's `templates/`. */
  baseDir: string;
  /** The user's folder; its files win by name. */
  userDir?: string | undefined;
}

interface Compiled {
  file: string;
  fn: HandlebarsTemplateDelegate;
}

/** Reads and compiles every template; a template that does not compile is a `TemplateError` naming it. */
export function loadTemplates(options: LoadTemplatesOptions): TemplateSet {
  const { baseDir, userDir } = options;
  if (userDir !== undefined && !isDirectory(userDir)) {
    throw new TemplateError(`Invalid template folder ${userDir}: not a readable folder`);
  }
  const files: Record<string, string> = {};
  for (const name of TEMPLATE_NAMES) files[name] = pick(name, baseDir, userDir);
  const partialFiles: Record<string, string> = {};
  for (const dir of [baseDir, userDir]) {
    if (dir === undefined) continue;
    for (const rel of listHbs(path.join(dir, 'partials'))) partialFiles[rel.replace(/\.hbs$/, '')] = path.join(dir, 'partials', rel);
  }

  const envs: Record<Format, typeof Handlebars> = { md: Handlebars.create(), html: Handlebars.create() };
  const partials: Record<Format, Map<string, Compiled>> = { md: new Map(), html: new Map() };
  for (const format of ['md', 'html'] as const) {
    const hb = envs[format];
    registerHelpers(hb, format, partials[format]);
    for (const [name, file] of Object.entries(partialFiles)) {
      const other = format === 'md' ? 'html/' : 'md/';
      if (name.startsWith(other)) continue;
      const compiled = compileFile(hb, file, format);
      partials[format].set(name, compiled);
      hb.registerPartial(name, compiled.fn);
      files[`partials/${name}.hbs`] = file;
    }
  }
  const main = new Map<TemplateName, Compiled>();
  for (const name of TEMPLATE_NAMES) {
    const format: Format = name.endsWith('.md.hbs') ? 'md' : 'html';
    main.set(name, compileFile(envs[format], files[name] ?? '', format));
  }

  return {
    files: Object.freeze({ ...files }),
    render(name, view) {
      const compiled = main.get(name);
      if (!compiled) throw new TemplateError(`Unknown template ${name}, expecting one of ${TEMPLATE_NAMES.join(', ')}`);
      try {
        return compiled.fn(view);
      } catch (err) {
        throw new TemplateError(`Template ${compiled.file} failed to render`, { cause: err });
      }
    },
  };
}

function compileFile(hb: typeof Handlebars, file: string, format: Format): Compiled {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TemplateError(`Cannot read template ${file}`, { cause: err });
  }
  const options: CompileOptions = { strict: true, noEscape: format === 'md' };
  try {
    // compile() is lazy; precompile() parses and compiles now, so a broken file fails at start-up.
    hb.precompile(source, options);
  } catch (err) {
    throw new TemplateError(`Template ${file} does not compile`, { cause: err });
  }
  return { file, fn: hb.compile(source, options) };
}

function registerHelpers(hb: typeof Handlebars, format: Format, partials: Map<string, Compiled>): void {
  hb.registerHelper({ formatUtc, formatUtcTime, formatUtcPrecise, formatDuration, formatPercent, formatConfidence, formatCount, formatOffset, humanizeId });
  // Data embedded for the page's script: escaped for a <script> element, so not HTML-escaped again.
  hb.registerHelper('jsonForScript', (value: unknown) => new hb.SafeString(serializeJsonForScript(value)));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  // One section of a document: if its partial fails, that section says so and the rest still renders.
  hb.registerHelper('section', function (this: unknown, name: unknown, options: Handlebars.HelperOptions) {
    const key = `${format}/${String(name)}`;
    const compiled = partials.get(key);
    try {
      if (!compiled) throw new Error(`no partial ${key}`);
      return new hb.SafeString(compiled.fn(this, { data: options.data as unknown }));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const text = `Section "${String(name)}" could not be rendered (status: unknown): ${message}`;
      return new hb.SafeString(
        format === 'md' ? `> ${text.replace(/\s+/g, ' ').replace(/[<>&`*_[\]|\\]/g, ' ')}\n\n` : `<section class="section-unknown"><p>${hb.escapeExpression(text)}</p></section>\n`,
      );
    }
  });
}

function pick(rel: string, baseDir: string, userDir: string | undefined): string {
  if (userDir !== undefined) {
    const candidate = path.join(userDir, rel);
    if (existsSync(candidate)) return candidate;
  }
  return path.join(baseDir, rel);
}

function listHbs(dir: string, prefix = ''): string[] {
  if (!isDirectory(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (isDirectory(full)) out.push(...listHbs(full, `${prefix}${name}/`));
    else if (name.endsWith('.hbs')) out.push(`${prefix}${name}`);
  }
  return out;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
