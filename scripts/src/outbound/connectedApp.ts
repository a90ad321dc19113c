/**
 * The Connected App driver's org-specific half: after the `Provisio Connected App` package is installed (it brings
 * the Connected App and the User Provisioning flow), the UserProvisioningConfig that ties them to the target's Named
 * Credential is deployed here, because the Metadata API documents its `connectedApp` and `namedCredential` as
 * Salesforce IDs, which only exist in the subscriber org (platform-facts §4; whether names are accepted too is
 * UNCONFIRMED, so IDs are sent).
 */
import { CommandContext } from '../cli/command';
import { ExitCode, ProvisioError, usageError } from '../cli/errors';
import { deployZip } from '../inbound/facts';
import { OrgTarget, orgCall } from '../org/target';
import { USER_PROVISIONING_CONFIG_ELEMENTS } from '../org/userProvisioningConfig';
import { xmlEscape } from '../org/xml';
import { query, soqlString } from './org';
import { CONNECTED_APP_PACKAGE, PACKAGED_CONNECTED_APP, PACKAGED_FLOW } from './packages';
import { OrgHttp } from './orgHttp';

/** The UserProvisioningConfig fields this tool sets (the others are left empty: no approval, notes or filter). */
export interface ProvisioningConfig {
  connectedApp: string;
  enabled: string;
  enabledOperations: string;
  flow: string;
  masterLabel: string;
  namedCredential: string;
  onUpdateAttributes: string;
  userAccountMapping: string;
}

/** The elements of a config this tool sets, in the XSD's order. */
const elementsOf = (config: ProvisioningConfig): Array<keyof ProvisioningConfig> =>
  USER_PROVISIONING_CONFIG_ELEMENTS.filter((e): e is keyof ProvisioningConfig => e in config);

/** The source-format file of a UserProvisioningConfig. */
export function provisioningConfigXml(config: ProvisioningConfig): string {
  const body = elementsOf(config)
    .map((field) => `  <${field}>${xmlEscape(config[field])}</${field}>\n`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<UserProvisioningConfig xmlns="http://soap.sforce.com/2006/04/metadata">\n${body}</UserProvisioningConfig>\n`
  );
}

/** `field: old -> new` for every field the org's config (undefined: none yet) has differently. */
export function configChanges(current: Record<string, unknown> | undefined, wanted: ProvisioningConfig): string[] {
  if (!current) return ['new UserProvisioningConfig'];
  const text = (v: unknown): string =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
  // An Id may come back 15 or 18 characters long: compare the first 15 of both.
  const same = (field: keyof ProvisioningConfig, a: string, b: string): boolean =>
    field === 'connectedApp' || field === 'namedCredential' ? a.slice(0, 15) === b.slice(0, 15) : a === b;
  return elementsOf(wanted)
    .filter((field) => !same(field, text(current[field]), wanted[field]))
    .map((field) => `${field}: ${text(current[field]) || '(none)'} -> ${wanted[field]}`);
}

export interface ConnectedAppPlan {
  target: string;
  connectedAppId: string;
  namedCredentialId: string;
  wanted: ProvisioningConfig;
  /** Empty when the org already has exactly this config. */
  changes: string[];
}

/** The Id of the Connected App with this name; a usage error saying how to get one when there is none. */
export async function findConnectedApp(http: OrgHttp, name: string): Promise<string> {
  const [app] = await query<{ Id: string }>(
    http,
    `SELECT Id FROM ConnectedApplication WHERE Name = ${soqlString(name)}`
  );
  if (!app) {
    throw usageError(`No Connected App named "${name}" in the org.`, [
      `Install the ${CONNECTED_APP_PACKAGE} package (README, "Install as a package"): it brings the Connected App ` +
        `"${PACKAGED_CONNECTED_APP}", and since Spring '26 a package install is how a new one can arrive.`,
      'Or pass --connected-app with the name of a Connected App the org already has.',
      'Or leave out --driver connected-app: the native driver needs no Connected App.'
    ]);
  }
  return app.Id;
}

/**
 * Reads what the config needs from the org (the Connected App's and the Named Credential's IDs, the packaged flow)
 * and the config as it is now (Metadata API read), and says what would change. Changes nothing.
 */
export async function planConnectedAppDriver(
  http: OrgHttp,
  t: OrgTarget,
  options: { target: string; namedCredential: string; connectedApp: string; flow?: string }
): Promise<ConnectedAppPlan> {
  const appId = await findConnectedApp(http, options.connectedApp);
  const flow = options.flow ?? PACKAGED_FLOW;
  const [found] = await query<{ ApiName: string; ProcessType: string }>(
    http,
    `SELECT ApiName, ProcessType FROM FlowDefinitionView WHERE ApiName = ${soqlString(flow)}`
  );
  if (!found) {
    throw usageError(`No flow ${flow} in the org.`, [
      `Install the ${CONNECTED_APP_PACKAGE} package (it brings the flow ${PACKAGED_FLOW}),`,
      'or build a User Provisioning flow in Flow Builder (one Apex action: ProvisioningConnectedAppPlugin) and pass ' +
        'its API name with --flow.'
    ]);
  }
  if (found.ProcessType !== 'UserProvisioningFlow') {
    throw usageError(`Flow ${flow} has process type ${found.ProcessType}, not UserProvisioningFlow.`, [
      'Pass --flow with the API name of a User Provisioning flow that calls ProvisioningConnectedAppPlugin.'
    ]);
  }
  const [nc] = await query<{ Id: string }>(
    http,
    `SELECT Id FROM NamedCredential WHERE DeveloperName = ${soqlString(options.namedCredential)}`
  );
  if (!nc) {
    throw usageError(`Named Credential ${options.namedCredential} does not exist in the org.`, [
      'Create it first: provisio setup outbound --url <SCIM base URL of the target> (the token from PROVISIO_TARGET_TOKEN or stdin).'
    ]);
  }
  const wanted: ProvisioningConfig = {
    connectedApp: appId,
    enabled: 'true',
    // Suspend/restore (freeze) is left out: the engine suspends frozen users from the backstop, not from a UPR.
    enabledOperations: 'Create,Update,EnableAndDisable',
    flow,
    masterLabel: `${options.target} provisioning`,
    namedCredential: nc.Id,
    onUpdateAttributes: 'FirstName,LastName,Email,Title,Department,IsActive',
    userAccountMapping: JSON.stringify({
      linkingSalesforceUserAttribute: 'Username',
      linkingTargetUserAttribute: 'userName'
    })
  };
  // UserProvisioningConfig is not in jsforce's bundled metadata types, hence the cast.
  const read = t.conn.metadata.read.bind(t.conn.metadata) as (type: string, name: string) => Promise<unknown>;
  const current = (await orgCall('read the UserProvisioningConfig', t.alias, () =>
    read('UserProvisioningConfig', options.target)
  )) as Record<string, unknown> | undefined;
  return {
    target: options.target,
    connectedAppId: appId,
    namedCredentialId: nc.Id,
    wanted,
    changes: configChanges(current?.fullName ? current : undefined, wanted)
  };
}

/** Deploys the planned config (Metadata API, rolled back on any error); nothing when it is already in place. */
export async function applyConnectedAppDriver(
  t: OrgTarget,
  plan: ConnectedAppPlan,
  context: Pick<CommandContext, 'signal'>
): Promise<boolean> {
  if (plan.changes.length === 0) return false;
  const result = await deployZip(
    t,
    {
      'package.xml':
        '<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="http://soap.sforce.com/2006/04/metadata">\n' +
        `  <types><members>${xmlEscape(plan.target)}</members><name>UserProvisioningConfig</name></types>\n` +
        `  <version>${t.apiVersion}</version>\n</Package>\n`,
      [`userProvisioningConfigs/${plan.target}.userProvisioningConfig`]: provisioningConfigXml(plan.wanted)
    },
    { checkOnly: false, signal: context.signal, pollIntervalMs: 500 }
  );
  if (!result.success) {
    const problems = result.failures.map((f) => `${f.fullName}: ${f.problem}`).join('; ') || result.status;
    throw new ProvisioError('DeployFailed', `The UserProvisioningConfig ${plan.target} was not deployed: ${problems}`, {
      exitCode: ExitCode.FAILED,
      actions: ['Nothing was changed (the deploy rolls back on any error). Fix the cause above and run it again.']
    });
  }
  return true;
}
