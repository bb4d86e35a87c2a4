// HTML built with a tagged template that escapes every interpolation unless it is already Html:
//   html`<p>${name}</p>`  → the name escaped;  html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`
// Arrays are joined; null, undefined and false render nothing. Attribute values must be quoted.

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new Html(out);
}

/** Trusted markup (our own CSS and script), never anything that came from a request or a row. */
export function unsafeRaw(markup: string): Html {
  return new Html(markup);
}
