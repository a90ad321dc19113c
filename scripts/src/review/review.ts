import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { usageError } from '../cli/errors';
import { AGE_BUCKETS, CLASSES, Classification, FINDING_CLASSES, LicencePrices, classify } from './classify';
import { ReviewData, sampleFindings, writeFindings, Finding } from './findings';
import { barChart, escapeHtml, findingSections, histogram, page } from './html';
import { FileSide, loadFile, loadFileThreaded } from './load';
import { ATTRIBUTES, Attribute, Canonical, DEFAULT_COMPARE, Profile } from './profiles';
import { Schema, tableFields } from './reader';
import { KeyOptions, PackedTable, Rejected } from './table';

/** A side of the review that is not a file: read by the caller (org, SCIM endpoint) into a packed table. */
export type SideLoader = (schema: Schema, keyOptions: KeyOptions) => Promise<PackedTable>;

export interface ReviewOptions {
  salesforce: { file?: string; load?: SideLoader; profile: Profile; description: string; delimiter?: number };
  target: {
    file?: string;
    load?: SideLoader;
    profile: Profile;
    description: string;
    format?: FileSide['format'];
    delimiter?: number;
  };
  keyOptions: KeyOptions;
  compare: Attribute[];
  inactiveDays: number;
  asOf: number;
  prices?: LicencePrices;
  findingsFile?: string;
  htmlFile?: string;
  threads: boolean;
  /** Findings of each class listed in the --json result and the HTML report. */
  sampleSize: number;
  progress?: (text: string) => void;
}

export interface SideSummary {
  source: string;
  rowsRead: number;
  accepted: number;
  rejected: number;
  recoded: number;
  duplicates: number;
  ignoredValues: number;
  rejectedRows: Rejected[];
  recodedLines: number[];
  ignoredValueRows: Rejected[];
}

export interface ReviewSummary {
  clean: boolean;
  asOf: string;
  key: { salesforce: string; target: string; caseInsensitive: boolean; stripSuffixes: string[] };
  compared: Attribute[];
  inactiveDays: number;
  salesforce: SideSummary;
  target: SideSummary;
  classes: Record<string, number>;
  findings: Record<string, number>;
  totalFindings: number;
  driftByAttribute: Record<string, number>;
  licenceWaste: {
    count: number;
    activeUsers: number;
    monthlyCost?: number;
    annualCost?: number;
    currency?: string;
    byLicence: Record<string, number>;
  };
  loginAge: Array<{ bucket: string; users: number }>;
  findingsFile?: string;
  findingsWritten?: number;
  htmlFile?: string;
  samples?: Record<string, Finding[]>;
  warnings: string[];
  seconds: number;
  /** CPU time of this process (every thread), user + system. */
  cpuSeconds: number;
  peakRssMb: number;
}

/** Table schema of each side: key, id, the compared attributes, and (Salesforce) the licence name. */
export function schemas(compare: Attribute[], target: Profile): { sf: Schema; target: Schema } {
  const sfFields: Canonical[] = ['id', ...compare, 'licence'];
  const targetFields: Canonical[] = ['id', ...compare];
  for (const attribute of compare) {
    if (!target.map[attribute]) {
      throw usageError(`The ${target.name} profile has no mapping for "${attribute}".`, [
        `Map it with --target-map ${attribute}=<column or path>, or leave it out of --compare.`
      ]);
    }
  }
  return {
    sf: { fields: sfFields, requireActive: true, dates: true },
    target: { fields: targetFields, requireActive: false, dates: false }
  };
}

/** Parses `--compare`: attribute names, comma-separated, or `none`. */
export function parseCompare(value: string | undefined): Attribute[] {
  if (value === undefined) return [...DEFAULT_COMPARE];
  if (value.trim().toLowerCase() === 'none') return [];
  const list = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  for (const name of list) {
    if (!(ATTRIBUTES as readonly string[]).includes(name)) {
      throw usageError(`Unknown attribute "${name}" in --compare.`, [`Attributes: ${ATTRIBUTES.join(', ')}`]);
    }
  }
  if (list.length > 30) throw usageError('At most 30 attributes can be compared.');
  return list as Attribute[];
}

/** Parses `--licence-price`: `150`, or `Salesforce=165,Salesforce Platform=25`, optionally with `*=10` as default. */
export function parsePrices(value: string | undefined, currency: string): LicencePrices | undefined {
  if (value === undefined) return undefined;
  const prices: LicencePrices = { byLicence: {}, currency };
  for (const part of value.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const eq = item.lastIndexOf('=');
    const name = eq < 0 ? '*' : item.slice(0, eq).trim();
    const amount = Number(eq < 0 ? item : item.slice(eq + 1).trim());
    if (!Number.isFinite(amount) || amount < 0) {
      throw usageError(`Bad licence price "${item}".`, ['Example: --licence-price 150 or "Salesforce=165,*=25"']);
    }
    if (name === '*') prices.default = amount;
    else prices.byLicence[name] = amount;
  }
  return prices;
}

function sideSummary(source: string, table: PackedTable): SideSummary {
  return {
    source,
    rowsRead: table.rowsRead,
    accepted: table.rows,
    rejected: table.rejectedCount,
    recoded: table.recodedCount,
    duplicates: table.duplicateCount,
    ignoredValues: table.noteCount,
    rejectedRows: table.rejected.slice(0, 20),
    recodedLines: table.recodedLines.slice(0, 20),
    ignoredValueRows: table.notes.slice(0, 20)
  };
}

/** Reads both sides (in parallel worker threads when both are files), classifies, writes the outputs. */
export async function runReview(options: ReviewOptions): Promise<ReviewSummary> {
  const started = process.hrtime.bigint();
  const { sf: sfSchema, target: targetSchema } = schemas(options.compare, options.target.profile);
  const progress = progressReporter(options.progress);
  const fileSide = (
    label: string,
    file: string,
    profile: Profile,
    schema: Schema,
    extra: Partial<FileSide>
  ): FileSide => ({ label, path: file, profile, schema, keyOptions: options.keyOptions, ...extra });
  // With threads, the larger file is read in a worker while this thread reads the other: both cores busy, and one
  // thread fewer to start and to hold memory than a worker per file.
  const sizeOf = (file: string | undefined): number => {
    try {
      return file ? statSync(file).size : -1;
    } catch {
      return -1;
    }
  };
  const workerSide = sizeOf(options.target.file) >= sizeOf(options.salesforce.file) ? 'target' : 'Salesforce';
  const load = (
    label: 'Salesforce' | 'target',
    side: { file?: string; load?: SideLoader; profile: Profile; delimiter?: number; format?: FileSide['format'] },
    schema: Schema
  ): Promise<PackedTable> => {
    if (side.file) {
      const spec = fileSide(label, side.file, side.profile, schema, { delimiter: side.delimiter, format: side.format });
      const onProgress = (read: number, total: number): void => progress(label, read, total);
      return options.threads && label === workerSide
        ? loadFileThreaded(spec, onProgress)
        : new Promise<void>((resolve) => setImmediate(resolve)).then(() => loadFile(spec, onProgress));
    }
    if (side.load) return side.load(schema, options.keyOptions);
    throw usageError(`No ${label} input given.`);
  };
  const [sf, target] = await Promise.all([
    load('Salesforce', options.salesforce, sfSchema),
    load('target', options.target, targetSchema)
  ]);
  options.progress?.('Joining and classifying');
  const sfFields = tableFields(sfSchema);
  const targetFields = tableFields(targetSchema);
  const compare = options.compare.map((attribute) => ({
    attribute,
    sf: sfFields.indexOf(attribute),
    target: targetFields.indexOf(attribute)
  }));
  const licenceField = sfFields.indexOf('licence');
  const result = classify(sf, target, {
    compare,
    inactiveDays: options.inactiveDays,
    asOf: options.asOf,
    licenceField,
    prices: options.prices
  });
  const data: ReviewData = {
    sf,
    target,
    result,
    compare,
    idField: 1,
    licenceField,
    asOf: options.asOf,
    prices: options.prices
  };
  const summary = summarise(options, sf, target, result);
  if (options.findingsFile) {
    options.progress?.(`Writing ${options.findingsFile}`);
    // A secret (SCIM token, org session) was read when a side is live: then the findings go through the redactor.
    const redact = Boolean(options.salesforce.load ?? options.target.load);
    summary.findingsWritten = writeFindings(options.findingsFile, data, { redact });
    summary.findingsFile = options.findingsFile;
  }
  const samples =
    options.sampleSize > 0 || options.htmlFile ? sampleFindings(data, Math.max(options.sampleSize, 200)) : {};
  if (options.htmlFile) {
    writeFileSync(options.htmlFile, reviewHtml(summary, samples));
    summary.htmlFile = options.htmlFile;
  }
  if (options.sampleSize > 0) {
    summary.samples = Object.fromEntries(
      Object.entries(samples).map(([cls, rows]) => [cls, rows.slice(0, options.sampleSize)])
    );
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  summary.peakRssMb = peakRssMb(usage.maxRSS);
  summary.cpuSeconds = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1e4) / 100;
  return summary;
}

/**
 * This process's peak resident set in MB: VmHWM from /proc on Linux (getrusage's maxrss is carried over from the
 * parent across exec, so a big parent would inflate it), else getrusage.
 */
function peakRssMb(maxRssKb: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Math.round(Number(match[1]) / 1024);
  } catch {
    // Not Linux.
  }
  return Math.round(maxRssKb / 1024);
}

function progressReporter(report?: (text: string) => void): (label: string, read: number, total: number) => void {
  const state = new Map<string, number>();
  let lastStep = -1;
  return (label, read, total) => {
    if (!report) return;
    state.set(label, total > 0 ? Math.min(100, Math.floor((read / total) * 100)) : 100);
    const overall = [...state.values()].reduce((a, b) => a + b, 0) / state.size;
    const step = Math.floor(overall / 10);
    if (step === lastStep) return;
    lastStep = step;
    const bar = `[${'#'.repeat(step * 2).padEnd(20, '-')}]`;
    report(`Reading ${bar} ${[...state.entries()].map(([name, pct]) => `${name} ${pct}%`).join(', ')}`);
  };
}

function summarise(
  options: ReviewOptions,
  sf: PackedTable,
  target: PackedTable,
  result: Classification
): ReviewSummary {
  const findings: Record<string, number> = {};
  for (const cls of CLASSES) if (FINDING_CLASSES.has(cls)) findings[cls] = result.counts[cls];
  findings.duplicate_salesforce = sf.duplicateCount;
  findings.duplicate_target = target.duplicateCount;
  findings.licence_waste = result.waste.count;
  findings.rejected_salesforce = sf.rejectedCount;
  findings.rejected_target = target.rejectedCount;
  const totalFindings = Object.values(findings).reduce((a, b) => a + b, 0);
  const waste: ReviewSummary['licenceWaste'] = {
    count: result.waste.count,
    activeUsers: result.activeSalesforceUsers,
    byLicence: result.waste.byLicence
  };
  if (options.prices) {
    waste.monthlyCost = Math.round(result.waste.monthlyCost * 100) / 100;
    waste.annualCost = Math.round(result.waste.monthlyCost * 12 * 100) / 100;
    waste.currency = options.prices.currency;
  }
  return {
    clean: totalFindings === 0,
    asOf: new Date(options.asOf * 1000).toISOString(),
    key: {
      salesforce: options.salesforce.profile.map.key?.[0] ?? '',
      target: options.target.profile.map.key?.[0] ?? '',
      caseInsensitive: options.keyOptions.caseInsensitive,
      stripSuffixes: options.keyOptions.stripSuffixes
    },
    compared: options.compare,
    inactiveDays: options.inactiveDays,
    salesforce: sideSummary(options.salesforce.description, sf),
    target: sideSummary(options.target.description, target),
    classes: { ...result.counts },
    findings,
    totalFindings,
    driftByAttribute: result.driftByAttribute,
    licenceWaste: waste,
    loginAge: [
      ...AGE_BUCKETS.map((bucket, i) => ({ bucket: bucket.label, users: result.loginAge[i] })),
      { bucket: 'never', users: result.loginAge[AGE_BUCKETS.length] }
    ],
    warnings: [...sf.warnings, ...target.warnings],
    seconds: 0,
    cpuSeconds: 0,
    peakRssMb: 0
  };
}

/** The HTML report: summary, a bar chart of the classes, the login-age histogram, and the first findings. */
export function reviewHtml(summary: ReviewSummary, samples: Record<string, Finding[]>): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  const classBars = [
    ...CLASSES.map((cls) => ({
      label: cls.replace(/_/g, ' '),
      value: summary.classes[cls],
      alert: FINDING_CLASSES.has(cls)
    })),
    { label: 'duplicate (Salesforce)', value: summary.findings.duplicate_salesforce, alert: true },
    { label: 'duplicate (target)', value: summary.findings.duplicate_target, alert: true },
    { label: 'licence waste', value: summary.findings.licence_waste, alert: true },
    {
      label: 'rejected rows',
      value: summary.findings.rejected_salesforce + summary.findings.rejected_target,
      alert: true
    }
  ];
  const ageBars = summary.loginAge.map((bucket, i) => ({
    label: bucket.bucket,
    value: bucket.users,
    alert: bucket.bucket === 'never' || (i < AGE_BUCKETS.length && AGE_BUCKETS[i].max > summary.inactiveDays)
  }));
  const cost =
    summary.licenceWaste.monthlyCost !== undefined
      ? ` — ${n(summary.licenceWaste.monthlyCost)} ${escapeHtml(summary.licenceWaste.currency ?? '')} a month, ` +
        `${n(summary.licenceWaste.annualCost ?? 0)} a year`
      : '';
  const side = (name: string, s: SideSummary): string =>
    `<tr><td>${name}</td><td>${escapeHtml(s.source)}</td><td>${n(s.rowsRead)}</td><td>${n(s.accepted)}</td>` +
    `<td>${n(s.rejected)}</td><td>${n(s.duplicates)}</td><td>${n(s.recoded)}</td><td>${n(s.ignoredValues)}</td></tr>`;
  const rejectedRows = [
    ...summary.salesforce.rejectedRows.map((r) => `<li>Salesforce line ${r.line}: ${escapeHtml(r.reason)}</li>`),
    ...summary.target.rejectedRows.map((r) => `<li>target line ${r.line}: ${escapeHtml(r.reason)}</li>`)
  ].join('');
  const body = `
<h1>Access review</h1>
<p class="meta">As of ${escapeHtml(summary.asOf)} · key: Salesforce <code>${escapeHtml(summary.key.salesforce)}</code> ↔
target <code>${escapeHtml(summary.key.target)}</code>${summary.key.caseInsensitive ? ' (ignoring case)' : ''} ·
compared: ${escapeHtml(summary.compared.join(', ') || 'nothing')} · licence waste after ${summary.inactiveDays} days without login</p>
<p class="${summary.clean ? 'clean' : 'dirty'}"><strong>${summary.clean ? 'Clean: nothing to act on.' : `${n(summary.totalFindings)} findings.`}</strong></p>
<h2>Inputs</h2>
<table class="summary"><thead><tr><th>Side</th><th>Source</th><th>Rows read</th><th>Accepted</th><th>Rejected</th><th>Duplicates</th><th>Read as Windows-1252</th><th>Values ignored</th></tr></thead>
<tbody>${side('Salesforce', summary.salesforce)}${side('Target', summary.target)}</tbody></table>
${rejectedRows ? `<ul>${rejectedRows}</ul>` : ''}
<h2>Accounts by class</h2>
${barChart('Accounts by class', classBars)}
<h2>Days since last login (active Salesforce users)</h2>
<p>${n(summary.licenceWaste.count)} of ${n(summary.licenceWaste.activeUsers)} active users have not logged in for more than ${summary.inactiveDays} days${cost}.</p>
${histogram('Days since last login of active Salesforce users', ageBars)}
${
  Object.keys(summary.driftByAttribute).length
    ? `<h2>Drift by attribute</h2>${barChart(
        'Drift by attribute',
        Object.entries(summary.driftByAttribute).map(([label, value]) => ({ label, value, alert: true }))
      )}`
    : ''
}
${summary.warnings.length ? `<h2>Warnings</h2><ul>${summary.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
<h2>Findings</h2>
${summary.findingsFile ? `<p>Every finding is in <code>${escapeHtml(summary.findingsFile)}</code>.</p>` : ''}
${findingSections(samples, summary.findings)}
`;
  return page('Access review', body);
}
