import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  activateHandler,
  ActivateCommandOptions,
  doctorHandler,
  DoctorCommandOptions,
  setupHandler,
  SetupCommandOptions,
  validateHandler,
  ValidateCommandOptions
} from '../src/commands/inbound';
import { main } from '../src/cli';
import { insertRecord } from '../src/emulator/modules/rest';
import { oauthClients } from '../src/emulator/modules/oauth';
import { PERMSET_NAME } from '../src/inbound/constants';
import { daysUntil, Finding } from '../src/inbound/doctor';
import { defaultUsername } from '../src/inbound/setup';
import { Harness, Run } from './helpers/inbound';

jest.setTimeout(60_000);

const setupOpts = (o: Partial<SetupCommandOptions> = {}): SetupCommandOptions => ({
  idp: 'entra',
  profile: 'Minimum Access - Salesforce',
  waitForSwitch: '0',
  ...o
});
const doctorOpts = (o: Partial<DoctorCommandOptions> = {}): DoctorCommandOptions => ({
  idp: 'entra',
  connectedAppProbe: true,
  json: true,
  ...o
});

const PASSWORD = 'Planted-Pa55word-7781';

/** Sets the provisioning user's password and returns the token the org "emailed". */
async function credentials(h: Harness): Promise<{ env: NodeJS.ProcessEnv; token: string }> {
  const run = await h.run(setupHandler, setupOpts({ setPassword: true }), {
    env: { PROVISIO_PROVISIONING_PASSWORD: PASSWORD }
  });
  expect(run.code).toBe(0);
  const user = h.state.userByUsername(defaultUsername(h.state.orgId));
  const token = h.state.credentialsOf(String(user?.Id))?.securityToken ?? '';
  return { env: { PROVISIO_PROVISIONING_PASSWORD: PASSWORD, PROVISIO_SECURITY_TOKEN: token }, token };
}

function findings(run: Run): Record<string, Finding> {
  const list = (run.json.result as unknown as { findings: Finding[] }).findings;
  return Object.fromEntries(list.map((f) => [f.id, f]));
}

function provisioningPermSet(h: Harness): Record<string, unknown> {
  const ps = h.state.db.where('PermissionSet', (p) => p.Name === PERMSET_NAME)[0];
  if (!ps) throw new Error('no permission set');
  return ps;
}

describe('setup inbound (entra, password path)', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('creates the permission set, the user and the assignment, with the sf-style --json envelope', async () => {
    const run = await h.run(setupHandler, setupOpts({ json: true }));
    expect(run.code).toBe(0);
    expect(Object.keys(run.json).sort()).toEqual(['result', 'status', 'warnings']);
    const result = run.json.result as unknown as {
      changed: boolean;
      steps: Array<{ step: string; status: string }>;
      provisioningUser: { username: string; id: string };
      permissionSet: { permissions: string[] };
      nextSteps: string[];
    };
    expect(result.changed).toBe(true);
    expect(result.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'permission set:created',
      'provisioning user:created',
      'assignment:created',
      'security token:manual'
    ]);
    expect(result.permissionSet.permissions).toEqual([
      'PermissionsApiEnabled',
      'PermissionsManageUsers',
      'PermissionsViewSetup',
      'PermissionsUseAnyApiAuth'
    ]);
    const user = h.state.userByUsername(result.provisioningUser.username);
    expect(user?.IsActive).toBe(true);
    expect(h.state.db.get('Profile', String(user?.ProfileId))?.Name).toBe('Minimum Access - Salesforce');
    const ps = provisioningPermSet(h);
    expect(ps.PermissionsApiUserOnly).toBe(false);
    expect(h.state.effectivePermissions(String(user?.Id)).has('PermissionsManageUsers')).toBe(true);
    expect(result.nextSteps.join('\n')).toContain('Reset My Security Token');
  });

  it('is idempotent: a second run changes nothing and says so', async () => {
    const before = h.state.requests.filter((r) => r.method !== 'GET').length;
    const run = await h.run(setupHandler, setupOpts());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Nothing to change: the org is already set up');
    expect(run.stdout).not.toMatch(/^(created|updated)/m);
    expect(h.state.requests.filter((r) => r.method !== 'GET').length).toBe(before);
  });

  it('converges drift: a removed permission and a deactivated user are put back', async () => {
    const ps = provisioningPermSet(h);
    h.state.db.update('PermissionSet', ps.Id as string, { PermissionsManageUsers: false });
    const user = h.state.userByUsername(defaultUsername(h.state.orgId));
    h.state.updateUser(String(user?.Id), { IsActive: false });
    const run = await h.run(setupHandler, setupOpts());
    expect(run.stdout).toContain('updated   permission set: PermissionsManageUsers=true');
    expect(run.stdout).toContain('updated   provisioning user: IsActive=true');
  });

  it('verifies password + token with a SOAP login() probe on API 64.0, and diagnoses every fault', async () => {
    const { env, token } = await credentials(h);
    const verify = (extra: NodeJS.ProcessEnv = {}): Promise<Run> =>
      h.run(setupHandler, setupOpts({ verify: true, json: true }), { env: { ...env, ...extra } });
    const outcome = (run: Run): unknown =>
      (run.json.result as { verification?: { outcome: string } }).verification?.outcome;

    h.state.settings.soapLoginEnabled = false;
    let run = await verify();
    expect([run.code, outcome(run)]).toEqual([1, 'disabled']);
    expect((run.json.result as { nextSteps: string[] }).nextSteps.join()).toContain('Setup → User Interface');

    h.state.settings.soapLoginEnabled = true;
    run = await verify();
    expect([run.code, outcome(run)]).toEqual([0, 'ok']);
    expect(h.state.requests.some((r) => r.path === '/services/Soap/u/64.0')).toBe(true);

    run = await verify({ PROVISIO_SECURITY_TOKEN: 'WRONGTOKEN123' });
    expect([run.code, outcome(run)]).toEqual([1, 'invalid-login']);

    run = await verify({ PROVISIO_SECURITY_TOKEN: '' });
    expect(outcome(run)).toBe('needs-token');

    // setup converges the permission set before it verifies, so these two faults are seen through doctor.
    const tokenFinding = async (): Promise<Finding> =>
      findings(await h.run(doctorHandler, doctorOpts(), { env }))['security-token'];
    const ps = provisioningPermSet(h);
    h.state.db.update('PermissionSet', ps.Id as string, { PermissionsUseAnyApiAuth: false });
    expect((await tokenFinding()).detail).toContain('Use Any API Auth permission (INSUFFICIENT_ACCESS)');
    h.state.db.update('PermissionSet', ps.Id as string, {
      PermissionsUseAnyApiAuth: true,
      PermissionsApiEnabled: false
    });
    expect((await tokenFinding()).detail).toContain('The API is disabled');
    h.state.db.update('PermissionSet', ps.Id as string, { PermissionsApiEnabled: true });

    const profile = h.state.profileByName('Minimum Access - Salesforce');
    h.state.profileLoginIpRanges.set(String(profile?.Id), [{ start: '10.0.0.0', end: '10.255.255.255' }]);
    run = await verify();
    expect(outcome(run)).toBe('invalid-login');
    expect((run.json.result as { verification: { message: string } }).verification.message).toContain(
      'Login IP Ranges'
    );
    // Inside the range no token is needed (and a token-less password works).
    h.state.settings.clientIp = '10.1.2.3';
    run = await verify({ PROVISIO_SECURITY_TOKEN: '' });
    expect(outcome(run)).toBe('ok');
    h.state.settings.clientIp = '127.0.0.1';
    h.state.profileLoginIpRanges.clear();
    expect(token.length).toBeGreaterThan(10);
  });

  it('--open runs `sf org open --path` for the Setup page, and --wait-for-switch re-checks until login() is on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provisio-sf-bin-'));
    const log = join(dir, 'args.txt');
    const fake = join(dir, 'sf');
    writeFileSync(fake, `#!/bin/sh\necho "$@" >> "${log}"\n`);
    chmodSync(fake, 0o755);
    const { env } = await credentials(h);
    h.state.settings.soapLoginEnabled = false;
    const flip = setTimeout(() => (h.state.settings.soapLoginEnabled = true), 1000);
    const run = await h.run(setupHandler, setupOpts({ verify: true, open: true, waitForSwitch: '15', json: true }), {
      env: { ...env, PROVISIO_SF_BIN: fake }
    });
    clearTimeout(flip);
    expect(run.code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain(
      'org open --path /lightning/setup/UserInterfaceUI/home --target-org emu'
    );
  });

  it('--dry-run changes nothing', async () => {
    const other = new Harness();
    await other.start();
    try {
      const users = other.state.db.all('User').length;
      const run = await other.run(setupHandler, setupOpts({ dryRun: true }));
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('planned   permission set');
      expect(run.stdout).toContain('Dry run: nothing was changed.');
      expect(other.state.db.all('User').length).toBe(users);
      expect(other.state.db.where('PermissionSet', (p) => p.Name === PERMSET_NAME)).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });
});

describe('setup inbound (okta, OAuth client credentials)', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('deploys the External Client App with the provisioning user as API-only execution user, then verifies', async () => {
    let run = await h.run(setupHandler, setupOpts({ idp: 'okta', json: true }));
    expect(run.code).toBe(0);
    expect(provisioningPermSet(h).PermissionsApiUserOnly).toBe(true);
    expect(
      h.state.tooling.where('ExternalClientApplication', (r) => r.DeveloperName === 'Provisio_Inbound')
    ).toHaveLength(1);
    run = await h.run(setupHandler, setupOpts({ idp: 'okta' }));
    expect(run.stdout).toContain('unchanged external client app');
    expect(run.stdout).toContain('Nothing to change');
    const client = [...oauthClients(h.state).values()][0];
    expect(client.runAsUsername).toBe(defaultUsername(h.state.orgId));
    run = await h.run(setupHandler, setupOpts({ idp: 'okta', verify: true, json: true }), {
      env: { PROVISIO_CLIENT_ID: client.clientId, PROVISIO_CLIENT_SECRET: client.clientSecret }
    });
    expect([run.code, (run.json.result as { verification: { ok: boolean } }).verification.ok]).toEqual([0, true]);
    expect(run.stdout).not.toContain(client.clientSecret);
    run = await h.run(setupHandler, setupOpts({ idp: 'okta', verify: true, json: true }), {
      env: { PROVISIO_CLIENT_ID: client.clientId, PROVISIO_CLIENT_SECRET: 'wrong-secret-value' }
    });
    expect([run.code, (run.json.result as { verification: { outcome: string } }).verification.outcome]).toEqual([
      1,
      'invalid_client'
    ]);
  });

  it('fails clearly when External Client Apps are off, saying what was already created', async () => {
    const other = new Harness();
    await other.start();
    try {
      other.state.settings.externalClientAppsEnabled = false;
      const run = await other.run(setupHandler, setupOpts({ idp: 'okta' }));
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('Error (EcaDeployFailed)');
      expect(run.stderr).toContain('Left behind:');
      expect(run.stderr).toContain('provisioning user');
    } finally {
      await other.stop();
    }
  });
});

describe('bad input', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('unknown org alias → exit 3 with the login hint', async () => {
    const run = await h.run(doctorHandler, { ...doctorOpts({ json: false }), targetOrg: 'no-such-alias' });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('Error (OrgNotFound)');
    expect(run.stderr).toContain('sf org login web');
  });

  it('an unknown --idp is a usage error (exit 2)', async () => {
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['doctor', '--idp', 'nope'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it('no licence left → refused before any change (exit 4, nothing created)', async () => {
    const licence = h.state.db.where('UserLicense', (l) => l.Name === 'Salesforce')[0];
    h.state.setTotalLicenses('Salesforce', Number(licence.UsedLicenses));
    try {
      const run = await h.run(setupHandler, setupOpts());
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('Error (NoLicenceLeft)');
      expect(run.stderr).toContain('Nothing was changed.');
      expect(h.state.db.where('PermissionSet', (p) => p.Name === PERMSET_NAME)).toHaveLength(0);
    } finally {
      h.state.setTotalLicenses('Salesforce', 3);
    }
  });

  it('a username taken in another org (DUPLICATE_USERNAME) → clear message and what was left behind', async () => {
    h.state.usernamesTakenElsewhere.add('taken@elsewhere.example');
    const run = await h.run(setupHandler, setupOpts({ username: 'taken@elsewhere.example', json: true }));
    expect(run.code).toBe(4);
    expect(run.json.name).toBe('UsernameTaken');
    expect(String(run.json.message)).toContain('already exists in another Salesforce org');
    expect((run.json.data as { leftBehind: string[] }).leftBehind[0]).toContain(`permission set ${PERMSET_NAME}`);
  });

  it('an expired session (INVALID_SESSION_ID) → exit 3 "log in again"', async () => {
    const other = new Harness();
    await other.start();
    try {
      other.state.expireSessions();
      const run = await other.run(doctorHandler, doctorOpts({ json: false }));
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/Error \((SessionExpired|OrgNotFound|OrgError)\)/);
    } finally {
      await other.stop();
    }
  });

  it('Ctrl-C in the middle → exit 130 and the message says what was left behind', async () => {
    const other = new Harness();
    await other.start();
    try {
      other.emulator.addRoutes([
        {
          method: 'POST',
          path: '/services/data/:version/sobjects/PermissionSetAssignment',
          handler: (ctx) => {
            process.emit('SIGINT');
            const record = insertRecord(ctx.state, 'PermissionSetAssignment', ctx.json<Record<string, unknown>>());
            return { status: 201, body: { id: record.Id, success: true, errors: [] } };
          }
        }
      ]);
      const run = await other.run(setupHandler, setupOpts());
      expect(run.code).toBe(130);
      expect(run.stderr).toContain('Interrupt received');
      expect(run.stderr).toContain('Left behind:');
      expect(run.stderr).toContain(`provisioning user ${defaultUsername(other.state.orgId)}`);
      // Re-running finishes the job.
      const again = await other.run(setupHandler, setupOpts());
      expect(again.code).toBe(0);
    } finally {
      await other.stop();
    }
  });
});

describe('doctor: every finding', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  const doctor = async (
    o: Partial<DoctorCommandOptions> = {},
    env: NodeJS.ProcessEnv = {}
  ): Promise<Record<string, Finding>> => findings(await h.run(doctorHandler, doctorOpts(o), { env }));

  it('before setup: no provisioning user (error), SOAP login() off (error), exit 1', async () => {
    const run = await h.run(doctorHandler, doctorOpts());
    expect(run.code).toBe(1);
    const f = findings(run);
    expect(f['provisioning-user'].severity).toBe('error');
    expect(f['soap-login-switch']).toMatchObject({
      severity: 'warning',
      detail: expect.stringContaining('Not checked') as unknown
    });
    // Without the user, a probe cannot reach the org's switch: inconclusive, said as such.
    expect(findings(await h.run(doctorHandler, doctorOpts({ loginProbe: true })))['soap-login-switch']).toMatchObject({
      severity: 'warning',
      detail: expect.stringContaining('Not confirmed') as unknown
    });
    expect(f['api-version'].severity).toBe('info');
    expect(f['soap-login-retirement'].severity).toBe('warning');
    expect(f['scim-entitlements'].severity).toBe('ok');
    expect(f['connected-app-creation'].detail).toContain('Blocked');
    expect(f['external-client-apps'].severity).toBe('ok');
  });

  it('after setup, with the switch on and the right credentials: no errors, exit 0', async () => {
    await h.run(setupHandler, setupOpts());
    expect((await doctor({ loginProbe: true }))['soap-login-switch']).toMatchObject({
      severity: 'error',
      detail: expect.stringContaining('INVALID_OPERATION') as unknown
    });
    h.state.settings.soapLoginEnabled = true;
    const { env } = await credentials(h);
    const run = await h.run(doctorHandler, doctorOpts(), { env });
    const f = findings(run);
    expect(run.code).toBe(0);
    expect(f['provisioning-user'].severity).toBe('ok');
    expect(f['provisioning-permissions'].severity).toBe('ok');
    expect(f['soap-login-switch'].severity).toBe('ok');
    expect(f['security-token'].severity).toBe('ok');
    expect(f['login-ip-ranges'].severity).toBe('ok');
    expect(f.licences.severity).toBe('warning');
    const wrong = await doctor({}, { ...env, PROVISIO_SECURITY_TOKEN: 'nope-nope' });
    expect(wrong['security-token'].severity).toBe('error');
    const none = await doctor({ loginProbe: true });
    expect(none['soap-login-switch'].severity).toBe('warning');
    expect(none['soap-login-switch'].detail).toContain('Not confirmed');
    expect(none['security-token'].severity).toBe('info');
  });

  it('licences: none left is an error, plenty is ok', async () => {
    const licence = h.state.db.where('UserLicense', (l) => l.Name === 'Salesforce')[0];
    h.state.setTotalLicenses('Salesforce', Number(licence.UsedLicenses));
    expect((await doctor()).licences.severity).toBe('error');
    h.state.setTotalLicenses('Salesforce', 100);
    expect((await doctor()).licences.severity).toBe('ok');
  });

  it('provisioning user inactive, permissions missing, API Only on the token path, login IP ranges', async () => {
    const user = h.state.userByUsername(defaultUsername(h.state.orgId));
    const id = String(user?.Id);
    h.state.updateUser(id, { IsActive: false });
    expect((await doctor())['provisioning-user'].detail).toContain('inactive');
    h.state.updateUser(id, { IsActive: true });
    const ps = provisioningPermSet(h);
    h.state.db.update('PermissionSet', String(ps.Id), {
      PermissionsUseAnyApiAuth: false,
      PermissionsApiUserOnly: true
    });
    const f = await doctor();
    expect(f['provisioning-permissions']).toMatchObject({
      severity: 'error',
      detail: expect.stringContaining('PermissionsUseAnyApiAuth') as unknown
    });
    expect(f['api-only-token'].severity).toBe('warning');
    h.state.db.update('PermissionSet', String(ps.Id), {
      PermissionsUseAnyApiAuth: true,
      PermissionsApiUserOnly: false
    });
    h.state.profileLoginIpRanges.set(String(user?.ProfileId), [{ start: '203.0.113.0', end: '203.0.113.255' }]);
    expect((await doctor())['login-ip-ranges']).toMatchObject({
      severity: 'warning',
      detail: expect.stringContaining('203.0.113.0–203.0.113.255') as unknown
    });
    h.state.profileLoginIpRanges.clear();
  });

  it('orgs without the Use Any API Auth permission: not required, and said so', async () => {
    h.state.settings.useAnyApiAuthFieldExists = false;
    h.state.applySchemaSwitches();
    try {
      const f = await doctor();
      expect(f['provisioning-permissions']).toMatchObject({
        severity: 'ok',
        detail: expect.stringContaining('no Use Any API Auth') as unknown
      });
    } finally {
      h.state.settings.useAnyApiAuthFieldExists = true;
      h.state.applySchemaSwitches();
    }
  });

  it('more than 200 profiles: the SCIM /Entitlements cap is a warning', async () => {
    const licence = h.state.db.where('UserLicense', (l) => l.Name === 'Salesforce')[0];
    for (let i = 0; i < 200; i++) h.state.addProfile(`Custom ${i}`, licence.Id, {});
    expect((await doctor())['scim-entitlements'].severity).toBe('warning');
  });

  it('External Client Apps off; the OAuth path needs them and its app; Connected Apps allowed', async () => {
    h.state.settings.externalClientAppsEnabled = false;
    h.state.settings.connectedAppCreationBlocked = false;
    let f = await doctor();
    expect(f['external-client-apps'].severity).toBe('warning');
    expect(f['connected-app-creation'].detail).toContain('Allowed');
    f = await doctor({ idp: 'okta' });
    expect(f['external-client-apps'].severity).toBe('error');
    expect(f.eca.severity).toBe('error');
    expect(f['soap-login-retirement'].severity).toBe('info');
    expect(f['soap-login-switch']).toBeUndefined();
    h.state.settings.externalClientAppsEnabled = true;
  });

  it('counts the days to the SOAP login() retirement', () => {
    expect(daysUntil('2027-06-01', new Date('2027-05-31T00:00:00Z'))).toBe(1);
  });
});

describe('validate inbound', () => {
  const h = new Harness();
  const dir = mkdtempSync(join(tmpdir(), 'provisio-reports-'));
  const opts = (o: Partial<ValidateCommandOptions> = {}): ValidateCommandOptions => ({
    profile: 'Standard User',
    outputDir: dir,
    json: true,
    ...o
  });
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('plays the IdP lifecycle, checks it through REST, leaves the user deactivated and writes HTML + JSON evidence', async () => {
    const run = await h.run(validateHandler, opts({ reactivate: true }));
    expect(run.code).toBe(0);
    const result = run.json.result as {
      ok: boolean;
      report: { json: string; html: string };
      testUser: { id: string; finalState: string };
    };
    expect(result.ok).toBe(true);
    expect(h.state.db.get('User', result.testUser.id)?.IsActive).toBe(false);
    expect(result.testUser.finalState).toBe('deactivated');
    const report = JSON.parse(readFileSync(result.report.json, 'utf8')) as {
      kind: string;
      timeline: Array<{
        name: string;
        ok: boolean;
        startedAt: string;
        exchanges: Array<{ requestHeaders: Record<string, string>; status: number }>;
      }>;
    };
    expect(report.kind).toBe('inbound-validation');
    expect(report.timeline.map((s) => s.name)).toEqual([
      'Discover: ServiceProviderConfigs',
      'Entitlements: find profile "Standard User"',
      'Rule: a create without a profile entitlement is refused',
      'Create the test user (POST /Users)',
      'Read it back (GET /Users/{id})',
      'REST check: the user exists with that profile',
      'Filter: userName eq',
      'Update an attribute (PATCH title)',
      'Deactivate (PATCH active=false; Salesforce never deletes)',
      'Reactivate (PATCH active=true)',
      'Deactivate again (clean-up)'
    ]);
    expect(report.timeline.every((s) => s.ok && s.exchanges.length > 0)).toBe(true);
    expect(report.timeline[0].exchanges[0].requestHeaders.Authorization).toBe('[REDACTED]');
    const html = readFileSync(result.report.html, 'utf8');
    expect(html).toContain('Inbound provisioning validation: PASSED');
    expect(html).not.toMatch(/Bearer 00D/);
  });

  it('fails (exit 1) with a report when the profile is not an entitlement, creating nothing', async () => {
    const users = h.state.db.all('User').length;
    const run = await h.run(validateHandler, opts({ profile: 'No Such Profile' }));
    expect(run.code).toBe(1);
    expect(h.state.db.all('User').length).toBe(users);
    const result = run.json.result as { failedSteps: string[]; report: { html: string } };
    expect(result.failedSteps).toEqual(['Entitlements: find profile "No Such Profile"']);
    expect(readFileSync(result.report.html, 'utf8')).toContain('FAILED');
  });

  it('no licence left: the create step fails with LICENSE_LIMIT_EXCEEDED in the evidence', async () => {
    const licence = h.state.db.where('UserLicense', (l) => l.Name === 'Salesforce')[0];
    h.state.setTotalLicenses('Salesforce', Number(licence.UsedLicenses));
    try {
      const run = await h.run(validateHandler, opts());
      expect(run.code).toBe(1);
      expect(readFileSync((run.json.result as { report: { json: string } }).report.json, 'utf8')).toContain(
        'LICENSE_LIMIT_EXCEEDED'
      );
    } finally {
      h.state.setTotalLicenses('Salesforce', 5);
    }
  });

  it('--client-credentials calls SCIM as the External Client App', async () => {
    await h.run(setupHandler, setupOpts({ idp: 'okta' }));
    h.state.setTotalLicenses('Salesforce', 10);
    const client = [...oauthClients(h.state).values()][0];
    // The execution user needs Manage Users, which the setup permission set gives it.
    const run = await h.run(validateHandler, opts({ clientCredentials: true }), {
      env: { PROVISIO_CLIENT_ID: client.clientId, PROVISIO_CLIENT_SECRET: client.clientSecret }
    });
    expect(run.code).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.html')).length).toBeGreaterThanOrEqual(3);
  });
});

describe('users activate', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  const opts = (o: Partial<ActivateCommandOptions> = {}): ActivateCommandOptions => ({ json: true, ...o });

  it('sends the password-reset email to new users; skips inactive, unknown and logged-in ones; never sees a password', async () => {
    const profileId = h.state.profileByName('Standard User')?.Id;
    const make = (name: string, active = true): string =>
      h.state.createUser({
        Username: `${name}@idp.example`,
        LastName: name,
        Email: `${name}@mail.example`,
        Alias: name.slice(0, 8),
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: profileId,
        IsActive: active
      }).Id;
    make('alice');
    const bob = make('bob', false);
    const carol = make('carol');
    h.state.db.update('User', carol, { LastLoginDate: '2026-01-01T00:00:00.000+0000' });
    const dry = await h.run(activateHandler, opts({ usernames: 'alice@idp.example', dryRun: true }));
    expect(dry.code).toBe(0);
    expect(h.state.outbox).toHaveLength(0);
    const run = await h.run(
      activateHandler,
      opts({ usernames: `alice@idp.example,${bob},carol@idp.example,ghost@idp.example` })
    );
    expect(run.code).toBe(0);
    const rows = (run.json.result as { users: Array<{ username: string; status: string }> }).users;
    expect(Object.fromEntries(rows.map((r) => [r.username, r.status]))).toEqual({
      'alice@idp.example': 'sent',
      'bob@idp.example': 'skipped',
      'carol@idp.example': 'skipped',
      'ghost@idp.example': 'skipped'
    });
    expect(h.state.outbox.map((m) => [m.to, m.kind])).toEqual([['alice@mail.example', 'passwordReset']]);
    expect(JSON.stringify(run.json)).not.toMatch(/password"\s*:/i);
  });

  it('reads a CSV file and --created-since', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provisio-csv-'));
    const csv = join(dir, 'users.csv');
    writeFileSync(csv, 'Username,Note\nalice@idp.example,x\n');
    let run = await h.run(activateHandler, opts({ file: csv, includeLoggedIn: true }));
    expect((run.json.result as { sent: number }).sent).toBe(1);
    run = await h.run(
      activateHandler,
      opts({ createdSince: new Date(Date.now() - 3600_000).toISOString(), dryRun: true })
    );
    const names = (run.json.result as { users: Array<{ username: string; status: string }> }).users
      .filter((u) => u.status === 'would-send')
      .map((u) => u.username);
    expect(names).toContain('alice@idp.example');
    expect(names).not.toContain('carol@idp.example');
    run = await h.run(activateHandler, opts({}));
    expect(run.code).toBe(2);
    run = await h.run(activateHandler, opts({ file: join(dir, 'missing.csv') }));
    expect(run.code).toBe(2);
  });
});

describe('secret redaction', () => {
  it('a planted password and token appear in no output, JSON or evidence report', async () => {
    const h = new Harness();
    await h.start();
    const dir = mkdtempSync(join(tmpdir(), 'provisio-redact-'));
    try {
      const planted = 'Planted-S3cret-Value-42';
      const outputs: string[] = [];
      const keep = (run: Run): void => void outputs.push(run.stdout, run.stderr);
      keep(await h.run(setupHandler, setupOpts({ setPassword: true }), { stdin: `${planted}\n` }));
      keep(
        await h.run(setupHandler, setupOpts({ setPassword: true, json: true }), {
          env: { PROVISIO_PROVISIONING_PASSWORD: planted }
        })
      );
      h.state.settings.soapLoginEnabled = true;
      const user = h.state.userByUsername(defaultUsername(h.state.orgId));
      const token = h.state.credentialsOf(String(user?.Id))?.securityToken ?? '';
      const env = { PROVISIO_PROVISIONING_PASSWORD: planted, PROVISIO_SECURITY_TOKEN: token };
      keep(await h.run(setupHandler, setupOpts({ verify: true }), { env }));
      keep(
        await h.run(setupHandler, setupOpts({ verify: true, json: true }), {
          env: { ...env, PROVISIO_SECURITY_TOKEN: 'bad' }
        })
      );
      keep(await h.run(doctorHandler, doctorOpts({ json: false }), { env }));
      keep(await h.run(doctorHandler, doctorOpts(), { env }));
      const validation = await h.run(validateHandler, { profile: 'Standard User', outputDir: dir, json: true });
      keep(validation);
      const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
      expect(files.length).toBe(2);
      const sessions = [...h.state.sessions.keys()];
      for (const text of [...outputs, ...files]) {
        expect(text).not.toContain(planted);
        expect(text).not.toContain(token);
        for (const s of sessions) expect(text).not.toContain(s);
      }
      expect(outputs.join('')).toContain('verified');
    } finally {
      await h.stop();
    }
  });
});

describe('npm run demo', () => {
  it('runs setup, doctor and validate inbound against the emulator, then the outbound scenarios, and leaves both evidence reports', async () => {
    const { runDemo } = await import('../src/inbound/demo');
    const { tempSfHome } = await import('./helpers/sfHome');
    const dir = mkdtempSync(join(tmpdir(), 'provisio-demo-'));
    const home = tempSfHome();
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runDemo(main, dir)).toBe(0);
    } finally {
      write.mockRestore();
      err.mockRestore();
      home.restore();
    }
    const files = readdirSync(dir);
    expect(files.some((f) => f.endsWith('.html') && f !== 'outbound-demo.html')).toBe(true);
    expect(existsSync(join(dir, files.find((f) => f.endsWith('.json')) ?? 'x'))).toBe(true);
    // The outbound part: every step passed, with the SCIM exchanges and the target's state, and no token.
    const outbound = JSON.parse(readFileSync(join(dir, 'outbound-demo.json'), 'utf8')) as {
      result: string;
      steps: Array<{ name: string; status: string; evidence: { scimExchanges: unknown[]; targetAfter: object } }>;
    };
    expect(outbound.result).toBe('passed');
    expect(outbound.steps).toHaveLength(6);
    expect(outbound.steps.every((s) => s.status === 'passed' && s.evidence.scimExchanges.length > 0)).toBe(true);
    expect(readFileSync(join(dir, 'outbound-demo.html'), 'utf8')).toContain('POST callout:ScimTarget/Users');
    expect(readFileSync(join(dir, 'outbound-demo.json'), 'utf8')).not.toMatch(/Bearer /);
  });
});

describe('--json schemas', () => {
  const h = new Harness();
  beforeAll(() => h.start());
  afterAll(() => h.stop());
  const keys = (value: unknown): string[] => Object.keys(value as object).sort();

  it('every command answers with {status, result, warnings} and a stable result shape; errors with {status, name, message, exitCode, actions}', async () => {
    const setup = await h.run(setupHandler, setupOpts({ json: true }));
    expect(keys(setup.json.result)).toEqual([
      'auth',
      'changed',
      'idp',
      'nextSteps',
      'org',
      'permissionSet',
      'provisioningUser',
      'steps'
    ]);
    const doctor = await h.run(doctorHandler, doctorOpts({ connectedAppProbe: false }));
    expect(keys(doctor.json)).toEqual(['result', 'status', 'warnings']);
    expect(keys(doctor.json.result)).toEqual(['auth', 'findings', 'idp', 'org', 'provisioningUser', 'summary']);
    for (const f of (doctor.json.result as { findings: Finding[] }).findings) {
      expect(['error', 'warning', 'info', 'ok']).toContain(f.severity);
      expect(typeof f.id === 'string' && typeof f.title === 'string' && typeof f.detail === 'string').toBe(true);
    }
    expect(doctor.json.status).toBe(doctor.code);
    const dir = mkdtempSync(join(tmpdir(), 'provisio-json-'));
    const validate = await h.run(validateHandler, { profile: 'Standard User', outputDir: dir, json: true });
    expect(keys(validate.json.result)).toEqual(['failedSteps', 'ok', 'report', 'summary', 'testUser']);
    const activate = await h.run(activateHandler, { usernames: 'nobody@x.example', json: true });
    expect(keys(activate.json.result)).toEqual(['failed', 'sent', 'skipped', 'users']);
    const failure = await h.run(setupHandler, setupOpts({ profile: 'No Such Profile', json: true }));
    expect(failure.code).toBe(2);
    expect(keys(failure.json)).toEqual(['actions', 'exitCode', 'message', 'name', 'status', 'warnings']);
    expect(failure.json).toMatchObject({ status: 2, exitCode: 2, name: 'UsageError' });
    expect(failure.stdout.trim().startsWith('{')).toBe(true);
  });
});
