/**
 * `provisio export users` against the org emulator with its Bulk API 2.0 query module: multi-page results paged
 * with the locator (what jsforce's bulk2.query cannot do), CSV and SCIM output, resume after a failure mid-way.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRun, runCommand } from './helpers/runCommand';
import { Emulator, startEmulator } from '../src/emulator/server';
import { createEmulatorOrgAlias } from '../src/emulator/sfAuth';
import { bulk2State } from '../src/emulator/modules/bulk2';
import { exportUsersHandler } from '../src/export/users';
import { parseCsv } from '../src/export/csv';
import { tempSfHome } from './helpers/sfHome';

let emulator: Emulator;
let home: { restore: () => void };
let dir: string;
let token: string;

beforeAll(async () => {
  home = tempSfHome();
  emulator = await startEmulator();
  for (let i = 0; i < 7; i++) {
    emulator.state.db.insert('User', {
      Username: `user${i}@example.com`,
      FirstName: i === 3 ? 'Zoë "Z"' : `First${i}`,
      LastName: `Last${i}`,
      Email: `user${i}@example.com`,
      IsActive: i !== 5,
      UserType: 'Standard',
      Department: i % 2 === 0 ? 'Sales' : 'IT',
      Title: i === 2 ? 'Line one\nline two, with comma' : null
    });
  }
  bulk2State(emulator.state).settings.pollsBeforeComplete = 1;
  token = (await createEmulatorOrgAlias(emulator, 'emu-export')).accessToken;
});

afterAll(async () => {
  await emulator.close();
  home.restore();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'export-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(options: Record<string, unknown>): Promise<CommandRun> {
  return runCommand(
    exportUsersHandler,
    { targetOrg: 'emu-export', format: 'csv', pageSize: '2', wait: '1', ...options } as never,
    {}
  );
}

function activeUsernames(): string[] {
  return emulator.state.db
    .all('User')
    .filter((u) => u.IsActive === true && u.UserType === 'Standard')
    .map((u) => String(u.Username))
    .sort();
}

describe('export users', () => {
  it('pages a multi-page Bulk API 2.0 result with the locator into one CSV', async () => {
    const output = join(dir, 'users.csv');
    const result = await run({ output });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    const { rows } = parseCsv(readFileSync(output, 'utf8'));
    expect(rows[0].slice(0, 3)).toEqual(['Id', 'Username', 'FirstName']);
    expect(rows.slice(1).map((r) => r[1])).toEqual(activeUsernames());
    expect(rows.find((r) => r[1] === 'user3@example.com')?.[2]).toBe('Zoë "Z"');
    expect(rows.find((r) => r[1] === 'user2@example.com')?.[6]).toBe('Line one\nline two, with comma');
    expect(result.stdout).toMatch(new RegExp(`Exported ${activeUsernames().length} users .* \\(csv, 4 pages`));
    expect(existsSync(`${output}.resume.json`)).toBe(false);
    expect(result.stdout + result.stderr).not.toContain(token);
  });

  it('writes a SCIM 2.0 ListResponse for an identity provider import, inactive users included on request', async () => {
    const output = join(dir, 'users.scim.json');
    expect((await run({ output, format: 'scim', includeInactive: true, pageSize: '3' })).code).toBe(0);
    const list = JSON.parse(readFileSync(output, 'utf8')) as {
      totalResults: number;
      Resources: Array<Record<string, unknown>>;
    };
    expect(list.totalResults).toBe(list.Resources.length);
    const inactive = list.Resources.find((u) => u.userName === 'user5@example.com');
    expect(inactive).toMatchObject({
      active: false,
      name: { familyName: 'Last5' },
      emails: [{ value: 'user5@example.com', type: 'work', primary: true }]
    });
    expect(inactive?.['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User']).toEqual({ department: 'IT' });
  });

  it('resumes after a failure mid-way without duplicating or losing a record', async () => {
    const output = join(dir, 'resume.csv');
    emulator.state.injectFault({
      method: 'GET',
      path: /\/jobs\/query\/[^/]+\/results$/,
      status: 500,
      body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'boom' }],
      times: 0
    });
    // Fail the third page only: let two pages through, then fail once.
    const fault = emulator.state.faults[emulator.state.faults.length - 1];
    let calls = 0;
    const original = fault.path;
    fault.path = { test: (p: string) => original.test(p) && ++calls === 3 } as RegExp;
    fault.times = 1;
    const failed = await run({ output });
    expect(failed.code).toBe(4);
    expect(failed.stderr).toMatch(/Salesforce answered 500 UNKNOWN_EXCEPTION: boom/);
    expect(failed.stderr).toMatch(/Left behind:\n {2}- Bulk API 2.0 query job 750/);
    expect(existsSync(`${output}.resume.json`)).toBe(true);
    const again = await run({ output });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/An interrupted export .* exists/);
    const resumed = await run({ output, resume: true });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/Resuming export job 750\w+ after 4 records \(2 pages\)/);
    const { rows } = parseCsv(readFileSync(output, 'utf8'));
    expect(rows.slice(1).map((r) => r[1])).toEqual(activeUsernames());
  });

  it('reports a bad --where clearly and refuses bad flags', async () => {
    const bad = await run({ output: join(dir, 'x.csv'), where: 'NoSuchField__c = 1' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/Salesforce answered 400 INVALID_FIELD/);
    expect((await run({ output: join(dir, 'y.csv'), pageSize: '0' })).code).toBe(2);
    expect((await run({ output: join(dir, 'z.csv'), resume: true })).stderr).toMatch(/Nothing to resume/);
  });

  it('the emulator answers 409 for results asked with another API version than the job', async () => {
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    const created = (await (
      await fetch(`${emulator.url}/services/data/v66.0/jobs/query`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM User' })
      })
    ).json()) as { id: string; state: string };
    expect(created.state).toBe('UploadComplete');
    await fetch(`${emulator.url}/services/data/v66.0/jobs/query/${created.id}`, { headers });
    await fetch(`${emulator.url}/services/data/v66.0/jobs/query/${created.id}`, { headers });
    const wrong = await fetch(`${emulator.url}/services/data/v62.0/jobs/query/${created.id}/results`, { headers });
    expect(wrong.status).toBe(409);
    const right = await fetch(`${emulator.url}/services/data/v66.0/jobs/query/${created.id}/results`, { headers });
    expect(right.headers.get('sforce-locator')).toBe('null');
    expect(right.headers.get('sforce-numberofrecords')).toBe(String(emulator.state.db.all('User').length));
  });
});
