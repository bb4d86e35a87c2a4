// Small inline SVG charts (no library, no script): horizontal bars, columns and one stacked bar.
// Colours and sizes are SVG attributes, not style attributes (the CSP allows no inline style). Each
// chart is an image with a title for screen readers; the numbers are also written next to it.
import { html, type Html } from "../html.ts";

export interface Bar {
  label: string;
  value: number;
  /** The text written at the bar's end. */
  text: string;
}

const PALETTE = ["#0b6b3a", "#1d4ed8", "#b45309", "#7c3aed", "#be123c", "#0e7490"];

/** One horizontal bar per item; `max` is the full width (1 for rates). */
export function hbars(title: string, bars: Bar[], max?: number): Html {
  const top = max ?? Math.max(1, ...bars.map((b) => b.value));
  const row = 34;
  const width = 560;
  const labelW = 80;
  const barW = width - labelW - 160;
  const height = Math.max(1, bars.length) * row + 16;
  return html`<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<title>${title}</title>
${bars.length === 0 ? html`<text x="12" y="28" fill="#5b6770" font-size="14">No data in this period</text>` : ""}
${bars.map((b, i) => {
  const y = 8 + i * row;
  const w = Math.max(b.value > 0 ? 2 : 0, Math.round((b.value / top) * barW));
  return html`<g><text x="${labelW - 8}" y="${y + 19}" text-anchor="end" font-size="13" fill="#17202a">${b.label}</text>
<rect x="${labelW}" y="${y + 4}" width="${barW}" height="20" fill="#eef1f4" rx="3"></rect>
<rect x="${labelW}" y="${y + 4}" width="${w}" height="20" fill="${PALETTE[i % PALETTE.length]}" rx="3"></rect>
<text x="${labelW + barW + 8}" y="${y + 19}" font-size="13" fill="#17202a">${b.text}</text></g>`;
})}</svg>`;
}

/** Vertical columns (a histogram), with counts above them. */
export function columns(title: string, bars: Bar[]): Html {
  const width = 560;
  const height = 220;
  const base = 180;
  const top = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - 40) / Math.max(1, bars.length);
  const colW = Math.min(70, slot * 0.6);
  return html`<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<title>${title}</title><line x1="20" y1="${base}" x2="${width - 20}" y2="${base}" stroke="#d9dee3"></line>
${bars.map((b, i) => {
  const h = Math.round((b.value / top) * (base - 30));
  const x = 20 + i * slot + (slot - colW) / 2;
  return html`<g><rect x="${x}" y="${base - h}" width="${colW}" height="${h}" fill="#1d4ed8" rx="3"></rect>
<text x="${x + colW / 2}" y="${base - h - 6}" text-anchor="middle" font-size="13" fill="#17202a">${b.text}</text>
<text x="${x + colW / 2}" y="${base + 18}" text-anchor="middle" font-size="12" fill="#5b6770">${b.label}</text></g>`;
})}</svg>`;
}

/** One bar split into parts (e.g. openings by how they ended), with a legend under it. */
export function stacked(title: string, parts: { label: string; value: number; color: string }[]): Html {
  const width = 560;
  const total = parts.reduce((s, p) => s + p.value, 0);
  let x = 10;
  const inner = width - 20;
  const segments = parts.map((p) => {
    const w = total === 0 ? 0 : (p.value / total) * inner;
    const seg = html`<rect x="${x}" y="10" width="${w}" height="28" fill="${p.color}"></rect>`;
    x += w;
    return seg;
  });
  return html`<svg class="chart" role="img" aria-label="${title}" viewBox="0 0 ${width} 80" width="${width}" height="80">
<title>${title}</title><rect x="10" y="10" width="${inner}" height="28" fill="#eef1f4" rx="3"></rect>${segments}
${parts.map(
  (p, i) => html`<g><rect x="${10 + i * 135}" y="54" width="12" height="12" fill="${p.color}"></rect>
<text x="${26 + i * 135}" y="65" font-size="12" fill="#17202a">${p.label} ${p.value}</text></g>`,
)}</svg>`;
}
