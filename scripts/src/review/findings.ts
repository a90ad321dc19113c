import { closeSync, openSync, writeSync } from 'node:fs';
import { usageError } from '../cli/errors';
import { redactor } from '../cli/redact';
import { CLASSES, Classification, LicencePrices, priceOf } from './classify';
import { PackedTable, fieldRange, fieldText } from './table';

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

type Column = keyof Finding;
const COLUMN_INDEX = Object.fromEntries(FINDING_COLUMNS.map((c, i) => [c, i])) as Record<Column, number>;
const NEEDS_CSV_ESCAPE = /^[=+\-@\t\r]|[",\r\n]/;

/** Receives findings cell by cell (in any column order); `end` completes a row. */
interface FindingSink {
  begin(cls: string, detail: string): void;
  field(column: Column, table: PackedTable, r: number, f: number): void;
  text(column: Column, value: string): void;
  num(column: Column, value: number): void;
  end(): void;
}

/**
 * Walks every finding, in a stable order: the four join classes (in CLASSES order), then duplicates on each side,
 * then licence waste, then rejected rows; at most `limit` of each. Values stay references into the tables until a
 * sink turns them into text or bytes, so writing a million findings neither holds them nor makes garbage per cell.
 */
function walkFindings(data: ReviewData, sink: FindingSink, limit = Infinity): void {
  const { sf, target, result } = data;
  for (let c = 0; c < 4; c++) {
    let emitted = 0;
    for (let i = 0; i < result.findingCount && emitted < limit; i++) {
      if (result.findingClass[i] !== c) continue;
      emitted++;
      const r = result.findingSf[i];
      const t = result.findingTarget[i];
      const cls = CLASSES[c];
      const orphan =
        r >= 0 ? 'inactive in Salesforce, active in the target' : 'no Salesforce user, active in the target';
      sink.begin(cls, c === 0 ? orphan : DETAIL[cls]);
      if (r >= 0) sink.field('key', sf, r, 0);
      else sink.field('key', target, t, 0);
      if (r >= 0) {
        sink.field('salesforceId', sf, r, data.idField);
        sink.num('salesforceLine', sf.lines[r]);
      }
      if (t >= 0) {
        sink.field('targetId', target, t, data.idField);
        sink.num('targetLine', target.lines[t]);
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
        sink.text('attributes', names.join(' '));
        sink.text('salesforceValues', sfValues.join('; '));
        sink.text('targetValues', tValues.join('; '));
      }
      if (r >= 0) loginColumns(sink, data, r, false);
      sink.end();
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
      sink.begin(`duplicate_${side}`, `same key as line ${table.lines[first]}`);
      sink.field('key', table, r, 0);
      sink.field(side === 'salesforce' ? 'salesforceId' : 'targetId', table, r, data.idField);
      sink.num(side === 'salesforce' ? 'salesforceLine' : 'targetLine', table.lines[r]);
      sink.end();
    }
  }
  const waste = result.waste.rows;
  for (let i = 0; i < Math.min(result.waste.count, limit); i++) {
    const r = waste[i];
    sink.begin('licence_waste', Number.isNaN(sf.login[r]) ? 'never logged in' : 'no login within the limit');
    sink.field('key', sf, r, 0);
    sink.field('salesforceId', sf, r, data.idField);
    sink.num('salesforceLine', sf.lines[r]);
    loginColumns(sink, data, r, true);
    sink.end();
  }
  for (const [side, table] of [
    ['salesforce', sf],
    ['target', target]
  ] as const) {
    for (const rejected of table.rejected.slice(0, Math.min(table.rejected.length, limit))) {
      sink.begin(`rejected_${side}`, rejected.reason);
      sink.num(side === 'salesforce' ? 'salesforceLine' : 'targetLine', rejected.line);
      sink.end();
    }
  }
}

function loginColumns(sink: FindingSink, data: ReviewData, r: number, waste: boolean): void {
  const login = data.sf.login[r];
  if (!Number.isNaN(login)) {
    sink.text('lastLogin', new Date(login * 1000).toISOString());
    sink.num('daysSinceLogin', Math.floor((data.asOf - login) / 86400));
  }
  if (data.licenceField >= 0) sink.field('licence', data.sf, r, data.licenceField);
  if (waste && data.prices) {
    const price = priceOf(data.prices, data.licenceField >= 0 ? fieldText(data.sf, r, data.licenceField) : '');
    if (price !== undefined) sink.num('monthlyCost', price);
  }
}

/** A sink that builds Finding objects (JSON output, samples, the HTML report). */
class ObjectSink implements FindingSink {
  private current: Finding = ObjectSink.empty();

  constructor(private readonly emit: (finding: Finding) => void) {}

  static empty(): Finding {
    return {
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
    };
  }

  begin(cls: string, detail: string): void {
    this.current = ObjectSink.empty();
    this.current.class = cls;
    this.current.detail = detail;
  }

  field(column: Column, table: PackedTable, r: number, f: number): void {
    (this.current as unknown as Record<string, string>)[column] = fieldText(table, r, f);
  }

  text(column: Column, value: string): void {
    (this.current as unknown as Record<string, string>)[column] = value;
  }

  num(column: Column, value: number): void {
    (this.current as unknown as Record<string, number>)[column] = value;
  }

  end(): void {
    this.emit(this.current);
  }
}

/** Every finding as an object, handed to `emit` one at a time; at most `limit` of each class. */
export function eachFinding(data: ReviewData, emit: (finding: Finding) => void, limit = Infinity): void {
  walkFindings(data, new ObjectSink(emit), limit);
}

/**
 * A sink that writes CSV bytes straight from the tables' arenas into a reused buffer: no string per cell. Cells are
 * quoted when they hold a comma, quote or line break; a cell starting with = + - @ tab or CR gets a leading ' so
 * spreadsheets do not run it as a formula.
 */
class CsvSink implements FindingSink {
  private readonly kinds = new Uint8Array(FINDING_COLUMNS.length);
  private readonly texts: string[] = new Array<string>(FINDING_COLUMNS.length).fill('');
  private readonly nums = new Float64Array(FINDING_COLUMNS.length);
  private readonly tables: PackedTable[] = [];
  private readonly rows = new Int32Array(FINDING_COLUMNS.length);
  private readonly fields = new Int32Array(FINDING_COLUMNS.length);
  private out = Buffer.allocUnsafe(1 << 20);
  private n = 0;
  count = 0;

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  begin(cls: string, detail: string): void {
    this.kinds.fill(0);
    this.text('class', cls);
    this.text('detail', detail);
  }

  field(column: Column, table: PackedTable, r: number, f: number): void {
    const i = COLUMN_INDEX[column];
    this.kinds[i] = 3;
    this.tables[i] = table;
    this.rows[i] = r;
    this.fields[i] = f;
  }

  text(column: Column, value: string): void {
    const i = COLUMN_INDEX[column];
    this.kinds[i] = 1;
    this.texts[i] = value;
  }

  num(column: Column, value: number): void {
    const i = COLUMN_INDEX[column];
    this.kinds[i] = 2;
    this.nums[i] = value;
  }

  private room(bytes: number): void {
    if (this.n + bytes <= this.out.length) return;
    this.flush();
    if (bytes > this.out.length) this.out = Buffer.allocUnsafe(bytes * 2);
  }

  flush(): void {
    if (this.n > 0) this.write(this.out.subarray(0, this.n));
    this.n = 0;
  }

  /** Writes one cell from bytes, quoted and guarded as needed. */
  private cell(src: Uint8Array, start: number, end: number): void {
    this.room((end - start) * 2 + 3);
    const out = this.out;
    let quote = false;
    for (let i = start; i < end; i++) {
      const c = src[i];
      if (c === 0x2c || c === 0x22 || c === 0x0a || c === 0x0d) {
        quote = true;
        break;
      }
    }
    let w = this.n;
    if (quote) out[w++] = 0x22;
    const first = end > start ? src[start] : 0;
    if (first === 0x3d || first === 0x2b || first === 0x2d || first === 0x40 || first === 0x09 || first === 0x0d) {
      out[w++] = 0x27;
    }
    for (let i = start; i < end; i++) {
      const c = src[i];
      out[w++] = c;
      if (c === 0x22) out[w++] = 0x22;
    }
    if (quote) out[w++] = 0x22;
    this.n = w;
  }

  end(): void {
    for (let i = 0; i < FINDING_COLUMNS.length; i++) {
      if (i > 0) {
        this.room(1);
        this.out[this.n++] = 0x2c;
      }
      const kind = this.kinds[i];
      if (kind === 3) {
        const table = this.tables[i];
        const { start, end } = fieldRange(table, this.rows[i], this.fields[i]);
        this.cell(table.arena, start, end);
      } else if (kind === 2) {
        this.ascii(String(this.nums[i]));
      } else if (kind === 1) {
        const text = this.texts[i];
        if (NEEDS_CSV_ESCAPE.test(text)) {
          const bytes = Buffer.from(text, 'utf8');
          this.cell(bytes, 0, bytes.length);
        } else {
          // Written in place: no buffer per cell.
          this.room(text.length * 3);
          this.n += this.out.write(text, this.n, 'utf8');
        }
      }
    }
    this.room(1);
    this.out[this.n++] = 0x0a;
    this.count++;
  }

  /** Writes ASCII text as it is (numbers, the header). */
  ascii(text: string): void {
    this.room(text.length);
    this.n += this.out.write(text, this.n, 'latin1');
  }
}

/** A CSV cell from a string (reports, log events): the same quoting and formula guard as the findings file. */
export function csvCell(value: string | number): string {
  let text = typeof value === 'number' ? String(value) : value;
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes every finding to a file: `.csv`, `.json` (an array) or `.jsonl`. Returns how many were written. With
 * `redact` (a secret was read in this run) the text goes through the redactor; otherwise the CSV fast path writes
 * the input values as bytes.
 */
export function writeFindings(path: string, data: ReviewData, options: { redact?: boolean } = {}): number {
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
  const writeBytes = (bytes: Uint8Array): void => {
    if (options.redact) writeSync(fd, redactor.redact(Buffer.from(bytes).toString('utf8')));
    else writeSync(fd, bytes);
  };
  try {
    if (format === 'csv') {
      const sink = new CsvSink(writeBytes);
      sink.ascii(`${FINDING_COLUMNS.join(',')}\n`);
      walkFindings(data, sink);
      sink.flush();
      return sink.count;
    }
    let parts: string[] = [];
    let size = 0;
    let count = 0;
    const write = (text: string): void => {
      parts.push(text);
      size += text.length;
      if (size > 1 << 20) {
        writeBytes(Buffer.from(parts.join(''), 'utf8'));
        parts = [];
        size = 0;
      }
    };
    if (format === 'json') write('[\n');
    eachFinding(data, (finding) => {
      write(
        `${format === 'json' && count > 0 ? ',\n' : ''}${JSON.stringify(finding)}${format === 'jsonl' ? '\n' : ''}`
      );
      count++;
    });
    if (format === 'json') write('\n]\n');
    if (parts.length > 0) writeBytes(Buffer.from(parts.join(''), 'utf8'));
    return count;
  } finally {
    closeSync(fd);
  }
}

/** The first `limit` findings of each class, for --json and the HTML report. */
export function sampleFindings(data: ReviewData, limit: number): Record<string, Finding[]> {
  const out: Record<string, Finding[]> = {};
  eachFinding(data, (finding) => (out[finding.class] ??= []).push(finding), limit);
  return out;
}
