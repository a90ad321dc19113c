import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSES, ReviewClass } from '../classify';
import type { ReviewCounts } from './sqlite';

/** What the benchmark data set is made of. */
export interface GenerateOptions {
  dir: string;
  salesforceUsers: number;
  targetAccounts: number;
  seed: number;
  /** Reference time of the review, epoch seconds. */
  asOf: number;
  inactiveDays: number;
}

/** What was planted, counted by the generator itself: the review and sqlite3 must both find exactly this. */
export interface Planted extends ReviewCounts {
  salesforceFile: string;
  targetFile: string;
}

/** The Bulk API 2.0 header of the Salesforce side, in SOQL order. */
export const SF_COLUMNS = [
  'Id',
  'Username',
  'Email',
  'FirstName',
  'LastName',
  'Title',
  'Department',
  'IsActive',
  'LastLoginDate',
  'CreatedDate',
  'Profile.UserLicense.Name'
];

const FIRST = ['Anna', 'Ben', 'Chloé', 'Dev', 'Eun-ji', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena'];
const LAST = ['Smith', "O'Brien", 'Müller', 'Nguyen', 'Okafor', 'Silva', 'Smith, Jr.', 'Tanaka', 'Weiß', 'Zhou'];
const TITLES = ['Engineer', 'Account Executive', 'Head of\nSales', 'Analyst "Tier 2"', 'Support Agent', 'Director'];
const DEPARTMENTS = ['Engineering', 'Sales', 'Support', 'Finance', 'Marketing', 'Legal'];
const DOMAINS = ['example.com', 'corp.example.org', 'sub.example.net'];
const LICENCES = ['Salesforce', 'Salesforce Platform', 'Chatter Free'];
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** mulberry32: a small, fast, seeded PRNG, so the data set is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Writer {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.parts.length > 0) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const q = (value: string): string => `"${value.replace(/"/g, '""')}"`;
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/**
 * Writes `salesforce.csv` (Bulk API 2.0 shape: header in SOQL order, every field quoted, quotes doubled, line breaks
 * inside fields, UTF-8) and `target.jsonl` (one SCIM User per line) with planted differences: missing and orphaned
 * accounts, accounts inactive on one side, attribute drift, duplicates (same key in another case), rows without a
 * key, JSON lines that do not parse, e-mail lists whose primary is not first, keys that differ only in case.
 */
export function generate(options: GenerateOptions): Planted {
  mkdirSync(options.dir, { recursive: true });
  const random = rng(options.seed);
  const salesforceFile = join(options.dir, 'salesforce.csv');
  const targetFile = join(options.dir, 'target.jsonl');
  const sf = new Writer(salesforceFile);
  const target = new Writer(targetFile);
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<ReviewClass, number>;
  let duplicatesSalesforce = 0;
  let duplicatesTarget = 0;
  let rejectedSalesforce = 0;
  let rejectedTarget = 0;
  let licenceWaste = 0;
  let targetLines = 0;
  const asOf = options.asOf;
  const limit = options.inactiveDays * 86400;
  const n = options.salesforceUsers;
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];

  sf.write(`${SF_COLUMNS.map(q).join(',')}\n`);

  const userRow = (i: number, u: User): string =>
    [
      `005${String(i).padStart(12, '0')}AAA`,
      u.username,
      u.email,
      u.first,
      u.last,
      u.title,
      u.department,
      u.active ? 'true' : 'false',
      u.login === undefined ? '' : iso(u.login),
      iso(u.created),
      u.licence
    ]
      .map(q)
      .join(',') + '\n';

  const countWaste = (u: User): void => {
    if (!u.active) return;
    const since = u.login ?? u.created;
    if (asOf - since > limit) licenceWaste++;
  };

  const scimLine = (u: User, active: boolean, i: number, userName: string): string => {
    const emails =
      i % 7 === 0
        ? [
            { value: `home.${i}@mail.example`, type: 'home' },
            { value: u.email, type: 'work', primary: true }
          ]
        : [{ value: u.email, type: 'work', primary: true }];
    const resource: Record<string, unknown> = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      id: `2819c223-7f76-453a-919d-${String(i).padStart(12, '0')}`,
      externalId: `005${String(i).padStart(12, '0')}AAA`,
      userName,
      name: { givenName: u.first.trim(), familyName: u.last },
      displayName: `${u.first.trim()} ${u.last}`,
      emails,
      title: u.title,
      active,
      [ENTERPRISE]: { department: u.department },
      meta: { resourceType: 'User', created: iso(u.created), lastModified: iso(u.created + 3600) }
    };
    return `${JSON.stringify(resource)}\n`;
  };

  const writeTarget = (line: string): void => {
    target.write(line);
    targetLines++;
  };

  for (let i = 0; i < n; i++) {
    // Every 100,000th user (and one early on) has no username: a rejected row.
    if (i % 100_000 === 7) {
      const blank: User = makeUser(i, random, pick, asOf, limit);
      blank.username = '';
      sf.write(userRow(i, blank));
      rejectedSalesforce++;
      continue;
    }
    const u = makeUser(i, random, pick, asOf, limit);
    sf.write(userRow(i, u));
    countWaste(u);
    const userName = u.username.toLowerCase();
    const roll = random();
    if (u.active) {
      if (roll < 0.015) {
        counts.missing_in_target++;
      } else if (roll < 0.025) {
        writeTarget(scimLine(u, false, i, userName));
        counts.inactive_in_target++;
      } else if (roll < 0.045) {
        const changed = { ...u };
        const which = Math.floor(random() * 4);
        if (which === 0) changed.email = `renamed.${i}@${pick(DOMAINS)}`;
        else if (which === 1) changed.title = `${u.title} (acting)`;
        else if (which === 2) changed.department = `${u.department} EMEA`;
        else changed.first = `${u.first.trim()}a`;
        writeTarget(scimLine(changed, true, i, userName));
        counts.drift++;
      } else {
        // Same values; the e-mail differs only in case, which is not drift.
        const same = i % 11 === 0 ? { ...u, email: u.email.toUpperCase() } : u;
        writeTarget(scimLine(same, true, i, userName));
        counts.matched++;
      }
    } else if (roll < 0.2) {
      writeTarget(scimLine(u, true, i, userName));
      counts.orphaned++;
    } else if (roll < 0.8) {
      writeTarget(scimLine(u, false, i, userName));
      counts.both_inactive++;
    } else {
      counts.salesforce_only_inactive++;
    }
    // Duplicates: the same username in another case on a later row (Salesforce), or the same account twice (target).
    if (i % 50_000 === 11) {
      const dup = makeUser(i + n, random, pick, asOf, limit);
      dup.username = u.username.toUpperCase();
      sf.write(userRow(i + n, dup));
      countWaste(dup);
      duplicatesSalesforce++;
    }
    if (i % 40_000 === 13 && !(u.active && roll < 0.015) && !(!u.active && roll >= 0.8)) {
      writeTarget(scimLine(u, true, i + n, userName.toUpperCase()));
      duplicatesTarget++;
    }
    if (i % 200_000 === 17) {
      writeTarget(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"broken${i}@example.com",\n`);
      rejectedTarget++;
      writeTarget(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"no-username-${i}","active":true}\n`);
      rejectedTarget++;
    }
  }
  // Accounts only the target has, until it holds the requested number of lines.
  for (let j = 0; targetLines < options.targetAccounts; j++) {
    const u = makeUser(3 * n + j, random, pick, asOf, limit);
    const active = random() < 0.65;
    writeTarget(scimLine(u, active, 3 * n + j, `former.${j}@${pick(DOMAINS)}`));
    if (active) counts.orphaned++;
    else counts.target_only_inactive++;
  }
  sf.close();
  target.close();
  return {
    salesforceFile,
    targetFile,
    counts,
    duplicatesSalesforce,
    duplicatesTarget,
    rejectedSalesforce,
    rejectedTarget,
    licenceWaste
  };
}

interface User {
  username: string;
  email: string;
  first: string;
  last: string;
  title: string;
  department: string;
  active: boolean;
  login?: number;
  created: number;
  licence: string;
}

function makeUser(i: number, random: () => number, pick: <T>(list: T[]) => T, asOf: number, limit: number): User {
  const domain = pick(DOMAINS);
  const local = `user${i}`;
  const created = asOf - Math.floor(random() * 1500 * 86400) - 1;
  // Most users logged in lately; a tail did not for months; some never did.
  const band = random();
  const ageDays = band < 0.7 ? random() * 30 : band < 0.85 ? 30 + random() * 150 : 180 + random() * 420;
  let login: number | undefined = random() < 0.06 ? undefined : asOf - Math.floor(ageDays * 86400) - 1;
  // Keep clear of the exact waste boundary, where "more than N days" depends on the second.
  if (login !== undefined && asOf - login === limit) login -= 1;
  const first = pick(FIRST);
  return {
    // Some usernames carry capitals: the join key ignores case.
    username: i % 13 === 0 ? `${local}@${domain.toUpperCase()}` : `${local}@${domain}`,
    email: `${local}@${domain}`,
    // A few first names carry spaces around them: values are compared trimmed.
    first: i % 17 === 0 ? ` ${first} ` : first,
    last: pick(LAST),
    title: pick(TITLES),
    department: pick(DEPARTMENTS),
    active: random() < 0.88,
    login,
    created,
    licence: pick(LICENCES)
  };
}
