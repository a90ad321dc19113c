import { closeSync, openSync, writeSync } from 'node:fs';
import { usageError } from '../cli/errors';
import { redactor } from '../cli/redact';
import { CLASSES, Classification, LicencePrices, priceOf } from './classify';
import { PackedTable, fieldText } from './table';

/** One finding as people read it (CSV row, JSON object, HTML table row). */
export interface Finding {
  class: string;
  detail: string;
  key: string;
  salesforceId: string;
  salesforceLine: number | '';
  targetId: string;
  targetLine: number | '';
  attributes: string;
  salesforceValues: string;
  targetValues: string;
  lastLogin: string;
  daysSinceLogin: number | '';
  licence: string;
  monthlyCost: number | '';
}

export const FINDING_COLUMNS: Array<keyof Finding> = [
  'class',
  'detail',
  'key',
  'salesforceId',
  'salesforceLine',
  'targetId',
  'targetLine',
  'attributes',
  'salesforceValues',
  'targetValues',
  'lastLogin',
  'daysSinceLogin',
  'licence',
  'monthlyCost'
];

export interface ReviewData {
  sf: PackedTable;
  target: PackedTable;
  result: Classification;
  compare: Array<{ attribute: string; sf: number; target: number }>;
  idField: number;
  licenceField: number;
  asOf: number;
  prices?: LicencePrices;
}

const DETAIL: Record<string, string> = {
  orphaned: 'active in the target',
  missing_in_target: 'active in Salesforce, no account in the target',
  inactive_in_target: 'active in Salesforce, inactive in the target',
  drift: 'attributes differ'
};

/**
 * Every finding, in a stable order: the four join classes (in CLASSES order), then duplicates on each side, then
 * licence waste, then rejected rows. Generated lazily, so writing a million findings never holds them all.
 */
export function* findings(data: ReviewData, limit = Infinity): Generator<Finding> {
  const { sf, target, result } = data;
  const empty = (): Finding => ({
    class: '',
    detail: '',
    key: '',
    salesforceId: '',
    salesforceLine: '',
    targetId: '',
    targetLine: '',
    attributes: '',
    salesforceValues: '',
    targetValues: '',
    lastLogin: '',
    daysSinceLogin: '',
    licence: '',
    monthlyCost: ''
  });
  for (let c = 0; c < 4; c++) {
    let emitted = 0;
    for (let i = 0; i < result.findingCount && emitted < limit; i++) {
      if (result.findingClass[i] !== c) continue;
      emitted++;
      const r = result.findingSf[i];
      const t = result.findingTarget[i];
      const f = empty();
      f.class = CLASSES[c];
      f.detail = DETAIL[f.class];
      if (c === 0)
        f.detail = r >= 0 ? 'inactive in Salesforce, active in the target' : 'no Salesforce user, active in the target';
      f.key = r >= 0 ? fieldText(sf, r, 0) : fieldText(target, t, 0);
      if (r >= 0) {
        f.salesforceId = fieldText(sf, r, data.idField);
        f.salesforceLine = sf.lines[r];
      }
      if (t >= 0) {
        f.targetId = fieldText(target, t, data.idField);
        f.targetLine = target.lines[t];
      }
      const bits = result.findingDrift[i];
      if (bits !== 0) {
        const names: string[] = [];
        const sfValues: string[] = [];
        const tValues: string[] = [];
        data.compare.forEach((cmp, a) => {
          if ((bits & (1 << a)) === 0) return;
          names.push(cmp.attribute);
          sfValues.push(`${cmp.attribute}=${fieldText(sf, r, cmp.sf)}`);
          tValues.push(`${cmp.attribute}=${fieldText(target, t, cmp.target)}`);
        });
        f.attributes = names.join(' ');
        f.salesforceValues = sfValues.join('; ');
        f.targetValues = tValues.join('; ');
      }
      if (r >= 0) loginColumns(f, data, r);
      yield f;
    }
  }
  for (const [side, table] of [
    ['salesforce', sf],
    ['target', target]
  ] as const) {
    let emitted = 0;
    for (let r = 0; r < table.rows && emitted < limit; r++) {
      const first = table.firstOf[r];
      if (first === -1) continue;
      emitted++;
      const f = empty();
      f.class = `duplicate_${side}`;
      f.detail = `same key as line ${table.lines[first]}`;
      f.key = fieldText(table, r, 0);
      if (side === 'salesforce') {
        f.salesforceId = fieldText(table, r, data.idField);
        f.salesforceLine = table.lines[r];
      } else {
        f.targetId = fieldText(table, r, data.idField);
        f.targetLine = table.lines[r];
      }
      yield f;
    }
  }
  const limitDays = result.waste.rows;
  for (let i = 0; i < Math.min(result.waste.count, limit); i++) {
    const r = limitDays[i];
    const f = empty();
    f.class = 'licence_waste';
    f.detail = Number.isNaN(sf.login[r]) ? 'never logged in' : 'no login within the limit';
    f.key = fieldText(sf, r, 0);
    f.salesforceId = fieldText(sf, r, data.idField);
    f.salesforceLine = sf.lines[r];
    loginColumns(f, data, r);
    yield f;
  }
  for (const [side, table] of [
    ['salesforce', sf],
    ['target', target]
  ] as const) {
    for (const rejected of table.rejected.slice(0, Math.min(table.rejected.length, limit))) {
      const f = empty();
      f.class = `rejected_${side}`;
      f.detail = rejected.reason;
      if (side === 'salesforce') f.salesforceLine = rejected.line;
      else f.targetLine = rejected.line;
      yield f;
    }
  }
}

function loginColumns(f: Finding, data: ReviewData, r: number): void {
  const login = data.sf.login[r];
  if (!Number.isNaN(login)) {
    f.lastLogin = new Date(login * 1000).toISOString();
    f.daysSinceLogin = Math.floor((data.asOf - login) / 86400);
  }
  if (data.licenceField >= 0) f.licence = fieldText(data.sf, r, data.licenceField);
  if (f.class === 'licence_waste') {
    const price = priceOf(data.prices, f.licence);
    if (price !== undefined) f.monthlyCost = price;
  }
}

/** A CSV cell: quoted when needed; a leading = + - @ is prefixed with ' so spreadsheets do not run it. */
export function csvCell(value: string | number): string {
  let text = typeof value === 'number' ? String(value) : value;
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes every finding to a file: `.csv`, `.json` (an array) or `.jsonl`. Returns how many were written. */
export function writeFindings(path: string, data: ReviewData): number {
  const lower = path.toLowerCase();
  const format = lower.endsWith('.csv')
    ? 'csv'
    : lower.endsWith('.jsonl')
      ? 'jsonl'
      : lower.endsWith('.json')
        ? 'json'
        : '';
  if (!format) throw usageError(`--findings ${path}: use a .csv, .json or .jsonl file name.`);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw usageError(`Cannot write ${path}: ${(error as Error).message}`);
  }
  let parts: string[] = [];
  let size = 0;
  const write = (text: string): void => {
    parts.push(text);
    size += text.length;
    if (size > 1 << 20) {
      writeSync(fd, redactor.redact(parts.join('')));
      parts = [];
      size = 0;
    }
  };
  let count = 0;
  try {
    if (format === 'csv') write(`${FINDING_COLUMNS.join(',')}\n`);
    if (format === 'json') write('[\n');
    for (const finding of findings(data)) {
      if (format === 'csv') {
        write(`${FINDING_COLUMNS.map((column) => csvCell(finding[column])).join(',')}\n`);
      } else {
        write(
          `${format === 'json' && count > 0 ? ',\n' : ''}${JSON.stringify(finding)}${format === 'jsonl' ? '\n' : ''}`
        );
      }
      count++;
    }
    if (format === 'json') write('\n]\n');
    if (parts.length > 0) writeSync(fd, redactor.redact(parts.join('')));
  } finally {
    closeSync(fd);
  }
  return count;
}

/** The first `limit` findings of each class, for --json and the HTML report. */
export function sampleFindings(data: ReviewData, limit: number): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {};
  for (const finding of findings(data, limit)) (out[finding.class] ??= []).push(finding);
  return out;
}
