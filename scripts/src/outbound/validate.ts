import { CommandContext, throwIfAborted } from '../cli/command';
import { ExitCode, InterruptedError, ProvisioError } from '../cli/errors';
import { ScimClient, scimBoolean, ScimExchange } from '../scim/client';
import { fieldText, hasType, query, readTarget, soqlString, TargetRecord } from './org';
import { OrgApiError, OrgHttp } from './orgHttp';
import { evidenceBody } from '../inbound/evidence';
import { Evidence, EvidenceStep } from './report';
import { sleepUnlessAborted as sleep } from './time';

export interface ValidateOutboundOptions {
  target: string;
  url: string;
  token: string;
  /** Take this existing user instead of creating a test user. */
  user?: string;
  /** Read-only: check configuration and reachability, change nothing anywhere. */
  check: boolean;
  timeoutMs: number;
  pollMs: number;
  /** Per-request timeout of the SCIM calls to the target. */
  targetTimeoutMs: number;
  /** The User field changed for the update step (must be mapped with TriggersUpdate__c). */
  changeField: 'Title' | 'Department' | 'FirstName' | 'LastName';
  email: string;
  /** sf alias, only to print cleanup commands. */
  targetOrg?: string;
}

/** Where each field's new value shows on the SCIM user (the sample mapping of force-app/main/mapping). */
const SCIM_PATH: Record<ValidateOutboundOptions['changeField'], (user: Record<string, unknown>) => unknown> = {
  Title: (u) => u.title,
  Department: (u) =>
    (u['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] as { department?: unknown } | undefined)
      ?.department,
  FirstName: (u) => (u.name as { givenName?: unknown } | undefined)?.givenName,
  LastName: (u) => (u.name as { familyName?: unknown } | undefined)?.familyName
};

interface ProvisioningEvent {
  Id: string;
  Operation__c: string;
  State__c: string;
  Attempt__c?: number | null;
  HttpStatus__c?: number | null;
  Error__c?: string | null;
  ExternalId__c?: string | null;
  Request__c?: string | null;
  Response__c?: string | null;
  DurationMs__c?: number | null;
}

/** SCIM exchanges for the report: bodies redacted and bounded like the inbound evidence. */
function bounded(exchanges: ScimExchange[]): ScimExchange[] {
  return exchanges.map((x) => ({ ...x, request: evidenceBody(x.request), response: evidenceBody(x.response) }));
}

/** Event states after which the engine does nothing more on its own (Staged waits for an admin's decision). */
const FINISHED = ['Succeeded', 'Failed', 'Rejected', 'DryRun', 'SkippedByPilot', 'Staged'];

class StepFailed extends ProvisioError {
  constructor(message: string, actions: string[] = []) {
    super('ValidationFailed', message, { exitCode: ExitCode.FINDINGS, actions });
  }
}

function parseJson(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The target's `detail` from a stored SCIM error response, when there is one. */
function targetDetail(event: ProvisioningEvent): string | undefined {
  const response = parseJson(event.Response__c) as { detail?: unknown } | undefined;
  return response && typeof response === 'object' && typeof response.detail === 'string' ? response.detail : undefined;
}

/**
 * `validate outbound`: proves the outbound connector end to end on a real org against a real target, the way the
 * field guides' rollout asks (pilot first): create (or take) a test user, put it in the pilot, wait for the engine
 * (the ProvisioningEvent__c log) and confirm on the target over SCIM that the account exists with the mapped
 * attributes; change an attribute, deactivate, reactivate, confirming each; then take the user out of the pilot.
 * Every step is timed and its payloads kept (redacted) for the evidence report. With `check`, it only reads.
 */
export class OutboundValidation {
  readonly steps: EvidenceStep[] = [];
  readonly leftBehind: string[] = [];
  private readonly exchanges: ScimExchange[] = [];
  private readonly client: ScimClient;
  private readonly startedAt = new Date();
  private record?: TargetRecord;

  constructor(
    private readonly http: OrgHttp,
    private readonly options: ValidateOutboundOptions,
    private readonly context: CommandContext
  ) {
    this.client = new ScimClient(options.url, options.token, {
      signal: context.signal,
      timeoutMs: options.targetTimeoutMs,
      onExchange: (exchange) => this.exchanges.push(exchange),
      onRetry: (note) => context.out.warn(note)
    });
  }

  private forget(prefix: string): void {
    const index = this.leftBehind.findIndex((note) => note.startsWith(prefix));
    if (index >= 0) this.leftBehind.splice(index, 1);
  }

  private note(text: string): void {
    this.leftBehind.push(text);
    this.context.leftBehind(text);
  }

  private async step<T>(
    name: string,
    run: () => Promise<{ detail: string; evidence?: unknown; value?: T; status?: EvidenceStep['status'] }>
  ): Promise<T | undefined> {
    throwIfAborted(this.context.signal);
    const started = Date.now();
    const firstExchange = this.exchanges.length;
    this.context.out.spin(name);
    try {
      const outcome = await run();
      const scim = bounded(this.exchanges.slice(firstExchange));
      this.steps.push({
        name,
        status: outcome.status ?? 'passed',
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        detail: outcome.detail,
        evidence:
          scim.length > 0 || outcome.evidence !== undefined
            ? { ...(outcome.evidence === undefined ? {} : { org: outcome.evidence }), scim }
            : undefined
      });
      this.context.out.stopSpin(outcome.status === 'warning' ? 'warning' : 'ok');
      this.context.out.log(
        `${this.context.out.style(outcome.status === 'warning' ? 'yellow' : 'green', outcome.status === 'warning' ? '!' : '✔')} ${name}: ${outcome.detail}`
      );
      return outcome.value;
    } catch (error) {
      const interrupted = error instanceof InterruptedError;
      this.steps.push({
        name,
        status: 'failed',
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        detail: interrupted ? 'Interrupted (Ctrl-C).' : error instanceof Error ? error.message : String(error),
        evidence: {
          scim: bounded(this.exchanges.slice(firstExchange))
        }
      });
      this.context.out.stopSpin(interrupted ? 'interrupted' : 'failed');
      throw error;
    }
  }

  /** Runs the validation; resolves to the evidence, whatever the outcome (the caller writes the report). */
  async run(): Promise<{ evidence: Evidence; error?: unknown }> {
    let error: unknown;
    try {
      await this.preflight();
      if (!this.options.check) await this.lifecycle();
    } catch (caught) {
      error = caught;
    }
    const result: Evidence['result'] =
      error instanceof InterruptedError
        ? 'interrupted'
        : error || this.steps.some((s) => s.status === 'failed')
          ? 'failed'
          : 'passed';
    return {
      error,
      evidence: {
        title: `Outbound validation: ${this.options.target}`,
        kind: 'provisio.outbound.validation',
        subject: {
          org: this.http.instanceUrl,
          target: this.options.target,
          'target URL': this.options.url,
          stage: fieldText(this.record?.Stage__c, 'unknown'),
          'named credential': fieldText(this.record?.NamedCredential__c, 'unknown')
        },
        mode: this.options.check ? 'check (read-only)' : 'pilot lifecycle',
        startedAt: this.startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        result,
        steps: this.steps,
        leftBehind: this.leftBehind
      }
    };
  }

  private async preflight(): Promise<void> {
    await this.step('Provisio deployed', async () => {
      if (!(await hasType(this.http, 'ProvisioningEvent__c'))) {
        throw new StepFailed('Provisio is not deployed in this org (no ProvisioningEvent__c).', [
          'provisio setup outbound --deploy ...'
        ]);
      }
      return { detail: 'ProvisioningEvent__c found' };
    });
    this.record = await this.step('target configuration', async () => {
      const record = await readTarget(this.http, this.options.target);
      if (!record)
        throw new StepFailed(`No ProvisioningTarget__mdt record named ${this.options.target}.`, [
          'provisio setup outbound --target ... --stage Pilot'
        ]);
      const stage = fieldText(record.Stage__c);
      if (!this.options.check && stage !== 'Pilot') {
        throw new StepFailed(
          `Target ${this.options.target} is in stage ${stage}: the pilot lifecycle needs stage Pilot (DryRun sends nothing; Live provisions everyone).`,
          [`provisio setup outbound --target ${this.options.target} --stage Pilot`]
        );
      }
      if (record.IsEnabled__c !== true)
        throw new StepFailed(`Target ${this.options.target} is disabled (IsEnabled__c = false).`);
      return {
        value: record,
        detail: `stage ${stage}, enabled, Named Credential ${fieldText(record.NamedCredential__c)}`,
        evidence: record
      };
    });
    await this.step('target reachable', async () => {
      const config = await this.client.serviceProviderConfig();
      const filter = (config.body.filter as { supported?: boolean } | undefined)?.supported;
      if (!filter)
        throw new StepFailed(
          'The target does not support filter (ServiceProviderConfig.filter.supported is false): the engine matches accounts with filter=userName eq.'
        );
      return {
        detail: `ServiceProviderConfig OK (patch ${(config.body.patch as { supported?: boolean } | undefined)?.supported ? 'yes' : 'no'}, filter yes)`
      };
    });
    await this.step('pilot permission set', async () => {
      const name = fieldText(this.record?.PilotPermissionSet__c, 'ProvisioningPilot');
      const [set] = await query<{ Id: string }>(
        this.http,
        `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(name)}`
      );
      if (!set)
        throw new StepFailed(`Pilot permission set ${name} does not exist.`, ['provisio setup outbound creates it.']);
      return { detail: `${name} exists`, value: set.Id };
    });
    if (this.options.check) {
      await this.step('recent engine activity', async () => {
        const events = await query<{ State__c: string }>(
          this.http,
          `SELECT State__c FROM ProvisioningEvent__c WHERE Target__c = ${soqlString(this.options.target)} ORDER BY CreatedDate DESC LIMIT 200`
        );
        const counts: Record<string, number> = {};
        for (const e of events) counts[e.State__c] = (counts[e.State__c] ?? 0) + 1;
        const failed = (counts.Failed ?? 0) + (counts.Rejected ?? 0);
        return {
          status: failed > 0 ? 'warning' : 'passed',
          detail:
            events.length === 0
              ? 'no events yet'
              : `last ${events.length} events: ${Object.entries(counts)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(', ')}`,
          evidence: counts
        };
      });
    }
  }

  private async lifecycle(): Promise<void> {
    const o = this.options;
    const pilotSet = fieldText(this.record?.PilotPermissionSet__c, 'ProvisioningPilot');
    const [set] = await query<{ Id: string }>(
      this.http,
      `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(pilotSet)}`
    );
    const org = o.targetOrg ? ` --target-org ${o.targetOrg}` : '';
    const user = await this.step('test user', async () => {
      if (o.user) {
        const [found] = await query<{ Id: string; Username: string; IsActive: boolean }>(
          this.http,
          `SELECT Id, Username, IsActive FROM User WHERE Username = ${soqlString(o.user)}`
        );
        if (!found)
          throw new StepFailed(`The pilot user ${o.user} does not exist in the org.`, [
            'Check the username, or leave out --user to create a test user.'
          ]);
        if (!found.IsActive)
          throw new StepFailed(`The pilot user ${o.user} is inactive; activate it or leave out --user.`);
        return { value: { id: found.Id, username: found.Username, created: false }, detail: `using ${found.Username}` };
      }
      const [profile] = await query<{ Id: string }>(this.http, "SELECT Id FROM Profile WHERE Name = 'Standard User'");
      if (!profile)
        throw new StepFailed(
          'No "Standard User" profile to create the test user with; pass --user <existing username>.'
        );
      const stamp = Date.now().toString(36);
      const username = `provisio.validate.${stamp}${Math.random().toString(36).slice(2, 6)}@example.com`;
      const created = await this.http.json<{ id: string }>('POST', '/sobjects/User', {
        Username: username,
        LastName: 'Validation',
        FirstName: 'Provisio',
        Email: o.email,
        Alias: `pv${stamp.slice(-6)}`,
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: profile.Id,
        Title: 'Provisio validation'
      });
      this.note(
        `Test user ${username} (${created.id}) in the org; users cannot be deleted, deactivate it: sf data update record --sobject User --record-id ${created.id} --values "IsActive=false"${org}`
      );
      return { value: { id: created.id, username, created: true }, detail: `created ${username}` };
    });
    if (!user || !set) return;
    const seen = new Set((await this.events(user.id)).map((e) => e.Id));
    const assignment = await this.step('add to pilot', async () => {
      const created = await this.http.json<{ id: string }>('POST', '/sobjects/PermissionSetAssignment', {
        AssigneeId: user.id,
        PermissionSetId: set.Id
      });
      this.note(
        `Pilot assignment ${created.id} (${pilotSet} on ${user.username}): sf data delete record --sobject PermissionSetAssignment --record-id ${created.id}${org}`
      );
      return { value: created.id, detail: `${pilotSet} assigned to ${user.username}` };
    });
    let externalId: string | undefined;
    const confirm = async (
      operation: string,
      check: (scimUser: Record<string, unknown>, event: ProvisioningEvent) => string
    ): Promise<void> => {
      const event = await this.waitForEvent(user.id, operation, seen);
      if (event.ExternalId__c) externalId = event.ExternalId__c;
      await this.step(`${operation}: confirmed on the target`, async () => {
        const scimUser = externalId
          ? (await this.client.getUser(externalId)).body
          : await this.client.findUserByUserName(user.username);
        if (!scimUser)
          throw new StepFailed(
            `The engine reported ${operation} Succeeded, but the target has no account for ${user.username}.`
          );
        if (typeof scimUser.id === 'string') externalId = scimUser.id;
        return {
          detail: check(scimUser, event),
          evidence: {
            event: { ...event, Request__c: parseJson(event.Request__c), Response__c: parseJson(event.Response__c) }
          }
        };
      });
    };
    await confirm('Create', (scimUser, event) => {
      const sent = parseJson(event.Request__c) as Record<string, unknown> | undefined;
      const mismatches = sent && typeof sent === 'object' ? compareSent(sent, scimUser) : [];
      if (mismatches.length > 0)
        throw new StepFailed(`The target's account differs from what the engine sent: ${mismatches.join('; ')}.`);
      if (scimBoolean(scimUser.active) !== true)
        throw new StepFailed(`The new account is not active on the target (active=${String(scimUser.active)}).`);
      return `account ${String(scimUser.id)} exists, active, mapped attributes match${scimUser.active === 'True' ? ' (target answers booleans as strings)' : ''}`;
    });
    if (externalId) {
      this.note(
        `Account ${externalId} on the target: curl -X DELETE -H "Authorization: Bearer $PROVISIO_TARGET_TOKEN" ` +
          `${o.url.replace(/\/+$/, '')}/Users/${externalId} (or deactivate it there).`
      );
    }
    const newValue = `Provisio check ${new Date().toISOString().slice(11, 19)}`;
    await this.step(`change ${o.changeField}`, async () => {
      await this.http.json('PATCH', `/sobjects/User/${user.id}`, { [o.changeField]: newValue });
      return { detail: `${o.changeField} = "${newValue}"` };
    });
    await confirm('Update', (scimUser) => {
      const actual = SCIM_PATH[o.changeField](scimUser);
      if (actual !== newValue)
        throw new StepFailed(
          `After the update the target shows ${o.changeField} = ${JSON.stringify(actual)}, expected "${newValue}".`
        );
      return `${o.changeField} is "${newValue}" on the target`;
    });
    for (const [operation, active] of [
      ['Deactivate', false],
      ['Reactivate', true]
    ] as const) {
      await this.step(
        operation === 'Deactivate' ? 'deactivate in Salesforce' : 'reactivate in Salesforce',
        async () => {
          await this.http.json('PATCH', `/sobjects/User/${user.id}`, { IsActive: active });
          return { detail: `IsActive = ${String(active)}` };
        }
      );
      await confirm(operation, (scimUser) => {
        if (scimBoolean(scimUser.active) !== active)
          throw new StepFailed(
            `After ${operation} the target shows active=${String(scimUser.active)}, expected ${String(active)}.`
          );
        return `active=${String(active)} on the target`;
      });
    }
    await this.step('clean up', async () => {
      if (assignment) await this.http.json('DELETE', `/sobjects/PermissionSetAssignment/${assignment}`);
      this.forget('Pilot assignment');
      if (user.created) {
        await this.http.json('PATCH', `/sobjects/User/${user.id}`, { IsActive: false });
        this.forget('Test user');
        this.leftBehind.push(
          `Test user ${user.username} (${user.id}) stays in the org, deactivated (Salesforce users cannot be deleted).`
        );
      }
      return { detail: `pilot assignment removed${user.created ? ', test user deactivated' : ''}` };
    });
  }

  private async events(userId: string): Promise<ProvisioningEvent[]> {
    return query<ProvisioningEvent>(
      this.http,
      'SELECT Id, Operation__c, State__c, Attempt__c, HttpStatus__c, Error__c, ExternalId__c, Request__c, Response__c, DurationMs__c ' +
        `FROM ProvisioningEvent__c WHERE User__c = ${soqlString(userId)} AND Target__c = ${soqlString(this.options.target)} ORDER BY CreatedDate DESC LIMIT 100`
    );
  }

  /** Polls the event log until the engine reports the operation for the user as finished, or times out. */
  private async waitForEvent(userId: string, operation: string, seen: Set<string>): Promise<ProvisioningEvent> {
    const event = await this.step(`${operation}: engine`, async () => {
      const started = Date.now();
      let last: ProvisioningEvent | undefined;
      for (;;) {
        throwIfAborted(this.context.signal);
        let events: ProvisioningEvent[];
        try {
          events = await this.events(userId);
        } catch (error) {
          if (error instanceof OrgApiError && error.errorCode === 'INVALID_FIELD')
            throw new StepFailed(`The event log cannot be read: ${error.message}`);
          throw error;
        }
        const fresh = events.filter((e) => !seen.has(e.Id) && e.Operation__c === operation);
        for (const e of events) if (e.Operation__c === operation && FINISHED.includes(e.State__c)) seen.add(e.Id);
        const done = fresh.find((e) => FINISHED.includes(e.State__c));
        last = fresh[0] ?? last;
        if (done) {
          const evidence = {
            ...done,
            Request__c: parseJson(done.Request__c),
            Response__c: parseJson(done.Response__c)
          };
          if (done.State__c === 'Succeeded')
            return {
              value: done,
              detail: `${operation} Succeeded (HTTP ${String(done.HttpStatus__c ?? '?')}, ${String(done.DurationMs__c ?? '?')} ms)`,
              evidence
            };
          const detail = targetDetail(done);
          const why: Record<string, string> = {
            DryRun: 'the target is in DryRun: nothing was sent',
            SkippedByPilot: 'the engine skipped the user as not in the pilot',
            Rejected: 'the deprovisioning guard rejected it',
            Staged:
              'the deprovisioning guard held it for approval (Provisio console > Staged deprovisioning); approve it or ' +
              'reset the guard, then run the validation again'
          };
          throw new StepFailed(
            `${operation} ${done.State__c}: ${why[done.State__c] ?? `HTTP ${String(done.HttpStatus__c ?? '?')}`}` +
              `${done.Error__c ? ` — ${done.Error__c}` : ''}${detail ? ` (target said: "${detail}")` : ''}.`
          );
        }
        if (Date.now() - started > this.options.timeoutMs) {
          throw new StepFailed(
            `No finished ${operation} event for the user within ${Math.round(this.options.timeoutMs / 1000)}s` +
              `${last ? ` (last: ${last.State__c}, attempt ${String(last.Attempt__c ?? 1)})` : ' (no event at all: is the engine enabled and the trigger active?)'}.`,
            ['Look at the Provisio console or the ProvisioningEvent__c records; raise --timeout for slow targets.']
          );
        }
        this.context.out.spin(
          `${operation}: waiting for the engine (${last ? last.State__c : 'no event yet'}, ${Math.round((Date.now() - started) / 1000)}s)`
        );
        await sleep(this.options.pollMs, this.context.signal);
      }
    });
    if (!event) throw new StepFailed(`${operation}: no event.`);
    return event;
  }
}

/** Differences between what the engine sent and what the target keeps (the attributes a target must store). */
export function compareSent(sent: Record<string, unknown>, actual: Record<string, unknown>): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown): boolean =>
    typeof a === 'boolean' || typeof b === 'boolean'
      ? scimBoolean(a) === scimBoolean(b)
      : typeof a === 'string' && typeof b === 'string'
        ? a.toLowerCase() === b.toLowerCase()
        : a === b;
  for (const key of ['userName', 'displayName', 'title', 'active', 'externalId']) {
    if (sent[key] !== undefined && !same(sent[key], actual[key]))
      out.push(`${key}: sent ${JSON.stringify(sent[key])}, target has ${JSON.stringify(actual[key])}`);
  }
  const sentName = (sent.name ?? {}) as Record<string, unknown>;
  const actualName = (actual.name ?? {}) as Record<string, unknown>;
  for (const key of ['givenName', 'familyName']) {
    if (sentName[key] !== undefined && !same(sentName[key], actualName[key]))
      out.push(`name.${key}: sent ${JSON.stringify(sentName[key])}, target has ${JSON.stringify(actualName[key])}`);
  }
  const sentEmail = (sent.emails as Array<{ value?: string }> | undefined)?.[0]?.value;
  const actualEmails = ((actual.emails as Array<{ value?: string }> | undefined) ?? []).map((e) =>
    e.value?.toLowerCase()
  );
  if (sentEmail && !actualEmails.includes(sentEmail.toLowerCase()))
    out.push(`emails: ${sentEmail} missing on the target`);
  return out;
}
