/**
 * `{{name}}` templates. Rendering is total: an unknown placeholder renders empty, never the raw
 * braces or an error at delivery time (templates are validated when saved, see templates.ts).
 * A name is looked up among the variables' OWN properties only, and only a scalar renders:
 * `{{constructor}}`, `{{__proto__}}` or `{{toString}}` are unknown names like any other, never
 * what JavaScript finds on Object.prototype.
 * Values are escaped for HTML in the e-mail HTML part, never elsewhere (text/SMS/push are not
 * HTML); results are cut to each channel's limit on a code point boundary with an ellipsis.
 */
export type Variables = Record<string, string | number | boolean | null | undefined>;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}/g;

/** Channel limits: SMS = 3 concatenated GSM segments; push stays far below the 4 KB payload cap. */
export const LIMITS = {
  emailSubject: 200,
  smsBody: 459,
  pushTitle: 100,
  pushBody: 240,
  inAppTitle: 200,
  inAppMessage: 2000,
} as const;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

const valueOf = (vars: Variables, name: string): string => {
  if (!Object.hasOwn(vars, name)) return '';
  const v: unknown = vars[name];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
};

/** Placeholders a template uses, for validation. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export function renderText(template: string, vars: Variables): string {
  return template.replace(PLACEHOLDER, (_, name: string) => valueOf(vars, name));
}

/** The template is trusted HTML written by staff; only the values are escaped. */
export function renderHtml(template: string, vars: Variables): string {
  return template.replace(PLACEHOLDER, (_, name: string) => escapeHtml(valueOf(vars, name)));
}

/** Cuts to `max` code points, ending with an ellipsis when cut; collapses header-breaking newlines when `oneLine`. */
export function limit(text: string, max: number, oneLine = false): string {
  const clean = oneLine ? text.replace(/[\r\n]+/g, ' ').trim() : text;
  const chars = [...clean];
  return chars.length <= max ? clean : chars.slice(0, max - 1).join('') + '…';
}

/** Plain text turned into the HTML part when a template has no HTML of its own. */
export function textToHtml(text: string): string {
  return `<!doctype html><html><body><p>${escapeHtml(text).replace(/\n/g, '<br>')}</p></body></html>`;
}

/** Scalars of `data` and `variables` (variables win), the values a template may use. */
export function variablesOf(data: Record<string, unknown>, variables: Variables | undefined): Variables {
  // No prototype: a `__proto__` key in the data is a variable like any other, not a prototype swap.
  const out: Variables = Object.create(null) as Variables;
  for (const source of [data, variables ?? {}]) {
    for (const [k, v] of Object.entries(source)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
      else if (v === null || v === undefined) delete out[k];
    }
  }
  return out;
}
