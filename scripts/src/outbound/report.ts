import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { redactor } from '../cli/redact';
import { xmlEscape as esc } from '../org/xml';

/** One step of a validation run, with its timing and (redacted) evidence. */
export interface EvidenceStep {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'warning';
  startedAt: string;
  durationMs: number;
  detail: string;
  evidence?: unknown;
}

/** A whole validation run: what was checked, against what, and what was left behind. */
export interface Evidence {
  title: string;
  kind: string;
  subject: Record<string, string>;
  mode: string;
  startedAt: string;
  finishedAt: string;
  result: 'passed' | 'failed' | 'interrupted';
  steps: EvidenceStep[];
  leftBehind: string[];
}

/**
 * Writes the evidence as JSON (for machines and audits) and as one self-contained HTML page (for people), both
 * passed through the redactor once more. Returns the two paths.
 */
export function writeEvidence(dir: string, baseName: string, evidence: Evidence): { json: string; html: string } {
  const clean = redactor.redactValue(evidence);
  mkdirSync(dir, { recursive: true });
  const json = resolve(join(dir, `${baseName}.json`));
  const html = resolve(join(dir, `${baseName}.html`));
  writeFileSync(json, `${JSON.stringify(clean, null, 2)}\n`);
  writeFileSync(html, renderHtml(clean));
  return { json, html };
}

const COLORS: Record<EvidenceStep['status'] | Evidence['result'], string> = {
  passed: '#2e844a',
  failed: '#ba0517',
  skipped: '#706e6b',
  warning: '#dd7a01',
  interrupted: '#dd7a01'
};

export function renderHtml(evidence: Evidence): string {
  const badge = (status: keyof typeof COLORS): string =>
    `<span class="badge" style="background:${COLORS[status]}">${esc(status)}</span>`;
  const subject = Object.entries(evidence.subject)
    .map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`)
    .join('');
  const rows = evidence.steps
    .map(
      (step, i) =>
        `<tr><td>${i + 1}</td><td>${esc(step.name)}</td><td>${badge(step.status)}</td><td>${(step.durationMs / 1000).toFixed(2)} s</td>` +
        `<td>${esc(step.detail)}${
          step.evidence === undefined
            ? ''
            : `<details><summary>Evidence</summary><pre>${esc(JSON.stringify(step.evidence, null, 2))}</pre></details>`
        }</td></tr>`
    )
    .join('\n');
  const left =
    evidence.leftBehind.length === 0
      ? '<p>Nothing was left behind.</p>'
      : `<ul>${evidence.leftBehind.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(evidence.title)}</title>
<style>
body{font-family:-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#181818}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border:1px solid #c9c9c9;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}.badge{color:#fff;border-radius:.8rem;padding:.1rem .6rem;font-size:.85rem}
pre{background:#f8f8f8;padding:.5rem;overflow:auto;max-height:24rem}
</style>
</head>
<body>
<h1>${esc(evidence.title)} ${badge(evidence.result)}</h1>
<p>Mode: ${esc(evidence.mode)}. Started ${esc(evidence.startedAt)}, finished ${esc(evidence.finishedAt)}.</p>
<table aria-label="Subject"><tbody>${subject}</tbody></table>
<table aria-label="Steps">
<thead><tr><th scope="col">#</th><th scope="col">Step</th><th scope="col">Result</th><th scope="col">Time</th><th scope="col">Detail</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Left behind</h2>
${left}
</body>
</html>
`;
}
