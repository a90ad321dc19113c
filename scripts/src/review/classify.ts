import { rangesEqual, rangesEqualAsciiCI } from './bytes';
import { Attribute, CASE_INSENSITIVE_ATTRIBUTES } from './profiles';
import { PackedTable, fieldRange, fieldText, lookup } from './table';

/**
 * The classes every account falls in (one each, on the first row of each key): the first five are findings, the
 * last three are clean. Duplicates, rejected rows and licence waste are counted on top.
 */
export const CLASSES = [
  'orphaned',
  'missing_in_target',
  'inactive_in_target',
  'drift',
  'matched',
  'both_inactive',
  'salesforce_only_inactive',
  'target_only_inactive'
] as const;
export type ReviewClass = (typeof CLASSES)[number];
export const FINDING_CLASSES: ReadonlySet<ReviewClass> = new Set([
  'orphaned',
  'missing_in_target',
  'inactive_in_target',
  'drift'
]);

export const C_ORPHANED = 0;
export const C_MISSING = 1;
export const C_INACTIVE_IN_TARGET = 2;
export const C_DRIFT = 3;
export const C_MATCHED = 4;
export const C_BOTH_INACTIVE = 5;
export const C_SF_ONLY_INACTIVE = 6;
export const C_TARGET_ONLY_INACTIVE = 7;

/** Login-age buckets of the histogram (days since the last login of active Salesforce users). */
export const AGE_BUCKETS: Array<{ label: string; max: number }> = [
  { label: '0-7 d', max: 7 },
  { label: '8-30 d', max: 30 },
  { label: '31-90 d', max: 90 },
  { label: '91-180 d', max: 180 },
  { label: '181-365 d', max: 365 },
  { label: '> 1 y', max: Infinity }
];

export interface ClassifyOptions {
  /** Attributes compared for drift, with their field index in each table. */
  compare: Array<{ attribute: Attribute; sf: number; target: number }>;
  /** Licence waste: active users with no login for more than this many days. */
  inactiveDays: number;
  /** The review's reference time, epoch seconds. */
  asOf: number;
  /** Field index of the licence name in the Salesforce table, or -1. */
  licenceField: number;
  prices?: LicencePrices;
}

/** Price per licence per month: one default, and/or per licence name (`Salesforce=165,Salesforce Platform=25`). */
export interface LicencePrices {
  default?: number;
  byLicence: Record<string, number>;
  currency: string;
}

/** Everything the review found; rows are indexes into the two tables. */
export interface Classification {
  counts: Record<ReviewClass, number>;
  /** Findings of the four finding classes: class code, Salesforce row (-1 none), target row (-1 none), drift bits. */
  findingClass: Uint8Array;
  findingSf: Int32Array;
  findingTarget: Int32Array;
  findingDrift: Uint32Array;
  findingCount: number;
  /** Drift count per compared attribute. */
  driftByAttribute: Record<string, number>;
  waste: { rows: Int32Array; count: number; monthlyCost: number; priced: boolean; byLicence: Record<string, number> };
  /** Counts per AGE_BUCKETS entry, then one for "never logged in". */
  loginAge: number[];
  activeSalesforceUsers: number;
}

class Growable {
  cls = new Uint8Array(1024);
  sf = new Int32Array(1024);
  target = new Int32Array(1024);
  drift = new Uint32Array(1024);
  n = 0;

  add(c: number, sf: number, target: number, drift: number): void {
    if (this.n === this.cls.length) {
      const size = this.n * 2;
      const cls = new Uint8Array(size);
      cls.set(this.cls);
      const s = new Int32Array(size);
      s.set(this.sf);
      const t = new Int32Array(size);
      t.set(this.target);
      const d = new Uint32Array(size);
      d.set(this.drift);
      this.cls = cls;
      this.sf = s;
      this.target = t;
      this.drift = d;
    }
    this.cls[this.n] = c;
    this.sf[this.n] = sf;
    this.target[this.n] = target;
    this.drift[this.n] = drift;
    this.n++;
  }
}

/** Joins the two sides on the normalised key and classifies every account. */
export function classify(sf: PackedTable, target: PackedTable, options: ClassifyOptions): Classification {
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<ReviewClass, number>;
  const perClass = new Array<number>(CLASSES.length).fill(0);
  const findings = new Growable();
  const sfWidth = sf.fields.length;
  const tWidth = target.fields.length;
  const sfStarts = sf.starts;
  const sfEnds = sf.ends;
  const tStarts = target.starts;
  const tEnds = target.ends;
  const sfBytes = sf.arena;
  const tBytes = target.arena;
  const matchedTarget = new Uint8Array(target.rows);
  const compare = options.compare;
  const ci = compare.map((c) => CASE_INSENSITIVE_ATTRIBUTES.has(c.attribute));
  const driftByAttribute = new Array<number>(compare.length).fill(0);

  for (let r = 0; r < sf.rows; r++) {
    if (sf.firstOf[r] !== -1) continue;
    const base = r * sfWidth;
    const rowStart = sfStarts[r];
    const t = lookup(target, sf.hashes[r], sfBytes, rowStart, rowStart + sfEnds[base]);
    const sfActive = sf.active[r] === 1;
    let c: number;
    let drift = 0;
    if (t < 0) {
      c = sfActive ? C_MISSING : C_SF_ONLY_INACTIVE;
    } else {
      matchedTarget[t] = 1;
      const tActive = target.active[t] === 1;
      if (sfActive && tActive) {
        const tBase = t * tWidth;
        const tRow = tStarts[t];
        for (let a = 0; a < compare.length; a++) {
          // Compared attributes are never field 0 (the key), so the field before them always exists.
          const fs = base + compare[a].sf;
          const ft = tBase + compare[a].target;
          const s0 = rowStart + sfEnds[fs - 1];
          const s1 = rowStart + sfEnds[fs];
          const t0 = tRow + tEnds[ft - 1];
          const t1 = tRow + tEnds[ft];
          const equal = ci[a]
            ? rangesEqualAsciiCI(sfBytes, s0, s1, tBytes, t0, t1)
            : rangesEqual(sfBytes, s0, s1, tBytes, t0, t1);
          if (!equal) {
            drift |= 1 << a;
            driftByAttribute[a]++;
          }
        }
        c = drift !== 0 ? C_DRIFT : C_MATCHED;
      } else if (sfActive) {
        c = C_INACTIVE_IN_TARGET;
      } else if (tActive) {
        c = C_ORPHANED;
      } else {
        c = C_BOTH_INACTIVE;
      }
    }
    perClass[c]++;
    if (c <= C_DRIFT) findings.add(c, r, t, drift);
  }
  for (let t = 0; t < target.rows; t++) {
    if (target.firstOf[t] !== -1 || matchedTarget[t] === 1) continue;
    if (target.active[t] === 1) {
      perClass[C_ORPHANED]++;
      findings.add(C_ORPHANED, -1, t, 0);
    } else {
      perClass[C_TARGET_ONLY_INACTIVE]++;
    }
  }
  CLASSES.forEach((name, i) => (counts[name] = perClass[i]));

  const { waste, loginAge, active } = licenceWaste(sf, options);
  return {
    counts,
    findingClass: findings.cls.subarray(0, findings.n),
    findingSf: findings.sf.subarray(0, findings.n),
    findingTarget: findings.target.subarray(0, findings.n),
    findingDrift: findings.drift.subarray(0, findings.n),
    findingCount: findings.n,
    driftByAttribute: Object.fromEntries(compare.map((c, i) => [c.attribute, driftByAttribute[i]])),
    waste,
    loginAge,
    activeSalesforceUsers: active
  };
}

/** Licence names of a table's rows, interned by their bytes: a handful of distinct names, a million rows. */
class LicenceNames {
  readonly names: string[] = [''];
  private readonly ranges: Array<[number, number]> = [[0, 0]];

  constructor(
    private readonly table: PackedTable,
    private readonly field: number
  ) {}

  indexOf(r: number): number {
    if (this.field < 0) return 0;
    const { start, end } = fieldRange(this.table, r, this.field);
    const bytes = this.table.arena;
    for (let i = 0; i < this.ranges.length; i++) {
      const [s, e] = this.ranges[i];
      if (rangesEqual(bytes, s, e, bytes, start, end)) return i;
    }
    this.ranges.push([start, end]);
    this.names.push(fieldText(this.table, r, this.field));
    return this.ranges.length - 1;
  }
}

/** Price of one licence per month, or undefined when no price applies. */
export function priceOf(prices: LicencePrices | undefined, licence: string): number | undefined {
  if (!prices) return undefined;
  const named = prices.byLicence[licence];
  return named !== undefined ? named : prices.default;
}

/**
 * Licence waste: every active Salesforce user (duplicates included: each row is a user holding a licence) whose
 * last login — or, if never logged in, creation — is more than `inactiveDays` days before `asOf`. A user with
 * neither date counts as waste. Also fills the login-age histogram.
 */
function licenceWaste(
  sf: PackedTable,
  options: ClassifyOptions
): { waste: Classification['waste']; loginAge: number[]; active: number } {
  const limit = options.inactiveDays * 86400;
  const asOf = options.asOf;
  const rows = new Int32Array(sf.rows);
  const loginAge = new Array<number>(AGE_BUCKETS.length + 1).fill(0);
  let count = 0;
  let active = 0;
  let monthlyCost = 0;
  const byLicence: Record<string, number> = {};
  const priced = options.prices !== undefined;
  const licences = new LicenceNames(sf, options.licenceField);
  const perLicence: number[] = [];
  for (let r = 0; r < sf.rows; r++) {
    if (sf.active[r] !== 1) continue;
    active++;
    const login = sf.login[r];
    if (login !== login) {
      loginAge[AGE_BUCKETS.length]++;
    } else {
      const days = Math.floor((asOf - login) / 86400);
      let b = 0;
      while (days > AGE_BUCKETS[b].max) b++;
      loginAge[b]++;
    }
    const since = login === login ? login : sf.created[r];
    if (since !== since || asOf - since > limit) {
      rows[count++] = r;
      const l = options.licenceField >= 0 ? licences.indexOf(r) : 0;
      perLicence[l] = (perLicence[l] ?? 0) + 1;
    }
  }
  licences.names.forEach((name, l) => {
    const n = perLicence[l] ?? 0;
    if (n === 0) return;
    byLicence[name || '(unknown)'] = (byLicence[name || '(unknown)'] ?? 0) + n;
    monthlyCost += (priceOf(options.prices, name) ?? 0) * n;
  });
  return {
    waste: { rows: rows.subarray(0, count), count, monthlyCost, priced, byLicence },
    loginAge,
    active
  };
}
