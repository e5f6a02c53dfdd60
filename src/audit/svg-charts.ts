/**
 * Small inline SVG charts for the evidence report: no scripts, no external assets, so the page
 * renders the same offline, in an archive, years later. Every chart carries `data-chart` (its
 * name) and an aria-label; every text is escaped.
 */
export function esc(s: string | number | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A figure as people read it: whole numbers as they are, others to at most two decimals
 * (never `0.32142857142857145`, in a label or a tooltip).
 */
export function fmtNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

/** A share 0..1 as a whole percentage ("32%"). */
export function fmtPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export const COLORS = { approved: '#2e7d32', revoked: '#c62828', expired: '#8d6e63', pending: '#f9a825', late: '#ef6c00', none: '#9e9e9e', bar: '#1565c0', line: '#1565c0', grid: '#ddd' };

export interface Segment {
  name: string;
  value: number;
  color: string;
}

export interface BarRow {
  label: string;
  segments: Segment[];
}

const LABEL_W = 220;
const BAR_W = 420;
const ROW_H = 22;

/** Horizontal bars, one row per label, each row a stack of segments; the value total at the end. */
export function barChart(name: string, title: string, rows: readonly BarRow[], opts: { percent?: boolean } = {}): string {
  const max = Math.max(1, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0)));
  const width = LABEL_W + BAR_W + 80;
  const legend = uniqueSegments(rows);
  // A legend only for stacked bars (single-segment rows are named by their label already),
  // wrapped onto as many lines as it needs: nothing is drawn outside the chart.
  const stacked = rows.some((r) => r.segments.length > 1);
  const legendSvg = stacked ? legendRows(legend, 30 + rows.length * ROW_H + 6, width) : null;
  const height = 30 + rows.length * ROW_H + (legendSvg ? 24 + (legendSvg.lines - 1) * LEGEND_LINE_H : 4);
  const fmt = opts.percent ? fmtPercent : fmtNumber;
  const body = rows
    .map((r, i) => {
      const y = 30 + i * ROW_H;
      let x = LABEL_W;
      const total = r.segments.reduce((a, s) => a + s.value, 0);
      const rects = r.segments
        .filter((s) => s.value > 0)
        .map((s) => {
          const w = (s.value / max) * BAR_W;
          const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w, 0.5).toFixed(1)}" height="${ROW_H - 6}" fill="${s.color}"><title>${esc(r.label)}: ${esc(s.name)} ${esc(fmt(s.value))}</title></rect>`;
          x += w;
          return rect;
        })
        .join('');
      const value = fmt(total);
      return `<text x="${LABEL_W - 6}" y="${y + 12}" text-anchor="end">${esc(truncate(r.label, 34))}</text>${rects}<text x="${(x + 4).toFixed(1)}" y="${y + 12}" data-value="${esc(value)}">${esc(value)}</text>`;
    })
    .join('');
  return svg(name, title, width, height, `<text x="0" y="16" class="t">${esc(title)}</text>${body}${legendSvg?.svg ?? ''}`);
}

export interface Point {
  x: string;
  y: number;
}

/** A line over days (x labels in order), y in 0..yMax, with an optional vertical marker (e.g. the due date). */
export function lineChart(name: string, title: string, points: readonly Point[], yMax: number, opts: { marker?: { x: string; label: string }; yLabel?: (y: number) => string } = {}): string {
  const width = 720;
  const height = 240;
  const left = 50;
  const top = 30;
  const w = width - left - 60;
  const h = height - top - 40;
  const xs = [...new Set([...points.map((p) => p.x), ...(opts.marker ? [opts.marker.x] : [])])].sort();
  const xAt = (x: string) => left + (xs.length <= 1 ? w / 2 : (xs.indexOf(x) / (xs.length - 1)) * w);
  const yAt = (y: number) => top + h - (yMax <= 0 ? 0 : (y / yMax) * h);
  const fmt = opts.yLabel ?? fmtNumber;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<line x1="${left}" x2="${left + w}" y1="${yAt(f * yMax).toFixed(1)}" y2="${yAt(f * yMax).toFixed(1)}" stroke="${COLORS.grid}"/><text x="${left - 4}" y="${(yAt(f * yMax) + 4).toFixed(1)}" text-anchor="end">${esc(fmt(f * yMax))}</text>`)
    .join('');
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${xAt(p.x).toFixed(1)},${yAt(p.y).toFixed(1)}`).join(' ');
  const dots = points.map((p) => `<circle cx="${xAt(p.x).toFixed(1)}" cy="${yAt(p.y).toFixed(1)}" r="3" fill="${COLORS.line}"><title>${esc(p.x)}: ${esc(fmt(p.y))}</title></circle>`).join('');
  const labels = xs.length > 0 ? [xs[0]!, ...(xs.length > 1 ? [xs[xs.length - 1]!] : [])].map((x) => `<text x="${xAt(x).toFixed(1)}" y="${top + h + 16}" text-anchor="middle">${esc(x)}</text>`).join('') : '';
  const marker = opts.marker
    ? `<line x1="${xAt(opts.marker.x).toFixed(1)}" x2="${xAt(opts.marker.x).toFixed(1)}" y1="${top}" y2="${top + h}" stroke="${COLORS.revoked}" stroke-dasharray="4 3"/><text x="${xAt(opts.marker.x).toFixed(1)}" y="${top - 4}" text-anchor="middle" fill="${COLORS.revoked}">${esc(opts.marker.label)}</text>`
    : '';
  const line = points.length > 0 ? `<path d="${path}" fill="none" stroke="${COLORS.line}" stroke-width="2"/>${dots}` : `<text x="${left + w / 2}" y="${top + h / 2}" text-anchor="middle">no decisions</text>`;
  return svg(name, title, width, height, `<text x="0" y="16" class="t">${esc(title)}</text>${grid}${marker}${line}${labels}`);
}

function svg(name: string, title: string, width: number, height: number, inner: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(name)}" role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${inner}</svg>`;
}

function uniqueSegments(rows: readonly BarRow[]): Segment[] {
  const seen = new Map<string, Segment>();
  for (const r of rows) for (const s of r.segments) if (!seen.has(s.name)) seen.set(s.name, s);
  return [...seen.values()];
}

const LEGEND_LINE_H = 16;

/** Legend items from the bars' left edge, wrapping to a new line (from the chart's left edge) before `width`. */
function legendRows(segments: readonly Segment[], y: number, width: number): { svg: string; lines: number } {
  let x = LABEL_W;
  let line = 0;
  const items = segments.map((s) => {
    const w = 24 + s.name.length * 7;
    if (x + w > width && x > 0) {
      x = 0;
      line++;
    }
    const top = y + line * LEGEND_LINE_H;
    const item = `<rect x="${x}" y="${top}" width="10" height="10" fill="${s.color}"/><text x="${x + 14}" y="${top + 9}">${esc(s.name)}</text>`;
    x += w;
    return item;
  });
  return { svg: items.join(''), lines: line + 1 };
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}
