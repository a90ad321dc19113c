import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runHandler } from '../src/cli/command';
import { ExitCode } from '../src/cli/errors';
import { Emulator, startEmulator } from '../src/emulator/server';
import { createEmulatorOrgAlias } from '../src/emulator/sfAuth';
import { tempSfHome } from './helpers/sfHome';
import { reportFilter, reportHandler, ReportFlags, ReportSummary } from '../src/report/command';
import { eventSoql, soqlString } from '../src/report/query';
import { reviewHandler, ReviewFlags } from '../src/review/command';
import { ReviewSummary } from '../src/review/review';
import { startScimTarget, ScimTarget } from '../src/scim/server';
import { bulk2State } from '../src/emulator/modules/bulk2';
import { sink } from './helpers/sink';

async function run<F extends { json?: boolean }, R>(
  handler: Parameters<typeof runHandler<F>>[0],
  flags: F,
  env: NodeJS.ProcessEnv = {},
  stdin?: NodeJS.ReadableStream
): Promise<{ code: number; result: R; text: string }> {
  const out = sink();
  const code = await runHandler(handler, flags, { stdout: out.stream, stderr: sink().stream, env, stdin });
  const parsed = JSON.parse(out.text()) as { result: R };
  return { code, result: parsed.result, text: out.text() };
}

/** ProvisioningEvent__c as docs/data-model.md defines it, for the emulator's REST query. */
const EVENT_SCHEMA = {
  name: 'ProvisioningEvent__c',
  keyPrefix: 'a05',
  fields: [
    'Name',
    'CreatedDate',
    'Target__c',
    'User__c',
    'UserName__c',
    'UserEmail__c',
    'Operation__c',
    'State__c',
    'Attempt__c',
    'NextAttemptAt__c',
    'HttpStatus__c',
    'Request__c',
    'Response__c',
    'Error__c',
    'ExternalId__c',
    'CorrelationId__c',
    'DurationMs__c',
    'Source__c',
    'ParentEvent__c',
    'DecisionReason__c'
  ]
};

let emulator: Emulator;
let home: { restore(): void };
let dir: string;
const ALIAS = 'review-emu';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'provisio-live-'));
  home = tempSfHome();
  emulator = await startEmulator();
  await createEmulatorOrgAlias(emulator, ALIAS);
});

afterAll(async () => {
  await emulator.close();
  home.restore();
  rmSync(dir, { recursive: true, force: true });
});

describe('report (ProvisioningEvent__c log)', () => {
  beforeAll(() => {
    const db = emulator.state.db;
    db.define(EVENT_SCHEMA);
    emulator.state.settings.queryBatchSize = 7; // several pages
    const ops = ['Create', 'Update', 'Deactivate'];
    const states = ['Succeeded', 'Failed', 'Retrying'];
    for (let i = 0; i < 30; i++) {
      db.insert('ProvisioningEvent__c', {
        Name: `PE-${String(i).padStart(7, '0')}`,
        CreatedDate: new Date(Date.UTC(2026, 10, 1 + (i % 25), 12)).toISOString().replace('Z', '+0000'),
        Target__c: i % 2 === 0 ? 'Slack' : 'Zoom',
        UserName__c: `user${i % 5}@example.com`,
        UserEmail__c: `user${i % 5}@example.com`,
        Operation__c: ops[i % 3],
        State__c: states[i % 3],
        HttpStatus__c: i % 3 === 1 ? 500 : 201,
        Error__c: i % 3 === 1 ? 'Target answered 500, "temporarily unavailable"' : null,
        Request__c: '{"userName":"x"}'
      });
    }
  });

  const flags = (extra: Partial<ReportFlags>): ReportFlags => ({
    json: true,
    targetOrg: ALIAS,
    sample: '100',
    ...extra
  });

  it('filters by user, target, operation, state and time span across query pages', async () => {
    const { code, result } = await run<ReportFlags, ReportSummary>(
      reportHandler,
      flags({ user: 'USER1@example.com', target: 'Zoom', since: '2026-11-01', until: '2026-11-23' })
    );
    expect(code).toBe(ExitCode.OK);
    // user1 is i = 1, 11, 21 (all odd: Zoom) on November 2, 12 and 22; newest first.
    expect(result.events.map((e) => e.Name)).toEqual(['PE-0000021', 'PE-0000011', 'PE-0000001']);
    expect(result.total).toBe(3);

    const failed = await run<ReportFlags, ReportSummary>(
      reportHandler,
      flags({ state: 'failed', operation: 'Update' })
    );
    expect(failed.result.total).toBe(10);
    expect(failed.result.byState).toEqual({ Failed: 10 });
    expect(failed.result.events[0]).not.toHaveProperty('Request__c');
  });

  it('writes every event as CSV, JSON and HTML', async () => {
    const csv = join(dir, 'events.csv');
    const { result } = await run<ReportFlags, ReportSummary>(reportHandler, flags({ output: csv, withBodies: true }));
    expect(result.total).toBe(30);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('Request__c');
    expect(lines).toHaveLength(31);
    expect(lines.find((l) => l.includes('Failed'))).toContain('"Target answered 500, ""temporarily unavailable"""');

    const json = join(dir, 'events.json');
    await run<ReportFlags, ReportSummary>(reportHandler, flags({ output: json, state: 'Retrying' }));
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as Array<Record<string, unknown>>;
    expect(parsed).toHaveLength(10);
    expect(parsed.every((e) => e.State__c === 'Retrying' && !('attributes' in e))).toBe(true);

    const html = join(dir, 'events.html');
    await run<ReportFlags, ReportSummary>(reportHandler, flags({ output: html }));
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<h1>Provisioning report</h1>');
    expect(page).toContain('<svg role="img"');
    expect(page).not.toMatch(/<(script|link|img)\b|(src|href)=/);
  });

  it('escapes filter values: a quote in the user cannot change the query', async () => {
    expect(soqlString("o'brien\\")).toBe("'o\\'brien\\\\'");
    const soql = eventSoql(reportFilter({ sample: '1', user: "x' OR Name != '" }));
    expect(soql).toContain("UserName__c = 'x\\' OR Name != \\''");
    const { result } = await run<ReportFlags, ReportSummary>(reportHandler, flags({ user: "x' OR Name != '" }));
    expect(result.total).toBe(0);
  });

  it('rejects bad filters before any call', async () => {
    const { code, text } = await run<ReportFlags, ReportSummary>(reportHandler, flags({ state: 'Exploded' }));
    expect(code).toBe(ExitCode.USAGE);
    expect(text).toContain('unknown value \\"Exploded\\"');
    expect(() => reportFilter({ sample: '1', since: '2026-12-01', until: '2026-11-01' })).toThrow(/before --until/);
    expect(reportFilter({ sample: '1', since: '7d' }, Date.UTC(2026, 10, 8)).since).toBe(Date.UTC(2026, 10, 1));
  });
});

describe('review against live sources', () => {
  let scim: ScimTarget;
  const TOKEN = 'scim-test-token-0123456789';

  beforeAll(async () => {
    const db = emulator.state.db;
    const profile = db.all('Profile').find((p) => p.UserLicenseId);
    for (let i = 0; i < 12; i++) {
      db.insert('User', {
        Username: `live${i}@example.com`,
        Email: `live${i}@example.com`,
        FirstName: `Live${i}`,
        LastName: 'User',
        IsActive: i !== 3,
        ProfileId: profile?.Id ?? null,
        // REST/Bulk date-times carry +0000; live5 has not logged in since January: licence waste.
        LastLoginDate: i === 5 ? '2026-01-15T10:00:00.000+0000' : '2026-10-30T10:00:00.000+0000',
        UserType: 'Standard'
      });
    }
    bulk2State(emulator.state).settings.defaultPageSize = 5;
    scim = await startScimTarget({ token: TOKEN, port: 0 });
    for (let i = 0; i < 12; i++) {
      if (i === 7) continue; // missing in the target
      const res = await fetch(`${scim.url}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `live${i}@example.com`,
          name: { givenName: i === 9 ? 'Renamed' : `Live${i}`, familyName: 'User' },
          emails: [{ value: `live${i}@example.com`, primary: true }],
          active: true
        })
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => scim.close());

  const flags = (extra: Partial<ReviewFlags>): ReviewFlags => ({
    json: true,
    targetOrg: ALIAS,
    targetProfile: 'scim',
    scimUrl: undefined,
    scimTokenEnv: 'TEST_SCIM_TOKEN',
    scimPageSize: '4',
    sfApi: 'bulk',
    sfWhere: "Username LIKE 'live%'",
    inactiveDays: '90',
    asOf: '2026-11-01T00:00:00Z',
    currency: 'USD',
    threads: false,
    sample: '10',
    compare: 'email,givenName,familyName',
    ...extra
  });

  it('reads users from the org with Bulk API 2.0 (several result pages) and the SCIM target page by page', async () => {
    const { code, result, text } = await run<ReviewFlags, ReviewSummary>(reviewHandler, flags({ scimUrl: scim.url }), {
      TEST_SCIM_TOKEN: TOKEN
    });
    expect(code).toBe(ExitCode.FINDINGS);
    expect(result.salesforce.accepted).toBe(12);
    expect(result.target.accepted).toBe(11);
    expect(result.classes).toMatchObject({ orphaned: 1, missing_in_target: 1, drift: 1, matched: 9 });
    expect(result.driftByAttribute.givenName).toBe(1);
    expect(result.findings.licence_waste).toBe(1);
    expect(result.loginAge.find((b) => b.bucket === '0-7 d')?.users).toBe(10);
    expect(result.loginAge.find((b) => b.bucket === '181-365 d')?.users).toBe(1);
    expect(text).not.toContain(TOKEN);
  });

  it('reads users with the REST query resource too, with the same result', async () => {
    const bulk = await run<ReviewFlags, ReviewSummary>(reviewHandler, flags({ scimUrl: scim.url }), {
      TEST_SCIM_TOKEN: TOKEN
    });
    const rest = await run<ReviewFlags, ReviewSummary>(reviewHandler, flags({ scimUrl: scim.url, sfApi: 'rest' }), {
      TEST_SCIM_TOKEN: TOKEN
    });
    expect(rest.result.classes).toEqual(bulk.result.classes);
    expect(rest.result.findings).toEqual(bulk.result.findings);
  });

  it('takes the SCIM token from standard input when the variable is not set', async () => {
    const { code, result } = await run<ReviewFlags, ReviewSummary>(
      reviewHandler,
      flags({ scimUrl: scim.url, sfApi: 'rest' }),
      {},
      Readable.from([`${TOKEN}\n`])
    );
    expect(code).toBe(ExitCode.FINDINGS);
    expect(result.target.accepted).toBe(11);
  });

  it('says so when the SCIM target refuses the token (exit 3) and never prints it', async () => {
    const { code, text } = await run<ReviewFlags, ReviewSummary>(reviewHandler, flags({ scimUrl: scim.url }), {
      TEST_SCIM_TOKEN: 'wrong-token-value-xyz'
    });
    expect(code).toBe(ExitCode.ORG);
    expect(text).toContain('refused the token');
    expect(text).not.toContain('wrong-token-value-xyz');
  });
});
