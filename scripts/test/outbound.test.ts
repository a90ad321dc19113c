/**
 * `setup outbound` and `validate outbound` against the org emulator (org side) and the local SCIM target (target
 * side).
 *
 * SIMULATION, clearly labelled: the Apex engine does not run in the emulator, so `SimulatedEngine` below plays its
 * part. It watches the emulator's records (pilot assignments, User changes), sends the SCIM calls the engine
 * would send to the local SCIM target (so target faults really happen), and writes ProvisioningEvent__c rows the
 * way the data model describes them. The `sf` CLI deploys are replaced by a recording fake that applies the
 * deployed ProvisioningTarget record to the emulator. Everything else (REST, Connect API, SCIM) is real HTTP.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Handler } from '../src/cli/command';
import { CommandRun, runCommand } from './helpers/runCommand';
import { connectState, MASK } from '../src/emulator/modules/namedCredentials';
import { Emulator, startEmulator } from '../src/emulator/server';
import { createEmulatorOrgAlias } from '../src/emulator/sfAuth';
import { EmulatorModule } from '../src/emulator/http';
import { setupOutboundHandler, validateOutboundHandler } from '../src/outbound/command';
import { setupOutbound } from '../src/outbound/setup';
import { orgHttp } from '../src/outbound/orgHttp';
import { TARGET_FIELDS } from '../src/outbound/org';
import { Output } from '../src/cli/output';
import { ScimTarget, startScimTarget } from '../src/scim/server';
import { tempSfHome } from './helpers/sfHome';

const TARGET_TOKEN = 'target-secret-token-42';
const ALIAS = 'emu-outbound';

/** The Provisio metadata as if deployed: the engine's objects and the sample target record. */
function provisioDeployed(stage = 'Pilot', pilotSet = true): EmulatorModule {
  return {
    name: 'provisio-deployed',
    routes: [],
    seed: (state) => {
      state.db.define({
        name: 'ProvisioningEvent__c',
        fields: [
          'Target__c',
          'User__c',
          'UserName__c',
          'Operation__c',
          'State__c',
          'Attempt__c',
          'HttpStatus__c',
          'Request__c',
          'Response__c',
          'Error__c',
          'ExternalId__c',
          'DurationMs__c',
          'Source__c',
          'CreatedDate'
        ],
        keyPrefix: 'a01'
      });
      state.db.define({
        name: 'ProvisioningTarget__mdt',
        fields: ['DeveloperName', 'MasterLabel', ...TARGET_FIELDS],
        keyPrefix: 'm00'
      });
      state.db.insert('ProvisioningTarget__mdt', {
        DeveloperName: 'ScimTarget',
        MasterLabel: 'SCIM Target',
        NamedCredential__c: 'ScimTarget',
        Driver__c: 'Native',
        Stage__c: stage,
        IsEnabled__c: stage !== 'DryRun',
        PilotPermissionSet__c: 'ProvisioningPilot'
      });
      state.db.insert('PermissionSet', {
        Name: 'ProvisioningAdmin',
        Label: 'Provisioning Admin',
        IsOwnedByProfile: false
      });
      if (pilotSet)
        state.db.insert('PermissionSet', {
          Name: 'ProvisioningPilot',
          Label: 'Provisioning Pilot',
          IsOwnedByProfile: false
        });
      for (const license of state.db.all('UserLicense'))
        state.db.update('UserLicense', license.Id, { TotalLicenses: 100 });
    }
  };
}

/** SIMULATION of the Apex engine (see the file comment). */
class SimulatedEngine {
  private timer?: NodeJS.Timeout;
  private readonly known = new Map<string, { active: boolean; title: unknown; scimId?: string }>();
  private busy = false;
  paused = false;
  /** Plays a tripped deprovisioning guard: deactivations are written as Staged and not sent. */
  guardTripped = false;

  constructor(
    private readonly emulator: Emulator,
    private readonly target: ScimTarget
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 40);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.paused) return;
    this.busy = true;
    try {
      const db = this.emulator.state.db;
      const [pilot] = db.where('PermissionSet', (p) => p.Name === 'ProvisioningPilot');
      if (!pilot) return;
      const pilots = new Set(
        db.where('PermissionSetAssignment', (a) => a.PermissionSetId === pilot.Id).map((a) => String(a.AssigneeId))
      );
      for (const user of db.all('User')) {
        if (!pilots.has(user.Id)) continue;
        const before = this.known.get(user.Id);
        if (!before) {
          const payload = {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: user.Username,
            name: { givenName: user.FirstName, familyName: user.LastName },
            emails: [{ value: user.Email, type: 'work', primary: true }],
            title: user.Title,
            active: user.IsActive === true
          };
          const outcome = await this.send('POST', '/Users', payload);
          this.event(user, 'Create', payload, outcome);
          this.known.set(user.Id, { active: user.IsActive === true, title: user.Title, scimId: outcome.id });
          continue;
        }
        if (!before.scimId) continue;
        if (before.title !== user.Title) {
          const patch = {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', path: 'title', value: user.Title }]
          };
          this.event(user, 'Update', patch, await this.send('PATCH', `/Users/${before.scimId}`, patch), before.scimId);
          before.title = user.Title;
        }
        if (before.active !== (user.IsActive === true)) {
          const active = user.IsActive === true;
          if (!active && this.guardTripped) {
            this.event(user, 'Deactivate', null, { status: 0, text: '' }, before.scimId, 'Staged');
            before.active = active;
            continue;
          }
          const patch = {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', path: 'active', value: active }]
          };
          this.event(
            user,
            active ? 'Reactivate' : 'Deactivate',
            patch,
            await this.send('PATCH', `/Users/${before.scimId}`, patch),
            before.scimId
          );
          before.active = active;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async send(
    method: string,
    path: string,
    body: unknown
  ): Promise<{ status: number; text: string; id?: string }> {
    try {
      const response = await fetch(`${this.target.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${TARGET_TOKEN}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify(body)
      });
      const text = await response.text();
      let id: string | undefined;
      try {
        id = (JSON.parse(text) as { id?: string }).id;
      } catch {
        id = undefined;
      }
      return { status: response.status, text, id };
    } catch (error) {
      return { status: 0, text: (error as Error).message };
    }
  }

  private event(
    user: Record<string, unknown>,
    operation: string,
    request: unknown,
    outcome: { status: number; text: string; id?: string },
    scimId?: string,
    state?: string
  ): void {
    const ok = outcome.status >= 200 && outcome.status < 300;
    this.emulator.state.db.insert('ProvisioningEvent__c', {
      Target__c: 'ScimTarget',
      User__c: user.Id,
      UserName__c: user.Username,
      Operation__c: operation,
      State__c: state ?? (ok ? 'Succeeded' : 'Failed'),
      Attempt__c: 1,
      HttpStatus__c: outcome.status,
      Request__c: JSON.stringify(request),
      Response__c: outcome.text,
      Error__c: ok ? null : `Target answered HTTP ${outcome.status}`,
      ExternalId__c: outcome.id ?? scimId ?? null,
      DurationMs__c: 12,
      Source__c: 'Native'
    });
  }
}

let dir: string;
let home: { restore: () => void };

beforeAll(() => {
  home = tempSfHome();
});
afterAll(() => {
  home.restore();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbound-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(
  handler: Handler<never>,
  options: Record<string, unknown>,
  env: Record<string, string> = { PROVISIO_TARGET_TOKEN: TARGET_TOKEN },
  during?: (io: { stderr: () => string }) => Promise<void>
): Promise<CommandRun> {
  return runCommand(handler, { targetOrg: ALIAS, target: 'ScimTarget', ...options } as never, env, during);
}

async function world(
  stage = 'Pilot',
  pilotSet = true
): Promise<{ emulator: Emulator; target: ScimTarget; engine: SimulatedEngine; close: () => Promise<void> }> {
  const emulator = await startEmulator({ modules: [provisioDeployed(stage, pilotSet)] });
  await createEmulatorOrgAlias(emulator, ALIAS);
  const target = await startScimTarget({ token: TARGET_TOKEN });
  const engine = new SimulatedEngine(emulator, target);
  engine.start();
  return {
    emulator,
    target,
    engine,
    close: async () => {
      engine.stop();
      await target.close();
      await emulator.close();
    }
  };
}

async function withWorld(
  fn: (w: Awaited<ReturnType<typeof world>>) => Promise<void>,
  stage = 'Pilot',
  pilotSet = true
): Promise<void> {
  const w = await world(stage, pilotSet);
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}

/**
 * The recording fake of `sf project deploy start` for the target's custom metadata record (the emulator does not
 * model custom metadata deploys): keeps the file and applies its Stage__c, Driver__c and IsEnabled__c to the row.
 */
function applyTargetRecordDeploy(w: Awaited<ReturnType<typeof world>>, cwd: string, deployed: string[]): void {
  const xml = readFileSync(
    join(cwd, 'force-app/main/default/customMetadata/ProvisioningTarget.ScimTarget.md-meta.xml'),
    'utf8'
  );
  deployed.push(xml);
  const value = (field: string): string | undefined =>
    new RegExp(`<field>${field}</field>\\s*<value xsi:type="xsd:\\w+">(\\w+)<`).exec(xml)?.[1];
  const record = w.emulator.state.db.where('ProvisioningTarget__mdt', () => true)[0];
  const enabled = value('IsEnabled__c');
  w.emulator.state.db.update('ProvisioningTarget__mdt', record.Id, {
    Stage__c: value('Stage__c') ?? record.Stage__c,
    Driver__c: value('Driver__c') ?? record.Driver__c,
    IsEnabled__c: enabled === undefined ? record.IsEnabled__c : enabled === 'true'
  });
}

const validateOptions = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  timeout: '5',
  poll: '0.05',
  targetTimeout: '0.3',
  changeField: 'Title',
  email: 'pilot@example.com',
  reportDir: join(dir, 'reports'),
  ...extra
});

describe('validate outbound', () => {
  it('runs the pilot lifecycle end to end and writes HTML + JSON evidence without the token', async () => {
    await withWorld(async (w) => {
      // The target answers booleans as strings ("True"/"False") on reads: the CLI must still confirm them.
      w.target.faults.add({ kind: 'stringBooleans', method: 'GET', path: '/Users/*' });
      // ...answers the create with 200 instead of 201, and is slow to answer reads: none of it is a failure.
      w.target.faults.add({ kind: 'created200', method: 'POST', path: '/Users' });
      w.target.faults.add({ kind: 'latency', ms: 100, method: 'GET' });
      const result = await run(validateOutboundHandler, validateOptions({ url: w.target.url }));
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.code).toBe(0);
      for (const step of [
        'Create: confirmed on the target',
        'Update: confirmed on the target',
        'Deactivate: confirmed on the target',
        'Reactivate: confirmed on the target',
        'clean up'
      ]) {
        expect(result.stdout).toContain(`✔ ${step}`);
      }
      const files = readdirSync(join(dir, 'reports'));
      const json = files.find((f) => f.endsWith('.json'));
      expect(files.some((f) => f.endsWith('.html'))).toBe(true);
      const text = readFileSync(join(dir, 'reports', String(json)), 'utf8');
      expect(text).not.toContain(TARGET_TOKEN);
      const evidence = JSON.parse(text) as {
        result: string;
        steps: Array<{ status: string; durationMs: number }>;
        leftBehind: string[];
      };
      expect(evidence.result).toBe('passed');
      expect(evidence.steps.every((s) => s.status === 'passed' && s.durationMs >= 0)).toBe(true);
      expect(evidence.leftBehind.join('\n')).toMatch(/stays in the org, deactivated/);
      expect(evidence.leftBehind.join('\n')).toMatch(
        /Account [\w-]+ on the target: curl -X DELETE .*\/scim\/v2\/Users\/[\w-]+/
      );
      const html = readFileSync(join(dir, 'reports', String(files.find((f) => f.endsWith('.html')))), 'utf8');
      expect(html).toContain('<h1>Outbound validation: ScimTarget');
      expect(html).not.toContain(TARGET_TOKEN);
      // The pilot assignment is gone, the created user is inactive.
      const created = w.emulator.state.db.where('User', (u) => String(u.Username).startsWith('provisio.validate.'));
      expect(created).toHaveLength(1);
      expect(created[0].IsActive).toBe(false);
      const pilotSetId = w.emulator.state.db.where('PermissionSet', (p) => p.Name === 'ProvisioningPilot')[0].Id;
      const pilotAssignments = w.emulator.state.db.where(
        'PermissionSetAssignment',
        (a) => a.AssigneeId === created[0].Id && a.PermissionSetId === pilotSetId
      );
      expect(pilotAssignments).toHaveLength(0);
    });
  });

  it('--check only reads: no write reaches the org or the target', async () => {
    await withWorld(async (w) => {
      const before = w.emulator.state.requests.length;
      const result = await run(validateOutboundHandler, validateOptions({ url: w.target.url, check: true }));
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/recent engine activity: no events yet/);
      const json = await run(validateOutboundHandler, validateOptions({ url: w.target.url, check: true, json: true }));
      const envelope = JSON.parse(json.stdout) as {
        status: number;
        result: { result: string; steps: Array<{ name: string }> };
      };
      expect(envelope.status).toBe(0);
      expect(envelope.result.result).toBe('passed');
      expect(envelope.result.steps.map((step) => step.name)).toContain('recent engine activity');
      expect(w.emulator.state.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(w.target.requests.every((r) => r.method === 'GET')).toBe(true);
    });
  });

  it('shows the target detail when it rejects the mapped payload', async () => {
    await withWorld(async (w) => {
      w.target.faults.add({ kind: 'duplicate400', method: 'POST', path: '/Users' });
      // A user with the same userName already exists on the target, so the create conflicts.
      const existing = 'taken.user@example.com';
      w.emulator.state.createUser({
        Username: existing,
        LastName: 'Taken',
        Email: existing,
        Alias: 'taken',
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: w.emulator.state.db.where('Profile', (p) => p.Name === 'Standard User')[0].Id
      });
      await fetch(`${w.target.url}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TARGET_TOKEN}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ userName: existing })
      });
      const result = await run(validateOutboundHandler, validateOptions({ url: w.target.url, user: existing }));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Create Failed: HTTP 400 — Target answered HTTP 400 \(target said: "A user with this userName already exists\."\)/
      );
      expect(result.stderr).toMatch(
        /Left behind:\n {2}- Pilot assignment \w+ \(ProvisioningPilot on taken\.user@example\.com\): sf data delete record --sobject PermissionSetAssignment --record-id \w+ --target-org emu-outbound/
      );
    });
  });

  it.each([
    ['wrong token', { PROVISIO_TARGET_TOKEN: 'not-the-right-token' }, undefined, 3, /refused the bearer token \(401\)/],
    [
      'target answers 500',
      undefined,
      { kind: 'status', status: 500, path: '/ServiceProviderConfig' },
      3,
      /failed GET .*ServiceProviderConfig with HTTP 500: "Injected fault: HTTP 500\."/
    ],
    [
      'target answers HTML',
      undefined,
      { kind: 'html', path: '/ServiceProviderConfig' },
      3,
      /HTML page \(HTTP 200\) instead of SCIM JSON/
    ],
    ['connection reset', undefined, { kind: 'reset', path: '/ServiceProviderConfig' }, 3, /reset the connection/],
    [
      'truncated body',
      undefined,
      { kind: 'truncated', path: '/ServiceProviderConfig' },
      3,
      /not valid JSON .*truncated/
    ],
    [
      'rate limited',
      undefined,
      { kind: 'status', status: 429, retryAfter: 0, path: '/ServiceProviderConfig' },
      3,
      /answered 429 .*after 3 retries/
    ],
    [
      'timeout',
      undefined,
      { kind: 'timeout', ms: 60000, path: '/ServiceProviderConfig', count: 1 },
      3,
      /did not answer GET .* within 0.3s/
    ]
  ])('reports %s clearly', async (_name, env, fault, code, message) => {
    await withWorld(async (w) => {
      if (fault) w.target.faults.add(fault as never);
      const result = await run(
        validateOutboundHandler,
        validateOptions({ url: w.target.url, check: true }),
        env ?? { PROVISIO_TARGET_TOKEN: TARGET_TOKEN }
      );
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(result.stderr + result.stdout).not.toContain(TARGET_TOKEN);
    });
  });

  it('says when the target is down, the pilot user does not exist, or the engine never answers', async () => {
    await withWorld(async (w) => {
      const down = await startScimTarget({ token: TARGET_TOKEN });
      const url = down.url;
      await down.close();
      expect((await run(validateOutboundHandler, validateOptions({ url, check: true }))).stderr).toMatch(
        /down or unreachable \(ECONNREFUSED\)/
      );
      const ghost = await run(
        validateOutboundHandler,
        validateOptions({ url: w.target.url, user: 'nobody@example.com' })
      );
      expect(ghost.code).toBe(1);
      expect(ghost.stderr).toMatch(/The pilot user nobody@example\.com does not exist in the org/);
      w.engine.paused = true;
      const silent = await run(validateOutboundHandler, validateOptions({ url: w.target.url, timeout: '0.3' }));
      expect(silent.code).toBe(1);
      expect(silent.stderr).toMatch(
        /No finished Create event for the user within 0s \(no event at all: is the engine enabled/
      );
    });
  });

  it('says when the deprovisioning guard holds the deactivation', async () => {
    await withWorld(async (w) => {
      w.engine.guardTripped = true;
      const result = await run(validateOutboundHandler, validateOptions({ url: w.target.url }));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Deactivate Staged: the deprovisioning guard held it for approval/);
    });
  });

  it('refuses a DryRun target for the lifecycle', async () => {
    await withWorld(async (w) => {
      const result = await run(validateOutboundHandler, validateOptions({ url: w.target.url }));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/is in stage DryRun: the pilot lifecycle needs stage Pilot/);
    }, 'DryRun');
  });

  it('Ctrl-C while waiting for the engine says what was left behind and how to clean it up', async () => {
    await withWorld(async (w) => {
      w.engine.paused = true;
      const result = await run(
        validateOutboundHandler,
        validateOptions({ url: w.target.url, timeout: '30' }),
        undefined,
        async ({ stderr }) => {
          for (let i = 0; i < 200 && !/Create: waiting for the engine/.test(stderr()); i++)
            await new Promise((r) => setTimeout(r, 20));
          process.emit('SIGINT');
        }
      );
      expect(result.code).toBe(130);
      expect(result.stderr).toMatch(
        /Left behind:\n {2}- Test user provisio\.validate\.\w+@example\.com \(005\w+\) in the org; users cannot be deleted, deactivate it: sf data update record --sobject User --record-id 005\w+ --values "IsActive=false" --target-org emu-outbound\n {2}- Pilot assignment/
      );
      const json = readdirSync(join(dir, 'reports')).find((f) => f.endsWith('.json'));
      expect((JSON.parse(readFileSync(join(dir, 'reports', String(json)), 'utf8')) as { result: string }).result).toBe(
        'interrupted'
      );
    });
  });
});

describe('setup outbound', () => {
  it('creates the credentials through the Connect API, assigns pilots from a CSV, sets the stage; the token is never shown', async () => {
    await withWorld(
      async (w) => {
        const std = w.emulator.state.db.where('Profile', (p) => p.Name === 'Standard User')[0].Id;
        for (const name of ['p1@example.com', 'p2@example.com', 'integ@example.com']) {
          w.emulator.state.createUser({
            Username: name,
            LastName: 'Pilot',
            Email: name,
            Alias: name.slice(0, 2),
            TimeZoneSidKey: 'GMT',
            LocaleSidKey: 'en_US',
            EmailEncodingKey: 'UTF-8',
            LanguageLocaleKey: 'en_US',
            ProfileId: std
          });
        }
        const csv = join(dir, 'pilots.csv');
        writeFileSync(csv, 'Username,Note\np1@example.com,first\n');
        const deployed: string[] = [];
        const subscriberConfigs: string[] = [];
        const sf = jest.fn(async (args: string[], options?: { cwd?: string }) => {
          // Recording fake of `sf project deploy start`: applies the deployed target record to the emulator.
          const config = join(
            String(options?.cwd),
            'force-app/main/default/PlatformEventSubscriberConfigs/ProvisioningRequestTrigger_Config.platformEventSubscriberConfig-meta.xml'
          );
          if (existsSync(config)) {
            subscriberConfigs.push(readFileSync(config, 'utf8'));
            return { args };
          }
          applyTargetRecordDeploy(w, String(options?.cwd), deployed);
          return { args };
        });
        const stdout = new PassThrough();
        let out = '';
        stdout.on('data', (c: Buffer) => (out += c.toString()));
        const context = {
          out: new Output({ json: false, stdout, stderr: new PassThrough(), env: {} }),
          signal: new AbortController().signal,
          env: {},
          stdin: new PassThrough(),
          leftBehind: () => undefined
        };
        const { connectOrg } = await import('../src/org/connect');
        const http = orgHttp(await connectOrg(ALIAS));
        const steps = await setupOutbound(
          { http, sf, targetOrg: ALIAS, projectDir: dir },
          {
            target: 'ScimTarget',
            url: w.target.url,
            token: TARGET_TOKEN,
            stage: 'Pilot',
            pilotUsers: ['p1@example.com', 'P2@example.com'],
            deploy: false,
            checkTarget: true,
            grantTo: 'ProvisioningAdmin',
            integrationUser: 'INTEG@example.com'
          },
          context
        );
        expect(steps.map((s) => `${s.step}:${s.status}`)).toEqual([
          'metadata:unchanged',
          'target:unchanged',
          'external credential:done',
          'named credential:done',
          'secret:done',
          'principal access:done',
          'pilot permission set:done',
          'pilot users:done',
          'integration user access:done',
          'integration user:done',
          'target:done'
        ]);
        // The hand-off trigger runs as the integration user, who holds the permission set with principal access.
        expect(subscriberConfigs).toEqual([
          expect.stringContaining('<platformEventConsumer>ProvisioningRequestTrigger</platformEventConsumer>')
        ]);
        expect(subscriberConfigs[0]).toContain('<user>integ@example.com</user>');
        const integ = w.emulator.state.db.where('User', (u) => u.Username === 'integ@example.com')[0];
        const adminSet = w.emulator.state.db.where('PermissionSet', (p) => p.Name === 'ProvisioningAdmin')[0];
        expect(
          w.emulator.state.db.where(
            'PermissionSetAssignment',
            (a) => a.AssigneeId === integ.Id && a.PermissionSetId === adminSet.Id
          )
        ).toHaveLength(1);
        const connect = connectState(w.emulator.state);
        expect(connect.namedCredentials.get('scimtarget')).toMatchObject({
          calloutUrl: w.target.url,
          externalCredentials: [{ developerName: 'ScimTarget_Auth' }]
        });
        expect([...connect.credentials.values()][0].credentials.Token).toEqual({
          value: TARGET_TOKEN,
          encrypted: true
        });
        expect(out).not.toContain(TARGET_TOKEN);
        expect(deployed[0]).toContain('<value xsi:type="xsd:string">Pilot</value>');
        expect(deployed[0]).not.toContain(TARGET_TOKEN);
        const admin = w.emulator.state.db.where('PermissionSet', (p) => p.Name === 'ProvisioningAdmin')[0];
        const principal = w.emulator.state.db.where(
          'ExternalCredentialParameter',
          (p) => p.ParameterName === 'ScimToken'
        )[0];
        expect(
          w.emulator.state.db.where(
            'SetupEntityAccess',
            (a) => a.ParentId === admin.Id && a.SetupEntityId === principal.Id
          )
        ).toHaveLength(1);
        const pilotSet = w.emulator.state.db.where('PermissionSet', (p) => p.Name === 'ProvisioningPilot')[0];
        expect(
          w.emulator.state.db.where('PermissionSetAssignment', (a) => a.PermissionSetId === pilotSet.Id)
        ).toHaveLength(2);
        // Reading the credential back never shows the secret.
        const token = w.emulator.state.openSession(w.emulator.state.adminUserId, 'seed');
        const back = await fetch(
          `${w.emulator.url}/services/data/v66.0/named-credentials/credential?externalCredential=ScimTarget_Auth&principalName=ScimToken&principalType=NamedPrincipal`,
          { headers: { Authorization: `Bearer ${token}` } }
        );
        expect(JSON.stringify(await back.json())).toContain(MASK);

        // Again with a CSV and a new token: idempotent, and the secret is replaced, not duplicated.
        const again = await run(
          setupOutboundHandler,
          { url: w.target.url, pilotCsv: csv, targetCheck: true, grantTo: 'ProvisioningAdmin' },
          { PROVISIO_TARGET_TOKEN: TARGET_TOKEN }
        );
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/= external credential: ScimTarget_Auth/);
        expect(again.stdout).toMatch(/= principal access: ProvisioningAdmin already has ScimTarget_Auth\/ScimToken/);
        expect(again.stdout).toMatch(/pilot users: 0 assigned, 1 already had ProvisioningPilot/);
        expect(again.stdout + again.stderr).not.toContain(TARGET_TOKEN);
      },
      'DryRun',
      false
    );
  });

  it('--driver connected-app: after the package install, deploys the UserProvisioningConfig with the org IDs (Metadata API); idempotent; --dry-run changes nothing', async () => {
    await withWorld(async (w) => {
      // Before the Provisio Connected App package is installed: a clear error before anything changes.
      const missing = await run(setupOutboundHandler, {
        driver: 'connected-app',
        url: w.target.url,
        targetCheck: true,
        grantTo: 'ProvisioningAdmin'
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/No Connected App named "Provisio SCIM" in the org/);
      expect(missing.stderr).toMatch(/Install the Provisio Connected App package/);
      expect(connectState(w.emulator.state).externalCredentials.size).toBe(0);
      // The package install brings the Connected App (the emulator does not model installs, only the row they leave).
      const app = w.emulator.state.db.insert('ConnectedApplication', { Name: 'Provisio SCIM' });
      const noFlow = await run(setupOutboundHandler, { driver: 'connected-app', dryRun: true });
      expect(noFlow.code).toBe(2);
      expect(noFlow.stderr).toMatch(/No flow Provisio_User_Provisioning in the org/);
      w.emulator.state.db.insert('FlowDefinitionView', {
        ApiName: 'Provisio_User_Provisioning',
        Label: 'Provisio User Provisioning',
        ProcessType: 'UserProvisioningFlow',
        IsActive: true
      });
      w.emulator.state.db.insert('FlowDefinitionView', { ApiName: 'Onboarding', ProcessType: 'AutoLaunchedFlow' });
      const wrongFlow = await run(setupOutboundHandler, { driver: 'connected-app', dryRun: true, flow: 'Onboarding' });
      expect(wrongFlow.code).toBe(2);
      expect(wrongFlow.stderr).toMatch(/Flow Onboarding has process type AutoLaunchedFlow, not UserProvisioningFlow/);
      const noCredential = await run(setupOutboundHandler, { driver: 'connected-app', dryRun: true });
      expect(noCredential.code).toBe(2);
      expect(noCredential.stderr).toMatch(/Named Credential ScimTarget does not exist in the org/);
      const misuse = await run(setupOutboundHandler, { driver: 'connected-app', dryRun: true, url: w.target.url });
      expect(misuse.code).toBe(2);
      expect(misuse.stderr).toMatch(/--dry-run goes with --driver connected-app alone[\s\S]*Leave out --url/);

      // The custom metadata record goes through `sf project deploy` (faked here, applied to the emulator's row).
      const targetDeploys: string[] = [];
      const sf = jest.fn(async (args: string[], options?: { cwd?: string }) => {
        applyTargetRecordDeploy(w, String(options?.cwd), targetDeploys);
        return { args };
      });
      const { openTarget } = await import('../src/org/target');
      const t = await openTarget({ targetOrg: ALIAS });
      const context = {
        out: new Output({ json: false, stdout: new PassThrough(), stderr: new PassThrough(), env: {} }),
        signal: new AbortController().signal,
        env: {},
        stdin: new PassThrough(),
        leftBehind: () => undefined
      };
      const setup = () =>
        setupOutbound(
          { http: orgHttp(t.conn), sf, targetOrg: ALIAS, projectDir: dir, metadata: t },
          {
            target: 'ScimTarget',
            url: w.target.url,
            token: TARGET_TOKEN,
            pilotUsers: [],
            deploy: false,
            checkTarget: true,
            grantTo: 'ProvisioningAdmin',
            driver: 'connected-app'
          },
          context
        );
      const first = await setup();
      expect(first.map((s) => `${s.step}:${s.status}`)).toEqual(
        expect.arrayContaining(['named credential:done', 'target:done', 'user provisioning config:done'])
      );
      expect(targetDeploys).toHaveLength(1);
      expect(targetDeploys[0]).toContain('<value xsi:type="xsd:string">ConnectedApp</value>');
      const configs = w.emulator.state.extensions.get('metadata.userProvisioningConfigs') as Map<
        string,
        Record<string, string>
      >;
      const nc = w.emulator.state.db.where('NamedCredential', (r) => r.DeveloperName === 'ScimTarget')[0];
      expect(configs.get('ScimTarget')).toEqual({
        connectedApp: app.Id,
        enabled: 'true',
        enabledOperations: 'Create,Update,EnableAndDisable',
        flow: 'Provisio_User_Provisioning',
        masterLabel: 'ScimTarget provisioning',
        namedCredential: nc.Id,
        onUpdateAttributes: 'FirstName,LastName,Email,Title,Department,IsActive',
        userAccountMapping: '{"linkingSalesforceUserAttribute":"Username","linkingTargetUserAttribute":"userName"}'
      });

      // Again: the config read back through the Metadata API is the same, so nothing is deployed.
      const again = await setup();
      expect(again.find((s) => s.step === 'user provisioning config')?.status).toBe('unchanged');
      expect(targetDeploys).toHaveLength(1);
      const clean = await run(setupOutboundHandler, { driver: 'connected-app', dryRun: true });
      expect(clean.code).toBe(0);
      expect(clean.stdout).toMatch(/= user provisioning config: ScimTarget for Provisio SCIM/);
      expect(clean.stdout).toMatch(/Dry run: nothing to change/);

      // Another Connected App: the dry run says what would change and changes nothing.
      const other = w.emulator.state.db.insert('ConnectedApplication', { Name: 'Legacy SSO' });
      const planned = await run(setupOutboundHandler, {
        driver: 'connected-app',
        dryRun: true,
        connectedApp: 'Legacy SSO'
      });
      expect(planned.code).toBe(0);
      expect(planned.stdout).toContain(
        `~ user provisioning config: connectedApp: ${String(app.Id)} -> ${String(other.Id)}`
      );
      expect(planned.stdout).toMatch(/Dry run: nothing was changed/);
      expect(configs.get('ScimTarget')?.connectedApp).toBe(app.Id);
    });
  });

  it('stops before changing anything for an unknown pilot user, a refused token or a target that is down', async () => {
    await withWorld(async (w) => {
      const unknown = await run(setupOutboundHandler, {
        url: w.target.url,
        pilotUsers: 'ghost@example.com',
        targetCheck: true
      });
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/1 pilot user\(s\) do not exist in the org: ghost@example\.com/);
      const refused = await run(
        setupOutboundHandler,
        { url: w.target.url, targetCheck: true },
        { PROVISIO_TARGET_TOKEN: 'wrong-token-123' }
      );
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/refused the bearer token \(401\)/);
      expect(connectState(w.emulator.state).externalCredentials.size).toBe(0);
      const noSet = await run(setupOutboundHandler, { url: w.target.url, targetCheck: true, grantTo: 'NoSuchSet' });
      expect(noSet.code).toBe(2);
      expect(noSet.stderr).toMatch(/Permission set NoSuchSet \(for --grant-to\) does not exist/);
      const noIntegration = await run(setupOutboundHandler, {
        url: w.target.url,
        targetCheck: true,
        grantTo: 'ProvisioningAdmin',
        integrationUser: 'nobody@example.com'
      });
      expect(noIntegration.code).toBe(2);
      expect(noIntegration.stderr).toMatch(/1 integration user\(s\) do not exist in the org: nobody@example\.com/);
      expect(connectState(w.emulator.state).externalCredentials.size).toBe(0);
      const bad = await run(setupOutboundHandler, { url: 'ftp://x', targetCheck: true });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/must use https/);
    });
  });
});
