/** Renderers: postmortems (Markdown, HTML) and the war-room page, over view models and compiled templates. */
export { escapeMarkdown, serializeJsonForScript } from './escape.js';
export * from './format.js';
export { buildPostmortemView, describeRef, type PostmortemView } from './postmortem-view.js';
export { renderPostmortemHtml, renderPostmortemMarkdown } from './postmortem.js';
export { loadTemplates, TEMPLATE_NAMES, type TemplateName, type TemplateSet, type LoadTemplatesOptions } from './templates.js';
export { buildWarRoomView, renderWarRoomPage, type WarRoomInput, type WarRoomView } from './war-room.js';
