import { CommandContext, throwIfAborted } from '../cli/command';
import { ExitCode, ProvisioError, usageError } from '../cli/errors';
import { redactor } from '../cli/redact';
import { readSecret } from '../cli/secrets';
import { openOrgPage } from '../org/sfOpen';
import { LoginProbe, probeSoapLogin } from '../org/soapLogin';
import { errorCodeOf, orgCall, OrgTarget, toOrgError } from '../org/target';
import {
  API_ONLY,
  BASE_PERMISSIONS,
  DEFAULT_ECA_NAME,
  InboundAuth,
  PERMSET_LABEL,
  PERMSET_NAME,
  SECRET_ENV,
  SETUP_PATHS,
  USE_ANY_API_AUTH
} from './constants';
import {
  deployZip,
  ecaExists,
  findUser,
  hasUseAnyApiAuth,
  permissionFields,
  profileByName,
  provisioningPermissionSet,
  query,
  salesforceLicence,
  soqlString,
  userPermissions
} from './facts';

export type StepStatus = 'created' | 'updated' | 'unchanged' | 'planned' | 'manual' | 'verified' | 'failed' | 'skipped';

export interface SetupStep {
  step: string;
  status: StepStatus;
  detail: string;
}

export interface SetupOptions {
  idp: string;
  auth: InboundAuth;
  username?: string;
  email?: string;
  profile: string;
  ecaName?: string;
  setPassword: boolean;
  verify: boolean;
  open: boolean;
  waitForSwitch: number;
  dryRun: boolean;
}

export interface Verification {
  method: 'soap-login' | 'client-credentials';
  ok: boolean;
  outcome: string;
  code?: string;
  message: string;
  apiVersion?: string;
}

export interface SetupResult {
  org: { orgId: string; instanceUrl: string; username: string; apiVersion: string };
  idp: string;
  auth: InboundAuth;
  provisioningUser: { username: string; id?: string; email: string };
  permissionSet: { name: string; permissions: string[] };
  steps: SetupStep[];
  changed: boolean;
  verification?: Verification;
  nextSteps: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Default provisioning username: unique across all orgs because it carries the org id. */
export function defaultUsername(orgId: string): string {
  return `provisio-inbound.${orgId.slice(0, 15).toLowerCase()}@provisio.invalid`;
}

/** Alias: at most 8 characters. */
function aliasFor(username: string): string {
  return `prov${username.replace(/[^a-z0-9]/gi, '').slice(-4)}`.slice(0, 8);
}

/** Explains a SOAP login() probe result in terms of what to do next. */
export function explainLogin(
  probe: LoginProbe,
  username: string,
  ipRestricted: boolean
): { ok: boolean; message: string; fix?: string } {
  switch (probe.outcome) {
    case 'ok':
      return {
        ok: true,
        message: probe.passwordExpired
          ? `login() works for ${username}, but the password has expired (the session can only change it).`
          : `login() works for ${username} on API ${probe.apiVersion}: the password and security token are right.`,
        fix: probe.passwordExpired
          ? 'Set a new password for the provisioning user, then reset its security token.'
          : undefined
      };
    case 'disabled':
      return {
        ok: false,
        message: 'SOAP API login() is disabled in this org (INVALID_OPERATION).',
        fix: 'Setup → User Interface → tick "Enable SOAP API login()" → Save (no API can switch it on).'
      };
    case 'missing-use-any-api-auth':
      return {
        ok: false,
        message: `login() refused ${username}: it needs the Use Any API Auth permission (INSUFFICIENT_ACCESS).`,
        fix: `Re-run setup inbound: it adds Use Any API Auth to ${PERMSET_NAME} when the org has the permission.`
      };
    case 'needs-token':
      return {
        ok: false,
        message: 'login() needs the security token appended to the password (LOGIN_MUST_USE_SECURITY_TOKEN).',
        fix: `Put the token in ${SECRET_ENV.securityToken} (or on stdin); reset it as the provisioning user if unknown.`
      };
    case 'invalid-login':
      return ipRestricted
        ? {
            ok: false,
            message: `login() refused ${username} because of the profile's Login IP Ranges (LoginHistory: Restricted IP).`,
            fix: 'Add the identity provider’s outbound IP ranges to the profile’s Login IP Ranges, or remove the ranges.'
          }
        : {
            ok: false,
            message: `login() refused ${username}: wrong password or security token, or the user is locked out (INVALID_LOGIN).`,
            fix: 'Reset the security token as the provisioning user (it arrives by email) and try again.'
          };
    case 'api-disabled':
      return {
        ok: false,
        message: `The API is disabled for ${username} or for the org (${probe.code ?? ''}).`,
        fix: `Check that ${PERMSET_NAME} (API Enabled) is assigned and that the org edition includes API access.`
      };
    case 'unsupported-version':
      return {
        ok: false,
        message: `login() is not available at API ${probe.apiVersion}.`,
        fix: 'Use API 64.0 or lower.'
      };
    default:
      return { ok: false, message: `login() failed: ${probe.message}` };
  }
}

/** The latest LoginHistory status of a user (used to tell an IP restriction from a wrong password). */
async function lastLoginStatus(t: OrgTarget, userId: string): Promise<string | undefined> {
  try {
    const rows = await query(
      t,
      `SELECT Status, LoginTime FROM LoginHistory WHERE UserId = ${soqlString(userId)} ORDER BY LoginTime DESC LIMIT 1`,
      'read the login history'
    );
    return typeof rows[0]?.Status === 'string' ? rows[0].Status : undefined;
  } catch {
    return undefined;
  }
}

/** SOAP login() probe for the provisioning user with a diagnosis; shared by setup and doctor. */
export async function verifySoapLogin(
  t: OrgTarget,
  user: { Id?: string; Username: string },
  password: string,
  signal?: AbortSignal
): Promise<{ probe: LoginProbe; explained: ReturnType<typeof explainLogin> }> {
  const probe = await probeSoapLogin({
    instanceUrl: t.instanceUrl,
    username: user.Username,
    password,
    apiVersion: t.apiVersion,
    signal
  });
  const ipRestricted =
    probe.outcome === 'invalid-login' && user.Id ? (await lastLoginStatus(t, user.Id)) === 'Restricted IP' : false;
  return { probe, explained: explainLogin(probe, user.Username, ipRestricted) };
}

/** Client-credentials token + a SCIM call with it: proves the OAuth path end to end. */
export async function verifyClientCredentials(
  t: OrgTarget,
  clientId: string,
  clientSecret: string,
  signal?: AbortSignal
): Promise<Verification> {
  redactor.add(clientSecret);
  const tokenResponse = await fetch(`${t.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    signal
  });
  const token = (await tokenResponse.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!tokenResponse.ok || !token.access_token) {
    return {
      method: 'client-credentials',
      ok: false,
      outcome: token.error ?? `http-${tokenResponse.status}`,
      message: `The token request was refused: ${token.error ?? ''} ${token.error_description ?? ''}`.trim()
    };
  }
  redactor.add(token.access_token);
  const scim = await fetch(`${t.instanceUrl}/services/scim/v2/ServiceProviderConfigs`, {
    headers: { Authorization: `Bearer ${token.access_token}` },
    signal
  });
  return scim.ok
    ? {
        method: 'client-credentials',
        ok: true,
        outcome: 'ok',
        message: 'Client credentials work and the SCIM API answers.'
      }
    : {
        method: 'client-credentials',
        ok: false,
        outcome: `scim-http-${scim.status}`,
        message: `A token was issued, but the SCIM API answered HTTP ${scim.status}.`
      };
}

/** The External Client App metadata for client credentials with the provisioning user as execution user. */
export function ecaFiles(
  name: string,
  runAsUsername: string,
  contactEmail: string,
  apiVersion: string
): Record<string, string> {
  const md = (type: string, body: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<${type} xmlns="http://soap.sforce.com/2006/04/metadata">${body}</${type}>\n`;
  const types: Array<[string, string]> = [
    ['ExternalClientApplication', name],
    ['ExtlClntAppOauthSettings', `${name}_OAuth`],
    ['ExtlClntAppGlobalOauthSettings', `${name}_GlblOAuth`],
    ['ExtlClntAppConfigurablePolicies', `${name}_Policy`],
    ['ExtlClntAppOauthConfigurablePolicies', `${name}_OAuthPolicy`]
  ];
  return {
    'package.xml': md(
      'Package',
      types.map(([type, member]) => `<types><members>${member}</members><name>${type}</name></types>`).join('') +
        `<version>${apiVersion}</version>`
    ),
    [`externalClientApps/${name}.eca`]: md(
      'ExternalClientApplication',
      `<contactEmail>${contactEmail}</contactEmail><distributionState>Local</distributionState>` +
        `<isProtected>false</isProtected><label>${name}</label>`
    ),
    [`extlClntAppOauthSettings/${name}_OAuth.ecaOauth`]: md(
      'ExtlClntAppOauthSettings',
      `<commaSeparatedOauthScopes>Api</commaSeparatedOauthScopes><externalClientApplication>${name}</externalClientApplication>` +
        `<label>${name} OAuth Settings</label>`
    ),
    [`extlClntAppGlobalOauthSets/${name}_GlblOAuth.ecaGlblOauth`]: md(
      'ExtlClntAppGlobalOauthSettings',
      '<callbackUrl>https://login.salesforce.com/services/oauth2/callback</callbackUrl>' +
        `<externalClientApplication>${name}</externalClientApplication><isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled>` +
        '<isConsumerSecretOptional>false</isConsumerSecretOptional><isIntrospectAllTokens>false</isIntrospectAllTokens>' +
        '<isPkceRequired>false</isPkceRequired><isSecretRequiredForRefreshToken>true</isSecretRequiredForRefreshToken>' +
        `<label>${name} Global OAuth</label><shouldRotateConsumerKey>false</shouldRotateConsumerKey>` +
        '<shouldRotateConsumerSecret>false</shouldRotateConsumerSecret>'
    ),
    [`extlClntAppPolicies/${name}_Policy.ecaPlcy`]: md(
      'ExtlClntAppConfigurablePolicies',
      `<externalClientApplication>${name}</externalClientApplication><isEnabled>true</isEnabled>` +
        `<isOauthPluginEnabled>true</isOauthPluginEnabled><label>${name}_Policy</label>`
    ),
    [`extlClntAppOauthPolicies/${name}_OAuthPolicy.ecaOauthPlcy`]: md(
      'ExtlClntAppOauthConfigurablePolicies',
      `<clientCredentialsFlowUser>${runAsUsername}</clientCredentialsFlowUser>` +
        `<externalClientApplication>${name}</externalClientApplication><ipRelaxationPolicyType>Enforce</ipRelaxationPolicyType>` +
        '<isClientCredentialsFlowEnabled>true</isClientCredentialsFlowEnabled><isGuestCodeCredFlowEnabled>false</isGuestCodeCredFlowEnabled>' +
        `<isTokenExchangeFlowEnabled>false</isTokenExchangeFlowEnabled><label>${name}_OAuthPolicy</label>` +
        '<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>' +
        '<refreshTokenPolicyType>Zero</refreshTokenPolicyType><requiredSessionLevel>STANDARD</requiredSessionLevel>'
    )
  };
}

/**
 * `setup inbound`: converges the org to "ready for inbound provisioning" and says what it changed. Preflight
 * checks (profile, licence, username) run before any change, so a refusal leaves nothing behind; every change is
 * registered with `leftBehind`, so an interruption or a later failure says exactly what exists.
 */
export async function setupInbound(t: OrgTarget, options: SetupOptions, ctx: CommandContext): Promise<SetupResult> {
  const { out, signal } = ctx;
  const steps: SetupStep[] = [];
  const nextSteps: string[] = [];
  const step = (s: SetupStep): void => {
    steps.push(s);
    out.log(
      `${out.style(s.status === 'failed' ? 'red' : s.status === 'unchanged' ? 'dim' : 'green', s.status.padEnd(9))} ${s.step}: ${s.detail}`
    );
  };
  const username = options.username ?? defaultUsername(t.orgId);
  if (!EMAIL.test(username)) {
    throw usageError(`The username ${username} is not in email form.`, [
      'Salesforce usernames look like name@company.com.'
    ]);
  }

  // ---- preflight: nothing changes before these pass
  out.spin('Reading the org');
  const adminEmail = (
    await query(t, `SELECT Email FROM User WHERE Username = ${soqlString(t.username)}`, 'read your user')
  )[0]?.Email;
  const email = options.email ?? (typeof adminEmail === 'string' ? adminEmail : '');
  if (!EMAIL.test(email)) {
    throw usageError('No email address for the provisioning user.', [
      'Pass --email <address>: Salesforce sends its security token there.'
    ]);
  }
  const profile = await profileByName(t, options.profile);
  if (!profile) {
    throw usageError(`No profile named "${options.profile}" in this org.`, [
      'Pass --profile with an existing profile name.'
    ]);
  }
  const useAny = await hasUseAnyApiAuth(t);
  const existingUser = await findUser(t, username);
  const licence = await salesforceLicence(t);
  out.stopSpin();
  const needsLicence = !existingUser || !existingUser.IsActive;
  if (needsLicence && profile.licenceName === 'Salesforce' && licence && licence.left === 0) {
    throw new ProvisioError(
      'NoLicenceLeft',
      `No Salesforce licence is left (${licence.used} of ${licence.total} used); the provisioning user cannot be ${existingUser ? 'reactivated' : 'created'}. Nothing was changed.`,
      {
        exitCode: ExitCode.FAILED,
        actions: ['Free a licence (deactivate a user) or buy one, then re-run setup inbound.']
      }
    );
  }
  throwIfAborted(signal);

  // ---- permission set
  const desired: Record<string, boolean> = {};
  for (const f of permissionFields(useAny)) desired[f] = false;
  for (const f of BASE_PERMISSIONS) desired[f] = true;
  if (useAny && options.auth === 'password') desired[USE_ANY_API_AUTH] = true;
  if (options.auth === 'oauth') desired[API_ONLY] = true;
  const granted = Object.keys(desired).filter((k) => desired[k]);
  const ps = await provisioningPermissionSet(t, Object.keys(desired));
  let permissionSetId = typeof ps?.Id === 'string' ? ps.Id : undefined;
  if (!ps) {
    if (options.dryRun)
      step({ step: 'permission set', status: 'planned', detail: `create ${PERMSET_NAME} with ${granted.join(', ')}` });
    else {
      const res = await orgCall('create the permission set', t.alias, () =>
        t.conn.sobject('PermissionSet').create({
          Name: PERMSET_NAME,
          Label: PERMSET_LABEL,
          Description: 'Inbound SCIM provisioning (created by provisio setup inbound)',
          ...desired
        })
      );
      permissionSetId = res.id;
      ctx.leftBehind(`permission set ${PERMSET_NAME} (${permissionSetId}) was created`);
      step({ step: 'permission set', status: 'created', detail: `${PERMSET_NAME}: ${granted.join(', ')}` });
    }
  } else {
    const drift = Object.keys(desired).filter((k) => (ps[k] === true) !== desired[k]);
    if (drift.length === 0)
      step({ step: 'permission set', status: 'unchanged', detail: `${PERMSET_NAME}: ${granted.join(', ')}` });
    else if (options.dryRun)
      step({
        step: 'permission set',
        status: 'planned',
        detail: `set ${drift.map((k) => `${k}=${desired[k]}`).join(', ')}`
      });
    else {
      await orgCall('update the permission set', t.alias, () =>
        t.conn
          .sobject('PermissionSet')
          .update({ Id: String(ps.Id), ...Object.fromEntries(drift.map((k) => [k, desired[k]])) })
      );
      ctx.leftBehind(`permission set ${PERMSET_NAME} was updated (${drift.join(', ')})`);
      step({ step: 'permission set', status: 'updated', detail: drift.map((k) => `${k}=${desired[k]}`).join(', ') });
    }
  }
  throwIfAborted(signal);

  // ---- provisioning user
  let userId = existingUser?.Id;
  if (!existingUser) {
    if (options.dryRun)
      step({ step: 'provisioning user', status: 'planned', detail: `create ${username} (${profile.Name})` });
    else {
      try {
        const res = await t.conn.sobject('User').create({
          Username: username,
          LastName: 'Provisioning',
          FirstName: 'Inbound',
          Email: email,
          Alias: aliasFor(username),
          TimeZoneSidKey: 'GMT',
          LocaleSidKey: 'en_US',
          EmailEncodingKey: 'UTF-8',
          LanguageLocaleKey: 'en_US',
          ProfileId: profile.Id
        });
        userId = res.id;
      } catch (error) {
        const code = errorCodeOf(error);
        if (code === 'DUPLICATE_USERNAME') {
          throw new ProvisioError(
            'UsernameTaken',
            `The username ${username} already exists in another Salesforce org (usernames are unique across all orgs).`,
            { exitCode: ExitCode.FAILED, actions: ['Pass --username with a different email-form username.'] }
          );
        }
        if (code === 'LICENSE_LIMIT_EXCEEDED') {
          throw new ProvisioError('NoLicenceLeft', 'Salesforce refused the user: no licence is left.', {
            exitCode: ExitCode.FAILED,
            actions: ['Free or buy a Salesforce licence, then re-run setup inbound.']
          });
        }
        throw toOrgError('create the provisioning user', t.alias, error);
      }
      ctx.leftBehind(`provisioning user ${username} (${userId}) was created`);
      step({ step: 'provisioning user', status: 'created', detail: `${username} (${profile.Name}, email ${email})` });
    }
  } else {
    const changes: Record<string, unknown> = {};
    if (!existingUser.IsActive) changes.IsActive = true;
    if (existingUser.ProfileId !== profile.Id) changes.ProfileId = profile.Id;
    if (Object.keys(changes).length === 0)
      step({ step: 'provisioning user', status: 'unchanged', detail: `${username} is active with ${profile.Name}` });
    else if (options.dryRun)
      step({ step: 'provisioning user', status: 'planned', detail: `set ${Object.keys(changes).join(', ')}` });
    else {
      await orgCall('update the provisioning user', t.alias, () =>
        t.conn.sobject('User').update({ Id: existingUser.Id, ...changes })
      );
      ctx.leftBehind(`provisioning user ${username} was updated (${Object.keys(changes).join(', ')})`);
      step({
        step: 'provisioning user',
        status: 'updated',
        detail: Object.keys(changes)
          .map((k) => `${k}=${String(changes[k])}`)
          .join(', ')
      });
    }
  }
  throwIfAborted(signal);

  // ---- assignment
  if (userId && permissionSetId) {
    const held = await userPermissions(t, userId, Object.keys(desired));
    if (held.has(`assigned:${PERMSET_NAME}`))
      step({ step: 'assignment', status: 'unchanged', detail: `${PERMSET_NAME} is assigned` });
    else if (options.dryRun) step({ step: 'assignment', status: 'planned', detail: `assign ${PERMSET_NAME}` });
    else {
      await orgCall('assign the permission set', t.alias, () =>
        t.conn.sobject('PermissionSetAssignment').create({ AssigneeId: userId, PermissionSetId: permissionSetId })
      );
      ctx.leftBehind(`${PERMSET_NAME} was assigned to ${username}`);
      step({ step: 'assignment', status: 'created', detail: `${PERMSET_NAME} → ${username}` });
    }
  } else if (options.dryRun) step({ step: 'assignment', status: 'planned', detail: `assign ${PERMSET_NAME}` });
  throwIfAborted(signal);

  // ---- password (explicit only)
  if (options.setPassword && userId) {
    const password = await readSecret({
      envVar: SECRET_ENV.password,
      what: 'provisioning user’s new password',
      stdin: ctx.stdin,
      env: ctx.env,
      prompt: (p) => out.warn(p)
    });
    if (options.dryRun) step({ step: 'password', status: 'planned', detail: 'set the provisioning user’s password' });
    else {
      await orgCall('set the provisioning user’s password', t.alias, () =>
        t.conn.requestPost(`/sobjects/User/${userId}/password`, { NewPassword: password })
      );
      ctx.leftBehind(`the password of ${username} was changed`);
      step({
        step: 'password',
        status: 'updated',
        detail: `password set; Salesforce emails a new security token to ${email}`
      });
    }
  }

  let verification: Verification | undefined;
  if (options.auth === 'password') {
    verification = await passwordPath(t, { username, userId, email }, options, ctx, step, nextSteps);
  } else {
    verification = await oauthPath(t, { username, email }, options, ctx, step, nextSteps);
  }
  const changed = steps.some((s) => s.status === 'created' || s.status === 'updated');
  return {
    org: { orgId: t.orgId, instanceUrl: t.instanceUrl, username: t.username, apiVersion: t.apiVersion },
    idp: options.idp,
    auth: options.auth,
    provisioningUser: { username, id: userId, email },
    permissionSet: { name: PERMSET_NAME, permissions: granted },
    steps,
    changed,
    verification,
    nextSteps
  };
}

async function passwordPath(
  t: OrgTarget,
  user: { username: string; userId?: string; email: string },
  options: SetupOptions,
  ctx: CommandContext,
  step: (s: SetupStep) => void,
  nextSteps: string[]
): Promise<Verification | undefined> {
  const { out, env, signal } = ctx;
  const pageFor = `${t.instanceUrl}${SETUP_PATHS.resetToken}`;
  if (!options.verify) {
    step({ step: 'security token', status: 'manual', detail: 'no API can read or reset a security token' });
    nextSteps.push(
      `Log in as ${user.username} (Setup → Users → ${user.username} → Login, or its own password), then open Settings → ` +
        `Reset My Security Token (${pageFor}). Salesforce emails the token to ${user.email}.`,
      'Setup → User Interface → make sure "Enable SOAP API login()" is ticked (off by default in orgs created Winter ’26+).',
      `Then verify: ${SECRET_ENV.password}=... ${SECRET_ENV.securityToken}=... provisio setup inbound --idp ${options.idp} --verify` +
        `${t.alias ? ` -o ${t.alias}` : ''} (or pipe the token on stdin).`,
      'In Entra ID: Admin Username = the provisioning username, Admin Password = password, Secret Token = security token.',
      'Microsoft’s tutorial asks for API Enabled and Manage Users on the profile itself; if Entra’s "Test connection" ' +
        'complains about permissions, clone "Minimum Access - Salesforce" with those two permissions and pass --profile.'
    );
    if (options.open && user.userId) {
      const opened = await openOrgPage(SETUP_PATHS.user(user.userId), t.alias, env);
      step({ step: 'open', status: opened.opened ? 'manual' : 'failed', detail: opened.detail });
    }
    return undefined;
  }
  if (options.dryRun) {
    step({ step: 'verify', status: 'skipped', detail: 'not verified in a dry run' });
    return undefined;
  }
  const password = await readSecret({
    envVar: SECRET_ENV.password,
    what: 'provisioning user’s password',
    stdin: ctx.stdin,
    env,
    prompt: (p) => out.warn(p)
  });
  // An empty PROVISIO_SECURITY_TOKEN means "no token" (logins from a trusted or profile IP range need none).
  const token =
    env[SECRET_ENV.securityToken] === ''
      ? ''
      : await readSecret({
          envVar: SECRET_ENV.securityToken,
          what: 'security token',
          stdin: ctx.stdin,
          env,
          prompt: (p) => out.warn(p)
        });
  const probeOnce = async () => {
    out.spin(`Probing SOAP login() for ${user.username}`);
    const result = await verifySoapLogin(
      t,
      { Id: user.userId, Username: user.username },
      `${password}${token}`,
      signal
    );
    out.stopSpin(result.probe.outcome);
    return result;
  };
  let { probe, explained } = await probeOnce();
  if (probe.outcome === 'disabled') {
    nextSteps.push(
      `Setup → User Interface → tick "Enable SOAP API login()" → Save (${t.instanceUrl}${SETUP_PATHS.userInterface}).`
    );
    if (options.open) {
      const opened = await openOrgPage(SETUP_PATHS.userInterface, t.alias, env);
      step({ step: 'open', status: opened.opened ? 'manual' : 'failed', detail: opened.detail });
    }
    const deadline = Date.now() + options.waitForSwitch * 1000;
    while (probe.outcome === 'disabled' && Date.now() < deadline) {
      out.log(
        `Waiting for "Enable SOAP API login()" to be switched on (re-checking every 5 s, until ${new Date(deadline).toISOString()})`
      );
      await new Promise((r) => setTimeout(r, Math.min(5000, Math.max(deadline - Date.now(), 0))));
      throwIfAborted(signal);
      ({ probe, explained } = await probeOnce());
    }
  } else if (!explained.ok && explained.fix) nextSteps.push(explained.fix);
  step({ step: 'verify login()', status: explained.ok ? 'verified' : 'failed', detail: explained.message });
  return {
    method: 'soap-login',
    ok: explained.ok,
    outcome: probe.outcome,
    code: probe.code,
    message: explained.message,
    apiVersion: probe.apiVersion
  };
}

async function oauthPath(
  t: OrgTarget,
  user: { username: string; email: string },
  options: SetupOptions,
  ctx: CommandContext,
  step: (s: SetupStep) => void,
  nextSteps: string[]
): Promise<Verification | undefined> {
  const { out, env, signal } = ctx;
  const name = options.ecaName ?? DEFAULT_ECA_NAME;
  if (await ecaExists(t, name)) step({ step: 'external client app', status: 'unchanged', detail: `${name} exists` });
  else if (options.dryRun)
    step({
      step: 'external client app',
      status: 'planned',
      detail: `deploy ${name} (client credentials, run as ${user.username})`
    });
  else {
    out.spin(`Deploying the External Client App ${name}`);
    const result = await deployZip(t, ecaFiles(name, user.username, user.email, t.apiVersion), {
      checkOnly: false,
      signal
    });
    out.stopSpin(result.status);
    if (!result.success) {
      throw new ProvisioError(
        'EcaDeployFailed',
        `The External Client App deploy failed: ${result.failures.map((f) => `${f.fullName}: ${f.problem}`).join('; ')}`,
        {
          exitCode: ExitCode.FAILED,
          actions: ['Run provisio doctor: it checks whether External Client Apps are enabled.']
        }
      );
    }
    ctx.leftBehind(`External Client App ${name} was deployed`);
    step({
      step: 'external client app',
      status: 'created',
      detail: `${name}: client credentials, execution user ${user.username}`
    });
  }
  if (!options.verify) {
    nextSteps.push(
      `Setup → External Client App Manager → ${name} → Settings → OAuth Settings → Consumer Key and Secret: copy them into the identity provider (Okta: "OAuth Consumer Key/Secret"; miniOrange: client id/secret).`,
      `Then verify: ${SECRET_ENV.clientId}=... ${SECRET_ENV.clientSecret}=... provisio setup inbound --idp ${options.idp} --verify${t.alias ? ` -o ${t.alias}` : ''}`
    );
    if (options.open) {
      const opened = await openOrgPage(SETUP_PATHS.externalClientApps, t.alias, env);
      step({ step: 'open', status: opened.opened ? 'manual' : 'failed', detail: opened.detail });
    }
    return undefined;
  }
  if (options.dryRun) return undefined;
  const clientId = await readSecret({ envVar: SECRET_ENV.clientId, what: 'consumer key', stdin: ctx.stdin, env });
  const clientSecret = await readSecret({
    envVar: SECRET_ENV.clientSecret,
    what: 'consumer secret',
    stdin: ctx.stdin,
    env
  });
  out.spin('Requesting a client-credentials token');
  const verification = await verifyClientCredentials(t, clientId, clientSecret, signal);
  out.stopSpin(verification.outcome);
  step({
    step: 'verify client credentials',
    status: verification.ok ? 'verified' : 'failed',
    detail: verification.message
  });
  return verification;
}
