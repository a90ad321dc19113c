import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHandler } from '../src/cli/command';
import { ExitCode } from '../src/cli/errors';
import { reviewHandler, ReviewFlags } from '../src/review/command';
import { parseIsoSeconds } from '../src/review/bytes';
import { CsvRecord, CsvScanner } from '../src/review/csv';
import { FileSide, feederFor, loadFile, loadFileThreaded, workerScript } from '../src/review/load';
import { ENTRA, OKTA, Profile, SALESFORCE, SCIM } from '../src/review/profiles';
import { Format, Schema, builderFor } from '../src/review/reader';
import { ReviewSummary } from '../src/review/review';
import { DEFAULT_KEY_OPTIONS, PackedTable, fieldText } from '../src/review/table';
import { sink } from './helpers/sink';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'provisio-review-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const SF_SCHEMA: Schema = {
  fields: ['id', 'email', 'givenName', 'title', 'licence'],
  requireActive: true,
  dates: true
};
const T_SCHEMA: Schema = {
  fields: ['id', 'email', 'givenName', 'title', 'department'],
  requireActive: false,
  dates: true
};

/** Feeds bytes in pieces of `step` bytes, to prove chunk boundaries change nothing. */
function readBytes(bytes: Buffer, format: Format, profile: Profile, schema: Schema, step = bytes.length): PackedTable {
  const builder = builderFor(schema, DEFAULT_KEY_OPTIONS);
  const feeder = feederFor(format, builder, { label: 'test', profile, schema });
  for (let i = 0; i < bytes.length; i += step) {
    // A reused buffer: feeders must copy what they keep.
    const chunk = Buffer.from(bytes.subarray(i, i + step));
    feeder.push(chunk);
    chunk.fill(0x7e);
  }
  feeder.end();
  return builder.finish();
}

const rows = (table: PackedTable): string[][] =>
  Array.from({ length: table.rows }, (_, r) => table.fields.map((_, f) => fieldText(table, r, f)));

const BULK_CSV = [
  '"Id","Username","Email","FirstName","Title","IsActive","LastLoginDate","CreatedDate","Profile.UserLicense.Name"',
  '"005A","Ann@Example.com","ann@example.com","Ann","Head of\nSales","true","2026-10-30T10:00:00.000Z","2020-01-01T00:00:00.000Z","Salesforce"',
  '"005B","bob@example.com","bob@example.com","Bob ""Bobby""","Analyst, Tier 2","false","","2020-01-01T00:00:00.000Z","Salesforce Platform"',
  '',
  '"005C","","c@example.com","C","","true","","","Salesforce"',
  '"005D","dan@example.com","dan@example.com","Dan","","true","2026-10-01T00:00:00.000+0000"',
  '"005E","eve@example.com","eve@example.com","Eve","","maybe","","","Salesforce"',
  '"005F","fay@example.com","fay@example.com","Fay","","TRUE","not a date","2020-01-01T00:00:00Z","Salesforce"'
].join('\r\n');

describe('CSV reader (Bulk API 2.0 shape)', () => {
  it('reads quoted fields, doubled quotes, line breaks inside fields and CRLF, the same at every chunk size', () => {
    const bytes = Buffer.from(`\ufeff${BULK_CSV}\r\n`, 'utf8');
    const whole = readBytes(bytes, 'csv', SALESFORCE, SF_SCHEMA);
    expect(rows(whole)).toEqual([
      ['ann@example.com', '005A', 'ann@example.com', 'Ann', 'Head of\nSales', 'Salesforce'],
      ['bob@example.com', '005B', 'bob@example.com', 'Bob "Bobby"', 'Analyst, Tier 2', 'Salesforce Platform'],
      ['fay@example.com', '005F', 'fay@example.com', 'Fay', '', 'Salesforce']
    ]);
    expect(Array.from(whole.active)).toEqual([1, 0, 1]);
    expect(whole.login[0]).toBe(Date.UTC(2026, 9, 30, 10) / 1000);
    expect(Number.isNaN(whole.login[1])).toBe(true);
    for (const step of [1, 2, 3, 7, 64]) {
      const chunked = readBytes(bytes, 'csv', SALESFORCE, SF_SCHEMA, step);
      expect(rows(chunked)).toEqual(rows(whole));
      expect(chunked.rejected).toEqual(whole.rejected);
    }
    expect(whole.warnings).toContain('test: UTF-8 byte-order mark removed');
  });

  it('rejects bad rows with their line numbers and keeps reading', () => {
    const table = readBytes(Buffer.from(BULK_CSV), 'csv', SALESFORCE, SF_SCHEMA);
    // Line 1 header, lines 2-3 Ann (a line break inside Title), 4 Bob, 5 blank, 6 C, 7 Dan, 8 Eve, 9 Fay.
    expect(table.rejected).toEqual([
      { line: 6, reason: 'empty key (Username)' },
      { line: 7, reason: 'expected 9 fields, found 7' },
      { line: 8, reason: 'IsActive is "maybe", not true/false' }
    ]);
    expect(table.rowsRead).toBe(6);
    expect(table.notes).toEqual([
      { line: 9, reason: 'LastLoginDate "not a date" is not an ISO 8601 date-time; treated as unknown' }
    ]);
  });

  it('reports an unterminated quote and garbage after a closing quote', () => {
    const records: number[] = [];
    const bad: Array<[number, string]> = [];
    const scanner = new CsvScanner(0x2c, {
      record: (r: CsvRecord) => records.push(r.line),
      malformed: (line, reason) => bad.push([line, reason])
    });
    const bytes = Buffer.from('"a","b"\n"x"y,"z"\n"ok","1"\n"open,2\n');
    scanner.scan(bytes, 0, bytes.length, true);
    expect(records).toEqual([1, 3]);
    expect(bad).toEqual([
      [2, 'unexpected character "y" after a closing quote'],
      [4, 'unterminated quoted field']
    ]);
  });

  it('reads a 100-column export, a Windows-1252 row, and UTF-16LE files', () => {
    const extra = Array.from({ length: 92 }, (_, i) => `Extra${i}`);
    const header = [
      'Id',
      'Username',
      'Email',
      'FirstName',
      'Title',
      'IsActive',
      'LastLoginDate',
      'CreatedDate',
      ...extra
    ];
    const row = (user: string, first: string): string =>
      ['005X', user, user, first, 'T', 'true', '', '', ...extra.map(() => 'x')].join(',');
    const utf8 = Buffer.from(`${header.join(',')}\n${row('a@x.com', 'Zoë')}\n`, 'utf8');
    // "René" written by a Windows-1252 exporter: é is the single byte 0xE9, not valid UTF-8.
    const cp1252 = Buffer.from(`${row('b@x.com', 'Ren\u0001')}\n`, 'latin1').map((b) => (b === 1 ? 0xe9 : b));
    const table = readBytes(Buffer.concat([utf8, cp1252]), 'csv', SALESFORCE, SF_SCHEMA);
    expect(rows(table).map((r) => r[3])).toEqual(['Zoë', 'René']);
    expect(table.recodedLines).toEqual([3]);
    expect(table.warnings.some((w) => w.includes('no column for licence'))).toBe(true);

    const text = `${header.slice(0, 8).join('\t')}\n${['005Y', 'y@x.com', 'y@x.com', 'Łukasz', '', 'true', '', ''].join('\t')}\n`;
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const fromUtf16 = readBytes(utf16, 'csv', SALESFORCE, SF_SCHEMA, 5);
    expect(rows(fromUtf16)[0][3]).toBe('Łukasz');
  });

  it('rejects a row whose kept fields exceed 64 KB, and reads on', () => {
    const csv = `Username,IsActive,Title\na@x.com,true,${'t'.repeat(70_000)}\nb@x.com,true,ok\n`;
    const table = readBytes(Buffer.from(csv), 'csv', SALESFORCE, SF_SCHEMA);
    expect(rows(table).map((r) => r[0])).toEqual(['b@x.com']);
    expect(table.rejected).toEqual([
      { line: 2, reason: 'the row holds more than 65,535 bytes in the fields the review keeps' }
    ]);
  });

  it('fails clearly when the key or active column is missing', () => {
    expect(() => readBytes(Buffer.from('Id,Email\n1,a@x.com\n'), 'csv', SALESFORCE, SF_SCHEMA)).toThrow(
      /no key column \(Username\)/
    );
    expect(() => readBytes(Buffer.from('Id,Username\n1,a@x.com\n'), 'csv', SALESFORCE, SF_SCHEMA)).toThrow(
      /no active column/
    );
  });

  it('reads an Entra ID "Download users" CSV (version line, accountEnabled)', () => {
    const csv = [
      'version:v1.0',
      'userPrincipalName,displayName,surname,mail,givenName,objectId,userType,jobTitle,department,accountEnabled',
      'ann@contoso.com,Ann Lee,Lee,ann@contoso.com,Ann,11111111-1,Member,Engineer,R&D,True',
      'old@contoso.com,Old,One,old@contoso.com,Old,22222222-2,Member,,,False'
    ].join('\n');
    const table = readBytes(Buffer.from(csv), 'csv', ENTRA, T_SCHEMA);
    expect(rows(table)).toEqual([
      ['ann@contoso.com', '11111111-1', 'ann@contoso.com', 'Ann', 'Engineer', 'R&D'],
      ['old@contoso.com', '22222222-2', 'old@contoso.com', 'Old', '', '']
    ]);
    expect(Array.from(table.active)).toEqual([1, 0]);
  });
});

describe('date-times', () => {
  it('parses the ISO 8601 shapes Salesforce, SCIM and IdP exports write, and refuses impossible dates', () => {
    const seconds = (text: string): number => parseIsoSeconds(Buffer.from(text), 0, Buffer.byteLength(text));
    for (const text of [
      '2026-10-30T10:00:00.000Z',
      '2024-02-29T23:59:59Z',
      '1969-12-31T23:59:59Z',
      '2026-01-15T10:00:00+01:30',
      '2000-03-01',
      '1900-03-01T00:00:00Z'
    ]) {
      expect(seconds(text)).toBe(Date.parse(text) / 1000);
    }
    expect(seconds('2026-01-15T10:00:00.000+0000')).toBe(Date.UTC(2026, 0, 15, 10) / 1000);
    expect(seconds('2026-01-15 10:00:00')).toBe(Date.UTC(2026, 0, 15, 10) / 1000);
    expect(seconds('  ')).toBeNaN();
    for (const bad of ['2023-02-29', '2026-13-01', '30/10/2026', '2026-10-30T10:00:00Q'])
      expect(seconds(bad)).toBe(-Infinity);
  });
});

describe('JSON readers', () => {
  const fixture = (name: string): string =>
    JSON.stringify(JSON.parse(readFileSync(join(__dirname, 'fixtures', 'review', name), 'utf8')));

  it('reads RFC 7643 users as JSON lines: primary e-mail, enterprise department, escapes', () => {
    const lines = [
      fixture('rfc7643-8.3-enterprise_user.json'),
      '',
      '{"userName":"x@example.com","emails":[{"value":"home@x.com"},{"value":"Work@X.com","primary":true}],"title":"A \\"quoted\\"\\nline","active":false}',
      '{"userName":"broken@example.com",',
      '{"id":"no-user-name","active":true}',
      '["not an object"]',
      '{"userName":"ctrl@example.com","title":"raw\u0001control"}'
    ].join('\n');
    for (const step of [1, 5, 1 << 20]) {
      const table = readBytes(Buffer.from(lines), 'jsonl', SCIM, T_SCHEMA, step);
      expect(rows(table)).toEqual([
        [
          'bjensen@example.com',
          '2819c223-7f76-453a-919d-413861904646',
          'bjensen@example.com',
          'Barbara',
          'Tour Guide',
          'Tour Operations'
        ],
        ['x@example.com', '', 'Work@X.com', '', 'A "quoted"\nline', '']
      ]);
      expect(Array.from(table.active)).toEqual([1, 0]);
      expect(table.rejected.map((r) => r.line)).toEqual([4, 5, 6, 7]);
      expect(table.rejected[0].reason).toMatch(/^not valid JSON/);
      expect(table.rejected[1].reason).toBe('no userName');
    }
  });

  it('streams a SCIM ListResponse, a Graph {value:[...]} page and an Okta array', () => {
    const list = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"Resources":[\n${fixture(
      'rfc7643-8.2-user-full.json'
    )},\n{"userName":"b@x.com","active":false}, 42]}`;
    const scim = readBytes(Buffer.from(list), 'json', SCIM, T_SCHEMA, 3);
    expect(rows(scim).map((r) => r[0])).toEqual(['bjensen@example.com', 'b@x.com']);
    expect(scim.rejected).toEqual([{ line: 3, reason: 'array element is not an object' }]);

    const graph =
      '{"@odata.context":"x","value":[{"userPrincipalName":"G@contoso.com","accountEnabled":false,"mail":"g@contoso.com","signInActivity":{"lastSignInDateTime":"2026-01-01T00:00:00Z"}}]}';
    const entra = readBytes(Buffer.from(graph), 'json', ENTRA, T_SCHEMA);
    expect(rows(entra)[0].slice(0, 3)).toEqual(['g@contoso.com', '', 'g@contoso.com']);
    expect(entra.active[0]).toBe(0);
    expect(entra.login[0]).toBe(Date.UTC(2026, 0, 1) / 1000);

    const okta = JSON.stringify([
      { id: '00u1', status: 'ACTIVE', profile: { login: 'o@x.com', email: 'o@x.com', firstName: 'O' } },
      { id: '00u2', status: 'DEPROVISIONED', profile: { login: 'p@x.com' } },
      { id: '00u3', status: 'SUSPENDED', profile: { login: 'q@x.com' } }
    ]);
    const fromOkta = readBytes(Buffer.from(okta), 'json', OKTA, T_SCHEMA);
    expect(rows(fromOkta).map((r) => r[0])).toEqual(['o@x.com', 'p@x.com', 'q@x.com']);
    expect(Array.from(fromOkta.active)).toEqual([1, 0, 0]);
  });

  it('fails clearly on a JSON document without a users array', () => {
    expect(() => readBytes(Buffer.from('{"a":1}'), 'json', SCIM, T_SCHEMA)).toThrow(/no array of users found/);
  });
});

const SF = [
  'Id,Username,Email,FirstName,LastName,Title,Department,IsActive,LastLoginDate,CreatedDate,Profile.UserLicense.Name',
  '005A,ann@x.com,ann@x.com,Ann,Lee,Eng,R&D,true,2026-10-30T00:00:00Z,2020-01-01T00:00:00Z,Salesforce',
  '005B,Bob@X.com.uat,bob@x.com,Bob,Ray,Eng,R&D,true,2026-01-01T00:00:00Z,2020-01-01T00:00:00Z,Salesforce',
  '005C,cat@x.com,cat@x.com,Cat,Fox,Eng,R&D,false,,2020-01-01T00:00:00Z,Salesforce',
  '005D,dan@x.com,dan@x.com,Dan,Oak,Eng,R&D,true,,2026-10-20T00:00:00Z,Salesforce Platform',
  '005E,eve@x.com,eve@x.com,Eve,Elm,Eng,R&D,true,2026-10-29T00:00:00Z,2020-01-01T00:00:00Z,Salesforce',
  '005F,fay@x.com,fay@x.com,Fay,Ash,Eng,R&D,true,2026-10-29T00:00:00Z,2020-01-01T00:00:00Z,Salesforce',
  '005G,ANN@x.com,ann2@x.com,Ann,Two,Eng,R&D,true,,2020-01-01T00:00:00Z,Salesforce Platform',
  '005H,gus@x.com,gus@x.com,Gus,Yew,Eng,R&D,false,,2020-01-01T00:00:00Z,Salesforce'
].join('\n');

const scim = (userName: string, active: boolean, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    id: `t-${userName}`,
    userName,
    active,
    name: { givenName: userName.slice(0, 3).replace(/^./, (c) => c.toUpperCase()) },
    emails: [{ value: userName, primary: true }],
    title: 'Eng',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'R&D' },
    ...extra
  });

const TARGET = [
  scim('ann@x.com', true, { name: { givenName: 'Ann', familyName: 'Lee' } }),
  scim('BOB@x.com', true, { name: { givenName: 'Bob', familyName: 'Ray' } }),
  scim('cat@x.com', true, { name: { givenName: 'Cat', familyName: 'Fox' } }),
  scim('eve@x.com', false, { name: { givenName: 'Eve', familyName: 'Elm' } }),
  scim('fay@x.com', true, { name: { givenName: 'Fay', familyName: 'Ash' }, title: 'Boss' }),
  scim('zed@x.com', true),
  scim('ann@x.com', true),
  '{"userName": "bad"',
  scim('gus@x.com', false, { name: { givenName: 'Gus', familyName: 'Yew' } })
].join('\n');

describe('review command', () => {
  const baseFlags = (overrides: Partial<ReviewFlags>): ReviewFlags => ({
    json: true,
    salesforce: file('sf.csv', SF),
    target: file('target.jsonl', TARGET),
    targetProfile: 'scim',
    scimTokenEnv: 'PROVISIO_SCIM_TOKEN',
    scimPageSize: '100',
    sfApi: 'bulk',
    inactiveDays: '90',
    asOf: '2026-11-01T00:00:00Z',
    currency: 'EUR',
    threads: false,
    sample: '5',
    compare: 'email,givenName,familyName,title,department',
    stripSuffix: ['.uat'],
    ...overrides
  });

  const run = async (flags: ReviewFlags): Promise<{ code: number; summary: ReviewSummary; stdout: string }> => {
    const out = sink();
    const code = await runHandler(reviewHandler, flags, { stdout: out.stream, stderr: sink().stream, env: {} });
    const parsed = JSON.parse(out.text()) as { result: ReviewSummary };
    return { code, summary: parsed.result, stdout: out.text() };
  };

  it('classifies every account, counts duplicates, waste and rejects, writes CSV/HTML, exits 1', async () => {
    const findingsFile = join(dir, 'findings.csv');
    const htmlFile = join(dir, 'report.html');
    const { code, summary } = await run(
      baseFlags({ findings: findingsFile, html: htmlFile, licencePrice: 'Salesforce=165,*=25' })
    );
    expect(code).toBe(ExitCode.FINDINGS);
    expect(summary.classes).toEqual({
      orphaned: 2, // cat (inactive in Salesforce), zed (no Salesforce user)
      missing_in_target: 1, // dan
      inactive_in_target: 1, // eve
      drift: 1, // fay: title
      matched: 2, // ann, bob (case and the .uat suffix ignored)
      both_inactive: 1, // gus
      salesforce_only_inactive: 0,
      target_only_inactive: 0
    });
    expect(summary.driftByAttribute).toEqual({ email: 0, givenName: 0, familyName: 0, title: 1, department: 0 });
    expect(summary.findings).toMatchObject({
      duplicate_salesforce: 1,
      duplicate_target: 1,
      rejected_target: 1,
      rejected_salesforce: 0,
      // bob (last login 2026-01-01) and the duplicate ANN (never logged in, created 2020); dan was created 12 days ago.
      licence_waste: 2
    });
    expect(summary.licenceWaste).toMatchObject({ monthlyCost: 190, annualCost: 2280, currency: 'EUR' });
    expect(summary.loginAge.find((b) => b.bucket === 'never')?.users).toBe(2);
    expect(summary.target.rejectedRows).toEqual([
      { line: 8, reason: expect.stringMatching(/^not valid JSON/) as string }
    ]);

    const csv = readFileSync(findingsFile, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + summary.totalFindings);
    expect(csv.find((line) => line.startsWith('drift,'))).toContain('title=Eng');
    expect(csv.find((line) => line.startsWith('duplicate_target,'))).toContain('same key as line 1');

    const html = readFileSync(htmlFile, 'utf8');
    expect(html).toContain('<svg role="img" aria-label="Accounts by class"');
    expect(html).toContain('aria-label="Days since last login of active Salesforce users"');
    expect(html).not.toMatch(/<(script|link|img)\b/);
    expect(html).not.toMatch(/(src|href)=/);
    expect(html).toContain('expected &quot;,&quot; or &quot;}&quot;');
  });

  it('exits 0 when both sides agree', async () => {
    const sf = file(
      'clean.csv',
      'Username,IsActive,LastLoginDate,Email\nann@x.com,true,2026-10-30T00:00:00Z,ann@x.com\nold@x.com,false,,old@x.com\n'
    );
    const target = file('clean.jsonl', `${scim('ann@x.com', true)}\n${scim('old@x.com', false)}\n`);
    const { code, summary } = await run(
      baseFlags({ salesforce: sf, target, compare: 'email', findings: join(dir, 'f.json') })
    );
    expect(code).toBe(ExitCode.OK);
    expect(summary.clean).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8'))).toEqual([]);
  });

  it('guards findings CSV cells against spreadsheet formulas and quotes what needs quoting', async () => {
    const sf = file('formula.csv', 'Username,IsActive,LastLoginDate\n"=1+1@x.com",true,2026-10-30T00:00:00Z\n');
    const target = file('formula.jsonl', `${scim('other@x.com', false)}\n`);
    const findingsFile = join(dir, 'formula-findings.csv');
    await run(baseFlags({ salesforce: sf, target, compare: 'none', findings: findingsFile }));
    const lines = readFileSync(findingsFile, 'utf8').trim().split('\n');
    expect(lines[1]).toBe(
      'missing_in_target,"active in Salesforce, no account in the target",\'=1+1@x.com,,2,,,,,,2026-10-30T00:00:00.000Z,2,,'
    );
  });

  it('reads with worker threads when compiled, in this thread otherwise, with the same result', async () => {
    const a = await run(baseFlags({ threads: true }));
    const b = await run(baseFlags({ threads: false }));
    expect(a.summary.classes).toEqual(b.summary.classes);
  });

  it('rejects bad flags with exit code 2', async () => {
    const out = sink();
    const code = await runHandler(reviewHandler, baseFlags({ compare: 'shoeSize' }), {
      stdout: out.stream,
      stderr: sink().stream,
      env: {}
    });
    expect(code).toBe(ExitCode.USAGE);
    expect(out.text()).toContain('Unknown attribute \\"shoeSize\\"');
  });
});

describe('loadFile', () => {
  it('reads in a worker thread (the built one, when scripts/dist exists) with the same table as in this thread', async () => {
    const spec: FileSide = {
      label: 'target',
      path: file(
        'threaded.jsonl',
        [scim('a@x.com', true), '{bad', scim('b@x.com', false), scim('A@x.com', true)].join('\n')
      ),
      profile: SCIM,
      schema: T_SCHEMA,
      keyOptions: DEFAULT_KEY_OPTIONS
    };
    const built = existsSync(join(__dirname, '..', 'dist', 'review', 'worker.js'));
    expect(workerScript() !== undefined).toBe(built);
    const threaded = await loadFileThreaded(spec);
    const local = loadFile(spec);
    expect(rows(threaded)).toEqual(rows(local));
    expect(threaded.rejected).toEqual(local.rejected);
    expect(Array.from(threaded.firstOf)).toEqual([-1, -1, 0]);
  });

  it('detects the format from the name and the first bytes', () => {
    const side = (path: string): FileSide => ({
      label: 't',
      path,
      profile: SCIM,
      schema: T_SCHEMA,
      keyOptions: DEFAULT_KEY_OPTIONS
    });
    const lines = file('users.json', `${scim('a@x.com', true)}\n${scim('b@x.com', true)}\n`);
    expect(loadFile(side(lines)).rows).toBe(2);
    const array = file('users2.json', `[\n${scim('a@x.com', true)}\n]`);
    expect(loadFile(side(array)).rows).toBe(1);
  });
});
