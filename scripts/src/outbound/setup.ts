import { readFileSync } from 'node:fs';
import { CommandContext, throwIfAborted } from '../cli/command';
import { ExitCode, ProvisioError, usageError } from '../cli/errors';
import { parseCsv } from '../export/csv';
import { ScimClient } from '../scim/client';
import {
  fieldText,
  defaultTarget,
  deployFiles,
  hasType,
  query,
  readTarget,
  soqlString,
  TargetRecord,
  targetRecordXml
} from './org';
import { OrgApiError, OrgHttp } from './orgHttp';
import { SfRunner } from './sf';
import { xmlEscape as xmlEscapeText } from '../org/xml';
import type { OrgTarget } from '../org/target';
import { PACKAGED_CONNECTED_APP } from './packages';
// connectedApp.ts (the Metadata API calls) is imported when the Connected App driver is set up.

export type Stage = 'DryRun' | 'Pilot';
export type OutboundDriver = 'native' | 'connected-app';

export interface SetupOutboundOptions {
  target: string;
  /** SCIM base URL of the target app; with it the Named/External Credential and its secret are set up. */
  url?: string;
  /** Bearer token for the target (read from the environment or stdin by the command, never from argv). */
  token?: string;
  stage?: Stage;
  pilotUsers: string[];
  deploy: boolean;
  /** `connected-app`: the Connected App driver (the target's Driver__c and its UserProvisioningConfig). */
  driver?: OutboundDriver;
  /** The Connected App of that driver (default: the one the Provisio Connected App package installs). */
  connectedApp?: string;
  /** The User Provisioning flow of that driver (default: the packaged one). */
  flow?: string;
  checkTarget: boolean;
  /** Permission set that gets access to the External Credential principal (the engine's users hold it). */
  grantTo?: string;
  /**
   * Username of the provisioning integration user: ProvisioningRequestTrigger (and so the worker and its callouts)
   * runs as this user (a PlatformEventSubscriberConfig), who is given the --grant-to permission set.
   */
  integrationUser?: string;
}

/** The platform event trigger that starts the native worker, and the name of its subscriber configuration. */
export const HANDOFF_TRIGGER = 'ProvisioningRequestTrigger';
export const HANDOFF_CONFIG = 'ProvisioningRequestTrigger_Config';

/** The PlatformEventSubscriberConfig that makes the hand-off trigger run as `username` (Metadata API, API 51.0+). */
export function subscriberConfigXml(username: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<PlatformEventSubscriberConfig xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
    `  <masterLabel>${HANDOFF_CONFIG}</masterLabel>\n` +
    `  <platformEventConsumer>${HANDOFF_TRIGGER}</platformEventConsumer>\n` +
    `  <user>${xmlEscapeText(username)}</user>\n` +
    '</PlatformEventSubscriberConfig>\n'
  );
}

export interface SetupDeps {
  http: OrgHttp;
  sf: SfRunner;
  targetOrg?: string;
  /** The SFDX project to deploy with --deploy. */
  projectDir: string;
  /** The org for Metadata API calls (the Connected App driver's UserProvisioningConfig). */
  metadata?: OrgTarget;
}

export interface SetupStep {
  step: string;
  status: 'done' | 'unchanged' | 'skipped' | 'planned';
  detail: string;
}

export const PRINCIPAL = 'ScimToken';
export const TOKEN_PARAMETER = 'Token';

/** The External Credential that holds the target's token: `<NamedCredential>_Auth`. */
export function externalCredentialName(namedCredential: string): string {
  return `${namedCredential}_Auth`.slice(0, 80);
}

/** Usernames from a CSV: the `Username` column (any case), or the first column when there is no such header. */
export function pilotUsersFromCsv(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(`Cannot read the pilot CSV ${path}: ${(error as Error).message}`);
  }
  const { rows } = parseCsv(text);
  if (rows.length === 0) throw usageError(`The pilot CSV ${path} is empty.`);
  const column = rows[0].findIndex((name) => name.trim().toLowerCase() === 'username');
  const body = column >= 0 ? rows.slice(1) : rows;
  return body.map((row) => (row[column >= 0 ? column : 0] ?? '').trim()).filter((name) => name !== '');
}

interface PilotUser {
  Id: string;
  Username: string;
  IsActive: boolean;
}

/** Resolves pilot usernames before anything is changed; unknown or inactive users stop the setup. */
async function resolveUsers(http: OrgHttp, usernames: string[], what = 'pilot user'): Promise<PilotUser[]> {
  if (usernames.length === 0) return [];
  const unique = [...new Set(usernames.map((name) => name.toLowerCase()))];
  const found: PilotUser[] = [];
  for (let i = 0; i < unique.length; i += 200) {
    const chunk = unique.slice(i, i + 200);
    found.push(
      ...(await query<PilotUser>(
        http,
        `SELECT Id, Username, IsActive FROM User WHERE Username IN (${chunk.map(soqlString).join(', ')})`
      ))
    );
  }
  const known = new Set(found.map((user) => user.Username.toLowerCase()));
  const missing = unique.filter((name) => !known.has(name));
  if (missing.length > 0) {
    throw usageError(`${missing.length} ${what}(s) do not exist in the org: ${missing.join(', ')}.`, [
      'Check the usernames (Salesforce usernames look like emails and are unique across all orgs).'
    ]);
  }
  const inactive = found.filter((user) => !user.IsActive).map((user) => user.Username);
  if (inactive.length > 0)
    throw usageError(
      `${what[0].toUpperCase()}${what.slice(1)}(s) inactive: ${inactive.join(', ')}. Activate them or leave them out.`
    );
  return found;
}

/**
 * Gives a permission set access to the External Credential's principal: a SetupEntityAccess row whose
 * SetupEntityId is the principal's ExternalCredentialParameter (object reference, API 58.0+). Without it the
 * engine's callouts fail with "We couldn't access the credential(s)".
 */
async function grantPrincipalAccess(
  http: OrgHttp,
  external: string,
  permissionSetId: string,
  permissionSet: string,
  step: (name: string, status: SetupStep['status'], detail: string) => void,
  context: CommandContext
): Promise<void> {
  let principal: { Id: string } | undefined;
  try {
    [principal] = await query<{ Id: string }>(
      http,
      `SELECT Id FROM ExternalCredentialParameter WHERE ExternalCredential.DeveloperName = ${soqlString(external)} ` +
        `AND ParameterType = 'NamedPrincipal' AND ParameterName = ${soqlString(PRINCIPAL)}`
    );
  } catch (error) {
    if (!(error instanceof OrgApiError) || !/INVALID_(TYPE|FIELD)/.test(error.errorCode)) throw error;
  }
  if (!principal) {
    context.out.warn(
      `Could not find the principal ${external}/${PRINCIPAL} through the API; give ${permissionSet} access to it in ` +
        'Setup > Permission Sets > External Credential Principal Access.'
    );
    step('principal access', 'skipped', `grant ${permissionSet} access to ${external}/${PRINCIPAL} in Setup`);
    return;
  }
  const granted = await query(
    http,
    `SELECT Id FROM SetupEntityAccess WHERE ParentId = ${soqlString(permissionSetId)} AND SetupEntityId = ${soqlString(principal.Id)}`
  );
  if (granted.length > 0) {
    step('principal access', 'unchanged', `${permissionSet} already has ${external}/${PRINCIPAL}`);
    return;
  }
  const created = await http.json<{ id: string }>('POST', '/sobjects/SetupEntityAccess', {
    ParentId: permissionSetId,
    SetupEntityId: principal.Id
  });
  context.leftBehind(`Principal access ${created.id}: ${permissionSet} -> ${external}/${PRINCIPAL}.`);
  step('principal access', 'done', `${permissionSet} may use ${external}/${PRINCIPAL}`);
}

/**
 * POST, or when the resource already exists, keep it (idempotent setup). The error code Salesforce uses for "already
 * exists" on these Connect resources is not documented, so any 400 is followed by a GET of `existing`: found means it
 * exists, not found means the 400 was a real error and is rethrown.
 */
async function createOnce(http: OrgHttp, path: string, body: unknown, existing: string): Promise<'created' | 'exists'> {
  try {
    await http.json('POST', path, body);
    return 'created';
  } catch (error) {
    if (!(error instanceof OrgApiError) || error.status !== 400) throw error;
    try {
      await http.json('GET', existing);
    } catch {
      throw error;
    }
    return 'exists';
  }
}

const STEP_MARK: Record<SetupStep['status'], string> = { done: '✔', unchanged: '=', skipped: '-', planned: '~' };

/** One line per setup step: its mark (✔ done, = unchanged, - skipped, ~ planned), name and detail. */
function logStep(out: CommandContext['out'], s: SetupStep): void {
  const mark = s.status === 'done' ? out.style('green', STEP_MARK.done) : STEP_MARK[s.status];
  out.log(`${mark} ${s.step}: ${s.detail}`);
}

/** The Connected App of the Connected App driver, or undefined for the native driver. */
function connectedAppOf(options: Pick<SetupOutboundOptions, 'driver' | 'connectedApp'>): string | undefined {
  if (options.driver === 'native' && options.connectedApp) {
    throw usageError('--connected-app goes with --driver connected-app, not with --driver native.');
  }
  if (options.driver === 'connected-app' || options.connectedApp) return options.connectedApp ?? PACKAGED_CONNECTED_APP;
  return undefined;
}

/**
 * `setup outbound --driver connected-app --dry-run`: what the Connected App driver's setup would change (the target's
 * driver, its UserProvisioningConfig), read from the org; changes nothing.
 */
export async function planOutboundConnectedApp(
  deps: SetupDeps & { metadata: OrgTarget },
  options: Pick<SetupOutboundOptions, 'target' | 'connectedApp' | 'flow'>,
  context: CommandContext
): Promise<SetupStep[]> {
  const connectedApp = options.connectedApp ?? PACKAGED_CONNECTED_APP;
  const existing = await readTarget(deps.http, options.target);
  if (!existing) {
    throw usageError(`No target ${options.target} (ProvisioningTarget__mdt) in the org.`, [
      'Set it up first: provisio setup outbound --url <SCIM base URL> --stage DryRun.'
    ]);
  }
  const namedCredential = fieldText(existing.NamedCredential__c, options.target);
  const { planConnectedAppDriver } = await import('./connectedApp');
  const plan = await planConnectedAppDriver(deps.http, deps.metadata, {
    target: options.target,
    namedCredential,
    connectedApp,
    flow: options.flow
  });
  const steps: SetupStep[] = [
    existing.Driver__c === 'ConnectedApp'
      ? { step: 'target', status: 'unchanged', detail: 'driver ConnectedApp' }
      : { step: 'target', status: 'planned', detail: `driver ${fieldText(existing.Driver__c)} -> ConnectedApp` },
    plan.changes.length === 0
      ? { step: 'user provisioning config', status: 'unchanged', detail: `${options.target} for ${connectedApp}` }
      : { step: 'user provisioning config', status: 'planned', detail: plan.changes.join('; ') }
  ];
  for (const s of steps) logStep(context.out, s);
  context.out.log(
    steps.some((s) => s.status === 'planned')
      ? 'Dry run: nothing was changed. Run it again without --dry-run to make these changes.'
      : 'Dry run: nothing to change; the Connected App driver is already set up.'
  );
  return steps;
}

/**
 * `setup outbound`: deploys or checks the Provisio metadata, sets up the target's External Credential, Named
 * Credential and secret through the Connect API (the secret goes straight to Salesforce: never into metadata,
 * never printed), creates the pilot permission set when missing and assigns the pilot users, sets the target's
 * stage, and (when a Connected App is named) deploys its UserProvisioningConfig. Everything is validated before
 * the first change: unknown pilot users, an unreachable target and a refused token stop it with nothing changed.
 */
export async function setupOutbound(
  deps: SetupDeps,
  options: SetupOutboundOptions,
  context: CommandContext
): Promise<SetupStep[]> {
  const { http, out } = { http: deps.http, out: context.out };
  const steps: SetupStep[] = [];
  const step = (name: string, status: SetupStep['status'], detail: string): void => {
    steps.push({ step: name, status, detail });
    logStep(out, steps[steps.length - 1]);
  };
  if (options.url && !options.token) throw usageError('A target URL needs its token (PROVISIO_TARGET_TOKEN or stdin).');

  // 1. Metadata.
  if (options.deploy) {
    out.spin('Deploying force-app/main with the sf CLI');
    const args = ['project', 'deploy', 'start', '--source-dir', 'force-app/main', '--wait', '30'];
    if (deps.targetOrg) args.push('--target-org', deps.targetOrg);
    await deps.sf(args, { cwd: deps.projectDir, signal: context.signal });
    out.stopSpin();
    step('metadata', 'done', 'force-app/main deployed with sf project deploy start');
  } else if (!(await hasType(http, 'ProvisioningEvent__c'))) {
    throw new ProvisioError(
      'ProvisioNotDeployed',
      'Provisio is not deployed in this org (no ProvisioningEvent__c object).',
      {
        exitCode: ExitCode.FINDINGS,
        actions: [
          'Run again with --deploy, or deploy it yourself: npx sf project deploy start --source-dir force-app --target-org <alias>'
        ]
      }
    );
  } else {
    step('metadata', 'unchanged', 'Provisio objects found in the org');
  }
  throwIfAborted(context.signal);

  // 2. Validate everything before the first change.
  const existing = await readTarget(http, options.target);
  const namedCredential = fieldText(existing?.NamedCredential__c, options.target);
  const pilots = await resolveUsers(http, options.pilotUsers);
  const [integration] = options.integrationUser
    ? await resolveUsers(http, [options.integrationUser], 'integration user')
    : [];
  let grantToId: string | undefined;
  if (options.url && options.grantTo) {
    const [set] = await query<{ Id: string }>(
      http,
      `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(options.grantTo)}`
    );
    if (!set) {
      throw usageError(`Permission set ${options.grantTo} (for --grant-to) does not exist.`, [
        'Deploy Provisio first (it ships ProvisioningAdmin), or name another permission set.'
      ]);
    }
    grantToId = set.Id;
  }
  if (options.url && options.token && options.checkTarget) {
    out.spin(`Checking the target at ${options.url}`);
    const client = new ScimClient(options.url, options.token, { signal: context.signal, maxRetries: 1 });
    const config = await client.serviceProviderConfig();
    out.stopSpin();
    const patch = (config.body.patch as { supported?: boolean } | undefined)?.supported;
    step(
      'target',
      'unchanged',
      `SCIM target answers with the token (PATCH ${patch ? 'supported' : 'NOT supported: updates use PUT'})`
    );
  }
  const connectedApp = connectedAppOf(options);
  let connectedAppId: string | undefined;
  if (connectedApp) {
    if (!deps.metadata) throw new Error('setupOutbound: the Connected App driver needs deps.metadata');
    const { findConnectedApp } = await import('./connectedApp');
    connectedAppId = await findConnectedApp(http, connectedApp);
  }
  throwIfAborted(context.signal);

  // 3. External Credential, Named Credential, secret (Connect API).
  if (options.url && options.token) {
    const external = externalCredentialName(namedCredential);
    const ec = await createOnce(
      http,
      '/named-credentials/external-credentials',
      {
        developerName: external,
        masterLabel: `${namedCredential} token`,
        authenticationProtocol: 'Custom',
        principals: [{ principalName: PRINCIPAL, principalType: 'NamedPrincipal', sequenceNumber: 1 }],
        parameters: []
      },
      `/named-credentials/external-credentials/${encodeURIComponent(external)}`
    );
    if (ec === 'created')
      context.leftBehind(`External Credential ${external} (Setup > Named Credentials > External Credentials).`);
    step(
      'external credential',
      ec === 'created' ? 'done' : 'unchanged',
      `${external} (Custom, principal ${PRINCIPAL})`
    );
    const nc = await createOnce(
      http,
      '/named-credentials/named-credential-setup',
      {
        developerName: namedCredential,
        masterLabel: namedCredential,
        type: 'SecuredEndpoint',
        calloutUrl: options.url,
        externalCredentials: [{ developerName: external }],
        customHeaders: [
          {
            headerName: 'Authorization',
            headerValue: `{!'Bearer ' & $Credential.${external}.${TOKEN_PARAMETER}}`,
            sequenceNumber: 1
          }
        ],
        calloutOptions: {
          allowMergeFieldsInHeader: true,
          allowMergeFieldsInBody: false,
          generateAuthorizationHeader: false
        }
      },
      `/named-credentials/named-credential-setup/${encodeURIComponent(namedCredential)}`
    );
    if (nc === 'created') context.leftBehind(`Named Credential ${namedCredential} (Setup > Named Credentials).`);
    else {
      const current = await http.json<{ calloutUrl?: string }>(
        'GET',
        `/named-credentials/named-credential-setup/${encodeURIComponent(namedCredential)}`
      );
      if (current.calloutUrl && current.calloutUrl !== options.url) {
        out.warn(
          `Named Credential ${namedCredential} points at ${current.calloutUrl}, not ${options.url}; change it in Setup if the target moved.`
        );
      }
    }
    step('named credential', nc === 'created' ? 'done' : 'unchanged', `${namedCredential} -> ${options.url}`);
    const credential = {
      externalCredential: external,
      principalName: PRINCIPAL,
      principalType: 'NamedPrincipal',
      authenticationProtocol: 'Custom',
      credentials: { [TOKEN_PARAMETER]: { value: options.token, encrypted: true } }
    };
    const secret = await createOnce(
      http,
      '/named-credentials/credential',
      credential,
      `/named-credentials/credential?${new URLSearchParams({ externalCredential: external, principalName: PRINCIPAL, principalType: 'NamedPrincipal' }).toString()}`
    );
    if (secret === 'exists') await http.json('PUT', '/named-credentials/credential', credential);
    step('secret', 'done', `token stored encrypted on ${external}/${PRINCIPAL} through the Connect API (not shown)`);
    if (grantToId && options.grantTo)
      await grantPrincipalAccess(http, external, grantToId, options.grantTo, step, context);
  } else {
    step('credentials', 'skipped', 'no --url given: the Named Credential and its secret were not touched');
  }
  throwIfAborted(context.signal);

  // 4. Pilot permission set and assignments.
  const pilotSet = fieldText(existing?.PilotPermissionSet__c, 'ProvisioningPilot');
  let [permissionSet] = await query<{ Id: string }>(
    http,
    `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(pilotSet)}`
  );
  if (!permissionSet) {
    const created = await http.json<{ id: string }>('POST', '/sobjects/PermissionSet', {
      Name: pilotSet,
      Label: 'Provisioning Pilot',
      Description: 'Marks the users a Pilot-stage Provisio target provisions.'
    });
    permissionSet = { Id: created.id };
    context.leftBehind(`Permission set ${pilotSet} (${created.id}).`);
    step('pilot permission set', 'done', `${pilotSet} created`);
  } else {
    step('pilot permission set', 'unchanged', `${pilotSet} exists`);
  }
  if (pilots.length > 0) {
    const assigned = new Set(
      (
        await query<{ AssigneeId: string }>(
          http,
          `SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSetId = ${soqlString(permissionSet.Id)}`
        )
      ).map((row) => row.AssigneeId)
    );
    const toAssign = pilots.filter((user) => !assigned.has(user.Id));
    for (const user of toAssign) {
      throwIfAborted(context.signal);
      await http.json('POST', '/sobjects/PermissionSetAssignment', {
        AssigneeId: user.Id,
        PermissionSetId: permissionSet.Id
      });
      context.leftBehind(
        `${pilotSet} assigned to ${user.Username} (Setup > Users > ${user.Username} > Permission Set Assignments).`
      );
    }
    step(
      'pilot users',
      toAssign.length > 0 ? 'done' : 'unchanged',
      `${toAssign.length} assigned, ${pilots.length - toAssign.length} already had ${pilotSet}`
    );
  }

  // 5. Integration user: the hand-off trigger runs as this user, who holds the principal's permission set.
  if (integration && options.integrationUser) {
    if (grantToId && options.grantTo) {
      const [held] = await query<{ Id: string }>(
        http,
        `SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(integration.Id)} AND PermissionSetId = ${soqlString(grantToId)}`
      );
      if (!held) {
        await http.json('POST', '/sobjects/PermissionSetAssignment', {
          AssigneeId: integration.Id,
          PermissionSetId: grantToId
        });
        context.leftBehind(`${options.grantTo} assigned to ${integration.Username}.`);
      }
      step(
        'integration user access',
        held ? 'unchanged' : 'done',
        `${integration.Username} ${held ? 'already holds' : 'now holds'} ${options.grantTo}`
      );
    }
    out.spin(`Deploying PlatformEventSubscriberConfig ${HANDOFF_CONFIG}`);
    await deployFiles(
      deps.sf,
      deps.targetOrg,
      {
        [`PlatformEventSubscriberConfigs/${HANDOFF_CONFIG}.platformEventSubscriberConfig-meta.xml`]:
          subscriberConfigXml(integration.Username)
      },
      context.signal
    );
    out.stopSpin();
    context.leftBehind(
      `PlatformEventSubscriberConfig ${HANDOFF_CONFIG} (runs ${HANDOFF_TRIGGER} as ${integration.Username}).`
    );
    step('integration user', 'done', `${HANDOFF_TRIGGER} and the worker run as ${integration.Username}`);
  } else {
    step(
      'integration user',
      'skipped',
      `no --integration-user: ${HANDOFF_TRIGGER} and the worker run as the Automated Process user, which then needs the principal access`
    );
  }

  // 6. Stage (and driver) of the target: a deploy of its custom metadata record.
  const record: TargetRecord = { ...defaultTarget(options.target, namedCredential), ...(existing ?? {}) };
  const changes: string[] = [];
  if (options.stage && record.Stage__c !== options.stage)
    changes.push(`stage ${fieldText(record.Stage__c)} -> ${options.stage}`);
  if (options.stage) {
    record.Stage__c = options.stage;
    if (record.IsEnabled__c !== true) changes.push('enabled');
    record.IsEnabled__c = true;
  }
  if (connectedAppId && record.Driver__c !== 'ConnectedApp') {
    record.Driver__c = 'ConnectedApp';
    changes.push('driver ConnectedApp');
  }
  if (!existing) changes.push('new target record');
  if (changes.length > 0) {
    out.spin(`Deploying ProvisioningTarget.${options.target}`);
    await deployFiles(
      deps.sf,
      deps.targetOrg,
      { [`customMetadata/ProvisioningTarget.${options.target}.md-meta.xml`]: targetRecordXml(record) },
      context.signal
    );
    out.stopSpin();
    step('target', 'done', changes.join(', '));
  } else {
    step('target', 'unchanged', `stage ${fieldText(record.Stage__c)}`);
  }

  // 7. UserProvisioningConfig for the Connected App driver (Metadata API: read, compare, deploy when different).
  if (connectedApp && deps.metadata) {
    const { applyConnectedAppDriver, planConnectedAppDriver } = await import('./connectedApp');
    const plan = await planConnectedAppDriver(http, deps.metadata, {
      target: options.target,
      namedCredential,
      connectedApp,
      flow: options.flow
    });
    out.spin(`Deploying UserProvisioningConfig ${options.target}`);
    const deployed = await applyConnectedAppDriver(deps.metadata, plan, context);
    out.stopSpin();
    step(
      'user provisioning config',
      deployed ? 'done' : 'unchanged',
      `${options.target} for Connected App ${connectedApp}${deployed ? ` (${plan.changes.join('; ')})` : ''}`
    );
  }
  return steps;
}
