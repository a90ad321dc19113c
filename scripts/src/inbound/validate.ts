import { randomBytes } from 'node:crypto';
import { CommandContext, throwIfAborted } from '../cli/command';
import { ProvisioError, ExitCode } from '../cli/errors';
import { redactor } from '../cli/redact';
import { OrgTarget } from '../org/target';
import { SECRET_ENV } from './constants';
import { EvidenceReport, evidenceBody, Exchange, TimelineStep, writeEvidence } from './evidence';
import { soqlString } from './facts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ValidateOptions {
  profile: string;
  email?: string;
  reactivate: boolean;
  outputDir: string;
  clientCredentials: boolean;
  version: string;
}

export interface ValidateResult {
  ok: boolean;
  summary: EvidenceReport['summary'];
  testUser?: EvidenceReport['testUser'];
  report: { json: string; html: string };
  failedSteps: string[];
}

interface Response {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

/** Records every HTTP exchange of a step, with headers and bodies redacted as they are stored. */
class Recorder {
  readonly timeline: TimelineStep[] = [];
  private current?: TimelineStep;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly signal: AbortSignal
  ) {}

  async step(name: string, body: () => Promise<{ ok: boolean; check: string }>): Promise<boolean> {
    throwIfAborted(this.signal);
    const started = Date.now();
    this.current = {
      n: this.timeline.length + 1,
      name,
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      ok: false,
      check: '',
      exchanges: []
    };
    this.timeline.push(this.current);
    try {
      const result = await body();
      this.current.ok = result.ok;
      this.current.check = result.check;
    } catch (error) {
      if (error instanceof ProvisioError && error.exitCode === ExitCode.INTERRUPTED) throw error;
      this.current.ok = false;
      this.current.check = `Error: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.current.durationMs = Date.now() - started;
    }
    return this.current.ok;
  }

  async call(method: string, path: string, body?: unknown, contentType = 'application/scim+json'): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = contentType;
    const started = Date.now();
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.signal
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      // keep the text
    }
    const exchange: Exchange = {
      method,
      url: redactor.redact(url),
      requestHeaders: redactor.redactValue(headers),
      requestBody: evidenceBody(body),
      status: res.status,
      responseBody: evidenceBody(parsed),
      durationMs: Date.now() - started
    };
    this.current?.exchanges.push(exchange);
    return { status: res.status, body: parsed };
  }
}

function get(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Json)[key];
  }
  return current;
}

function errorDetail(res: Response): string {
  const detail =
    get(res.body, 'detail') ??
    get(res.body, '0', 'message') ??
    (Array.isArray(res.body) ? get(res.body[0], 'message') : undefined);
  return `HTTP ${res.status}${typeof detail === 'string' ? `: ${detail}` : ''}`;
}

async function bearerToken(
  t: OrgTarget,
  options: ValidateOptions,
  ctx: CommandContext
): Promise<{ token: string; runAs: string }> {
  if (options.clientCredentials) {
    const clientId = ctx.env[SECRET_ENV.clientId];
    const clientSecret = ctx.env[SECRET_ENV.clientSecret];
    if (!clientId || !clientSecret) {
      throw new ProvisioError(
        'MissingSecret',
        `--client-credentials needs ${SECRET_ENV.clientId} and ${SECRET_ENV.clientSecret} in the environment.`,
        {
          exitCode: ExitCode.USAGE
        }
      );
    }
    redactor.add(clientSecret);
    const res = await fetch(`${t.instanceUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret })
    });
    const body = (await res.json()) as {
      access_token?: string;
      error?: string;
      error_description?: string;
      id?: string;
    };
    if (!body.access_token) {
      throw new ProvisioError(
        'TokenRefused',
        `The client-credentials token request was refused: ${body.error ?? res.status} ${body.error_description ?? ''}`,
        {
          exitCode: ExitCode.ORG,
          actions: ['Run provisio setup inbound --idp okta --verify to diagnose the External Client App.']
        }
      );
    }
    redactor.add(body.access_token);
    return { token: body.access_token, runAs: `client credentials (${body.id ?? 'execution user'})` };
  }
  const token = t.conn.accessToken;
  if (!token)
    throw new ProvisioError('NoSession', 'The org connection has no access token.', { exitCode: ExitCode.ORG });
  redactor.add(token);
  return { token, runAs: t.username };
}

/**
 * `validate inbound`: plays the identity provider against /services/scim/v2 (discovery, entitlements, create with a
 * profile entitlement, read back, filter, update, deactivate, optionally reactivate), checks every step through
 * the REST API, leaves the test user deactivated (Salesforce never deletes users) and writes the evidence report.
 */
export async function validateInbound(
  t: OrgTarget,
  options: ValidateOptions,
  ctx: CommandContext
): Promise<ValidateResult> {
  const { out, signal } = ctx;
  const { token, runAs } = await bearerToken(t, options, ctx);
  const rec = new Recorder(t.instanceUrl, token, signal);
  const scim = '/services/scim/v2';
  const rest = `/services/data/v${t.apiVersion}`;
  const startedAt = new Date().toISOString();
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const leftBehind: string[] = [];
  const say = (ok: boolean, name: string, check: string): void =>
    out.log(`${out.style(ok ? 'green' : 'red', ok ? 'passed' : 'FAILED')}  ${name}: ${check}`);
  const step = async (name: string, body: () => Promise<{ ok: boolean; check: string }>): Promise<boolean> => {
    out.spin(name);
    const ok = await rec.step(name, body);
    out.stopSpin(ok ? 'ok' : 'failed');
    say(ok, name, rec.timeline[rec.timeline.length - 1].check);
    return ok;
  };
  const restUser = async (id: string): Promise<Json | undefined> => {
    const q = `SELECT Id, Username, IsActive, Title, Profile.Name FROM User WHERE Id = ${soqlString(id)}`;
    const res = await rec.call('GET', `${rest}/query?q=${encodeURIComponent(q)}`);
    return (get(res.body, 'records') as Json[] | undefined)?.[0];
  };

  let interrupted: unknown;
  let email = options.email;
  let profileId: string | undefined;
  let userId: string | undefined;
  let userName = '';
  let active = false;

  try {
    await step('Discover: ServiceProviderConfigs', async () => {
      const res = await rec.call('GET', `${scim}/ServiceProviderConfigs`);
      const patch = get(res.body, 'patch', 'supported');
      const max = get(res.body, 'filter', 'maxResults');
      return {
        ok: res.status === 200 && patch === true,
        check:
          res.status === 200
            ? `PATCH supported: ${String(patch)}; filter maxResults: ${String(max)}; bulk: ${String(get(res.body, 'bulk', 'supported'))}`
            : errorDetail(res)
      };
    });
    await step(`Entitlements: find profile "${options.profile}"`, async () => {
      const res = await rec.call('GET', `${scim}/Entitlements`);
      const resources = (get(res.body, 'Resources') as Json[] | undefined) ?? [];
      const match = resources.find(
        (r) => r.displayName === options.profile && (r.type === 'Profile' || r.type === undefined)
      );
      profileId = typeof match?.id === 'string' ? match.id : undefined;
      return {
        ok: Boolean(profileId),
        check: profileId
          ? `${resources.length} entitlements; profile ${options.profile} is ${profileId}`
          : res.status === 200
            ? `${resources.length} entitlements, none is the profile "${options.profile}"`
            : errorDetail(res)
      };
    });
    if (!email) {
      const rows = await t.conn.query<{ Email: string }>(
        `SELECT Email FROM User WHERE Username = ${soqlString(t.username)}`
      );
      email = rows.records[0]?.Email;
    }
    const domain = 'provisio-validate.invalid';
    userName = `scim.${runId}@${domain}`;
    const createBody = (withProfile: boolean): Json => ({
      schemas: [CORE_USER, ENTERPRISE_USER],
      externalId: `provisio-validate-${runId}`,
      userName,
      name: { familyName: 'Validation', givenName: 'Provisio' },
      emails: [{ type: 'work', primary: true, value: email }],
      ...(withProfile && profileId ? { entitlements: [{ value: profileId }] } : {})
    });

    if (profileId) {
      await step('Rule: a create without a profile entitlement is refused', async () => {
        const res = await rec.call('POST', `${scim}/Users`, {
          ...createBody(false),
          userName: `noprofile.${userName}`
        });
        if (res.status === 201) {
          const strayId = String(get(res.body, 'id'));
          leftBehind.push(`user noprofile.${userName} (${strayId}) was created although it had no profile`);
          await rec.call('PATCH', `${scim}/Users/${strayId}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'replace', value: { active: false } }]
          });
        }
        return { ok: res.status >= 400 && res.status < 500, check: errorDetail(res) };
      });
      await step('Create the test user (POST /Users)', async () => {
        const res = await rec.call('POST', `${scim}/Users`, createBody(true));
        userId = typeof get(res.body, 'id') === 'string' ? String(get(res.body, 'id')) : undefined;
        if (userId) {
          active = true;
          const note = `test user ${userName} (${userId}) exists; Salesforce never deletes users`;
          leftBehind.push(note);
          ctx.leftBehind(note);
        }
        return {
          ok: res.status === 201 && Boolean(userId),
          check: res.status === 201 ? `created ${userId}` : errorDetail(res)
        };
      });
    }
    if (userId) {
      const id = userId;
      await step('Read it back (GET /Users/{id})', async () => {
        const res = await rec.call('GET', `${scim}/Users/${id}`);
        const ents = (get(res.body, 'entitlements') as Json[] | undefined) ?? [];
        const profile = ents.find((e) => e.type === 'Profile');
        const ok =
          res.status === 200 &&
          String(get(res.body, 'userName')).toLowerCase() === userName.toLowerCase() &&
          get(res.body, 'active') === true &&
          profile?.value === profileId;
        return {
          ok,
          check:
            res.status === 200
              ? `userName ${String(get(res.body, 'userName'))}, active ${String(get(res.body, 'active'))}, profile ${String(profile?.display)}`
              : errorDetail(res)
        };
      });
      await step('REST check: the user exists with that profile', async () => {
        const row = await restUser(id);
        const profile = get(row, 'Profile', 'Name');
        return {
          ok: row?.IsActive === true && profile === options.profile,
          check: row ? `IsActive ${String(row.IsActive)}, Profile ${String(profile)}` : 'not found through REST'
        };
      });
      await step('Filter: userName eq', async () => {
        const res = await rec.call('GET', `${scim}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
        const total = get(res.body, 'totalResults');
        return {
          ok: res.status === 200 && total === 1,
          check: res.status === 200 ? `totalResults ${String(total)}` : errorDetail(res)
        };
      });
      await step('Update an attribute (PATCH title)', async () => {
        const res = await rec.call('PATCH', `${scim}/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { title: `Validated ${runId}` } }]
        });
        const row = await restUser(id);
        return {
          ok: res.status === 200 && row?.Title === `Validated ${runId}`,
          check: res.status === 200 ? `REST Title is "${String(row?.Title)}"` : errorDetail(res)
        };
      });
      const setActive = async (value: boolean): Promise<{ ok: boolean; check: string }> => {
        const res = await rec.call('PATCH', `${scim}/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', value: { active: value } }]
        });
        const row = await restUser(id);
        if (row) active = row.IsActive === true;
        return {
          ok: res.status === 200 && get(res.body, 'active') === value && row?.IsActive === value,
          check:
            res.status === 200
              ? `SCIM active ${String(get(res.body, 'active'))}; REST IsActive ${String(row?.IsActive)}`
              : errorDetail(res)
        };
      };
      await step('Deactivate (PATCH active=false; Salesforce never deletes)', () => setActive(false));
      if (options.reactivate) {
        await step('Reactivate (PATCH active=true)', () => setActive(true));
        await step('Deactivate again (clean-up)', () => setActive(false));
      }
      if (active) {
        await step('Clean-up: deactivate the test user', () => setActive(false));
      }
    }
  } catch (error) {
    // Ctrl-C: stop here, but still write what happened so far.
    interrupted = error;
  }
  out.stopSpin();
  const passed = rec.timeline.filter((s) => s.ok).length;
  const finalState = userId ? (active ? 'ACTIVE — deactivate it by hand' : 'deactivated') : 'not created';
  if (userId)
    leftBehind.splice(
      0,
      leftBehind.length,
      ...leftBehind.map((l) => (l.startsWith('test user') ? `${l}; final state: ${finalState}` : l))
    );
  const report: EvidenceReport = {
    kind: 'inbound-validation',
    tool: { name: 'provisio', version: options.version },
    org: { orgId: t.orgId, instanceUrl: t.instanceUrl, runAs, apiVersion: t.apiVersion },
    startedAt,
    finishedAt: new Date().toISOString(),
    ok: passed === rec.timeline.length && Boolean(userId),
    summary: { steps: rec.timeline.length, passed, failed: rec.timeline.length - passed },
    testUser: { id: userId, userName, finalState },
    timeline: rec.timeline,
    leftBehind
  };
  const paths = writeEvidence(report, options.outputDir, `inbound-validation-${startedAt.replace(/[:.]/g, '-')}`);
  if (interrupted) {
    ctx.leftBehind(`a partial evidence report: ${paths.json}`);
    throw interrupted instanceof Error ? interrupted : new Error('Interrupted');
  }
  return {
    ok: report.ok,
    summary: report.summary,
    testUser: report.testUser,
    report: paths,
    failedSteps: rec.timeline.filter((s) => !s.ok).map((s) => s.name)
  };
}
