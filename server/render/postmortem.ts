/** Postmortem drafts from a Report, in Markdown and in HTML, through the loaded templates. */
import type { Report } from '../../correlators/report/index.js';
import { escapeMarkdown } from './escape.js';
import { buildPostmortemView, mapStrings } from './postmortem-view.js';
import type { TemplateSet } from './templates.js';

/**
 * A Markdown postmortem. Markdown's `{{ }}` does not escape, so every string of the view model
 * (log text, titles, messages) is passed through `escapeMarkdown` before the template sees it.
 */
export function renderPostmortemMarkdown(report: Report, templates: TemplateSet): string {
  const view = mapStrings(buildPostmortemView(report), escapeMarkdown);
  // Sections each end with a blank line; collapse the runs that leaves between them.
  return templates.render('postmortem.md.hbs', view).replace(/\n{3,}/g, '\n\n');
}

/** A self-contained HTML postmortem (inline print stylesheet, no scripts); handlebars escapes every value. */
export function renderPostmortemHtml(report: Report, templates: TemplateSet): string {
  return templates.render('postmortem.html.hbs', buildPostmortemView(report));
}
