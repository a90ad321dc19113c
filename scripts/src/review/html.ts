import { cellText } from '../cli/output';
import { Finding, FINDING_COLUMNS } from './findings';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string | number): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface Bar {
  label: string;
  value: number;
  /** A finding (drawn in the alert colour) or not. */
  alert?: boolean;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** A horizontal bar chart as inline SVG (no scripts, no external assets), readable by screen readers. */
export function barChart(title: string, bars: Bar[]): string {
  const rowHeight = 26;
  const labelWidth = 210;
  const chartWidth = 460;
  const height = bars.length * rowHeight + 10;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rows = bars
    .map((bar, i) => {
      const y = 5 + i * rowHeight;
      const w = bar.value === 0 ? 0 : Math.max(2, Math.round((bar.value / max) * chartWidth));
      return (
        `<g><title>${escapeHtml(`${bar.label}: ${fmt(bar.value)}`)}</title>` +
        `<text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(bar.label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 4}" width="${w}" height="${rowHeight - 8}" class="${bar.alert ? 'alert' : 'ok'}"/>` +
        `<text x="${labelWidth + w + 6}" y="${y + 17}">${fmt(bar.value)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${labelWidth + chartWidth + 90} ${height}" ` +
    `width="100%" style="max-width:${labelWidth + chartWidth + 90}px" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`
  );
}

/** A vertical histogram as inline SVG. */
export function histogram(title: string, bars: Bar[]): string {
  const barWidth = 70;
  const gap = 14;
  const chartHeight = 180;
  const width = bars.length * (barWidth + gap) + gap;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const cols = bars
    .map((bar, i) => {
      const x = gap + i * (barWidth + gap);
      const h = bar.value === 0 ? 0 : Math.max(2, Math.round((bar.value / max) * chartHeight));
      const y = 20 + chartHeight - h;
      return (
        `<g><title>${escapeHtml(`${bar.label}: ${fmt(bar.value)}`)}</title>` +
        `<rect x="${x}" y="${y}" width="${barWidth}" height="${h}" class="${bar.alert ? 'alert' : 'ok'}"/>` +
        `<text x="${x + barWidth / 2}" y="${y - 5}" text-anchor="middle">${fmt(bar.value)}</text>` +
        `<text x="${x + barWidth / 2}" y="${chartHeight + 38}" text-anchor="middle">${escapeHtml(bar.label)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${chartHeight + 50}" width="100%" ` +
    `style="max-width:${width}px" xmlns="http://www.w3.org/2000/svg">${cols}</svg>`
  );
}

/** A table of rows (findings or log events), escaped. */
export function htmlTable(columns: string[], rows: Array<Record<string, unknown>>): string {
  const head = columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${columns.map((c) => `<td>${escapeHtml(cellText(row[c]))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** A self-contained HTML page: inline CSS only, no scripts, no external fonts or images. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#181818;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #c9c9c9;padding:.25rem .5rem;text-align:left;vertical-align:top;white-space:pre-wrap}
th{background:#f3f3f3}.scroll{overflow-x:auto}
svg text{font-size:13px;fill:#181818}rect.ok{fill:#0176d3}rect.alert{fill:#ba0517}
.summary td:last-child{text-align:right}.clean{color:#2e844a}.dirty{color:#ba0517}
.meta{color:#5c5c5c;font-size:.85rem}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** The findings tables of a report: one section per class, the first rows of each. */
export function findingSections(samples: Record<string, Finding[]>, totals: Record<string, number>): string {
  return Object.entries(samples)
    .map(([cls, rows]) => {
      const total = totals[cls] ?? rows.length;
      const columns = FINDING_COLUMNS.filter((column) => rows.some((row) => row[column] !== ''));
      const note =
        total > rows.length ? ` (first ${fmt(rows.length)} of ${fmt(total)}; all are in the findings file)` : '';
      return `<h3>${escapeHtml(cls)}${escapeHtml(note)}</h3>\n${htmlTable(columns, rows as unknown as Array<Record<string, unknown>>)}`;
    })
    .join('\n');
}
