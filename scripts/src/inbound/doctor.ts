import { CommandContext, throwIfAborted } from '../cli/command';
import { ExitCode, ProvisioError } from '../cli/errors';
import { redactor } from '../cli/redact';
import { loginVersion, probeSoapLogin, SOAP_LOGIN_MAX_VERSION } from '../org/soapLogin';
import { orgCall, OrgTarget } from '../org/target';
import {
  API_ONLY,
  DEFAULT_ECA_NAME,
  InboundAuth,
  PERMSET_NAME,
  SECRET_ENV,
  SETUP_PATHS,
  SOAP_LOGIN_RETIREMENT,
  USE_ANY_API_AUTH
} from './constants';
import {
  connectedAppCreation,
  ecaExists,
  externalClientAppsEnabled,
  findUser,
  hasUseAnyApiAuth,
  loginIpRanges,
  permissionFields,
  profiles,
  salesforceLicence,
  userPermissions
} from './facts';
import { defaultUsername, verifySoapLogin } from './setup';

export type Severity = 'error' | 'warning' | 'info' | 'ok';

/** One readiness finding: stable id, severity, what was found, and the fix. */
export interface Finding {
  id: string;
  severity: Severity;
  title: string;
  detail: string;
  fix?: string;
}

export interface DoctorResult {
  org: { orgId: string; instanceUrl: string; username: string; apiVersion: string };
  idp: string;
  auth: InboundAuth;
  provisioningUser: string;
  summary: Record<Severity, number>;
  findings: Finding[];
}

export interface DoctorOptions {
  idp: string;
  auth: InboundAuth;
  username?: string;
  ecaName?: string;
  /** Skip the check-only Connected App deploy (it takes a deploy slot). */
  skipConnectedAppProbe: boolean;
  /** Without credentials, probe login() with a wrong password (one failed login of the provisioning user). */
  loginProbe?: boolean;
  /** Today, for the retirement countdown (tests pin it). */
  now?: Date;
}

/** Days from `now` to a YYYY-MM-DD date. */
export function daysUntil(date: string, now: Date): number {
  return Math.ceil((Date.parse(`${date}T00:00:00Z`) - now.getTime()) / 86_400_000);
}

/**
 * The readiness report for inbound provisioning. Each check is independent: one that cannot run becomes a
 * warning that says why, and the others still run.
 */
export async function runDoctor(t: OrgTarget, options: DoctorOptions, ctx: CommandContext): Promise<DoctorResult> {
  const { out, signal, env } = ctx;
  const findings: Finding[] = [];
  const add = (f: Finding): void => {
    findings.push(f);
  };
  const check = async (id: string, title: string, body: () => Promise<void>): Promise<void> => {
    throwIfAborted(signal);
    out.spin(`Checking ${title}`);
    try {
      await body();
    } catch (error) {
      if (
        error instanceof ProvisioError &&
        (error.exitCode === ExitCode.ORG || error.exitCode === ExitCode.INTERRUPTED)
      ) {
        throw error;
      }
      add({
        id,
        severity: 'warning',
        title,
        detail: `Could not check: ${error instanceof Error ? error.message : String(error)}`
      });
    }
  };
  const now = options.now ?? new Date();
  const password = options.auth === 'password';
  const username = options.username ?? defaultUsername(t.orgId);

  // API version and SOAP login() retirement
  await check('api-version', 'the API version', async () => {
    const versions = await orgCall('list the API versions', t.alias, () =>
      t.conn.request<Array<{ version: string }>>(`${t.instanceUrl}/services/data`)
    );
    const max =
      versions
        .map((v) => v.version)
        .sort((a, b) => Number(a) - Number(b))
        .at(-1) ?? t.apiVersion;
    add({
      id: 'api-version',
      severity: 'info',
      title: 'API version',
      detail: `The org serves API up to ${max}; this run uses ${t.apiVersion}. SOAP login() exists only up to ${SOAP_LOGIN_MAX_VERSION}, so login() probes use ${loginVersion(t.apiVersion)}.`
    });
  });
  const days = daysUntil(SOAP_LOGIN_RETIREMENT.date, now);
  add({
    id: 'soap-login-retirement',
    severity: password ? 'warning' : 'info',
    title: 'SOAP login() retirement',
    detail:
      `Salesforce retires SOAP API login() in ${SOAP_LOGIN_RETIREMENT.release} (about ${SOAP_LOGIN_RETIREMENT.date}, ${days} days from now). ` +
      (password
        ? `The ${options.idp} connector authenticates with username + password + security token, which depends on login().`
        : 'The OAuth path does not depend on login().'),
    fix: password
      ? 'Plan the move to OAuth (External Client App, client credentials): provisio setup inbound --idp okta shows the shape.'
      : undefined
  });

  // licences
  await check('licences', 'licences', async () => {
    const licence = await salesforceLicence(t);
    if (!licence) {
      add({
        id: 'licences',
        severity: 'error',
        title: 'Salesforce licences',
        detail: 'No active Salesforce licence type was found.'
      });
      return;
    }
    add({
      id: 'licences',
      severity: licence.left === 0 ? 'error' : licence.left < 3 ? 'warning' : 'ok',
      title: 'Salesforce licences',
      detail: `${licence.left} of ${licence.total} Salesforce licences left (${licence.used} used).`,
      fix:
        licence.left === 0
          ? 'Every SCIM create will fail with LICENSE_LIMIT_EXCEEDED: free (deactivate) or buy licences.'
          : undefined
    });
  });

  // profiles as SCIM entitlements
  await check('scim-entitlements', 'profiles', async () => {
    const all = await profiles(t);
    add({
      id: 'scim-entitlements',
      severity: all.length > 200 ? 'warning' : 'ok',
      title: 'Profiles available as SCIM entitlements',
      detail: `${all.length} profiles: ${all
        .slice(0, 8)
        .map((p) => p.Name)
        .join(', ')}${all.length > 8 ? ', …' : ''}. Every SCIM-created user needs exactly one profile entitlement.`,
      fix:
        all.length > 200
          ? 'GET /Entitlements returns at most 200; the identity provider may not see every profile.'
          : undefined
    });
  });

  // provisioning user
  let userId: string | undefined;
  let profileName: string | undefined;
  await check('provisioning-user', 'the provisioning user', async () => {
    const user = await findUser(t, username);
    if (!user) {
      add({
        id: 'provisioning-user',
        severity: 'error',
        title: 'Provisioning user',
        detail: `No user ${username}.`,
        fix: `provisio setup inbound --idp ${options.idp}${options.username ? ` --username ${options.username}` : ''}`
      });
      return;
    }
    userId = user.Id;
    profileName = user.profileName;
    const problems: string[] = [];
    if (!user.IsActive) problems.push('inactive');
    if (user.licenceName && user.licenceName !== 'Salesforce')
      problems.push(`licence is ${user.licenceName}, not Salesforce`);
    add({
      id: 'provisioning-user',
      severity: problems.length ? 'error' : 'ok',
      title: 'Provisioning user',
      detail: problems.length
        ? `${username}: ${problems.join('; ')}.`
        : `${username} is active, profile ${user.profileName}, licence ${user.licenceName ?? 'unknown'}.`,
      fix: problems.length
        ? `provisio setup inbound --idp ${options.idp} reactivates it and fixes the profile.`
        : undefined
    });
  });

  // permissions
  let useAny = false;
  if (userId) {
    const id = userId;
    await check('provisioning-permissions', 'permissions', async () => {
      useAny = await hasUseAnyApiAuth(t);
      const held = await userPermissions(t, id, permissionFields(useAny));
      const missing = ['PermissionsApiEnabled', 'PermissionsManageUsers'].filter((p) => !held.has(p));
      if (password && useAny && !held.has(USE_ANY_API_AUTH)) missing.push(USE_ANY_API_AUTH);
      if (!password && !held.has(API_ONLY)) missing.push(API_ONLY);
      add({
        id: 'provisioning-permissions',
        severity: missing.length ? 'error' : 'ok',
        title: 'Provisioning user permissions',
        detail: missing.length
          ? `Missing: ${missing.join(', ')}.${missing.includes(USE_ANY_API_AUTH) ? ' login() answers INSUFFICIENT_ACCESS without Use Any API Auth where it is enforced (orgs created Summer ’26+).' : ''}`
          : `Has ${[...held].filter((p) => p.startsWith('Permissions')).join(', ')}.${useAny ? '' : ' (This org has no Use Any API Auth permission yet.)'}`,
        fix: missing.length ? `provisio setup inbound --idp ${options.idp} (assigns ${PERMSET_NAME})` : undefined
      });
      if (password && held.has(API_ONLY)) {
        add({
          id: 'api-only-token',
          severity: 'warning',
          title: 'API Only user and the security token',
          detail: 'The provisioning user is API Only: API Only users cannot reset their security token in the UI.',
          fix: `Remove API Only User from the user's profile and permission sets for the ${options.idp} path.`
        });
      }
    });
  }

  // login IP ranges
  if (profileName) {
    const name = profileName;
    await check('login-ip-ranges', 'login IP ranges', async () => {
      const ranges = await loginIpRanges(t, name);
      if (ranges === undefined) {
        add({
          id: 'login-ip-ranges',
          severity: 'warning',
          title: 'Login IP ranges',
          detail: `Could not read the Login IP Ranges of profile ${name} through the Metadata API.`,
          fix: `Check Setup → Profiles → ${name} → Login IP Ranges by hand.`
        });
        return;
      }
      add({
        id: 'login-ip-ranges',
        severity: ranges.length ? 'warning' : 'ok',
        title: 'Login IP ranges',
        detail: ranges.length
          ? `Profile ${name} allows logins only from ${ranges.map((r) => `${r.startAddress}–${r.endAddress}`).join(', ')}; from there no security token is needed, from elsewhere every login is refused.`
          : `Profile ${name} has no login IP ranges: logins from anywhere need the security token.`,
        fix: ranges.length ? 'Make sure the identity provider’s outbound IP ranges are inside these ranges.' : undefined
      });
    });
  }

  // SOAP login switch and token (password path)
  if (password) {
    await check('soap-login-switch', 'the SOAP login() switch', async () => {
      const pw = env[SECRET_ENV.password];
      const token = env[SECRET_ENV.securityToken] ?? '';
      redactor.add(pw);
      redactor.add(token);
      if (pw) {
        const { probe, explained } = await verifySoapLogin(
          t,
          { Id: userId, Username: username },
          `${pw}${token}`,
          signal
        );
        add({
          id: 'soap-login-switch',
          severity: probe.outcome === 'disabled' ? 'error' : 'ok',
          title: 'SOAP API login() switch',
          detail:
            probe.outcome === 'disabled'
              ? 'Disabled: login() answers INVALID_OPERATION.'
              : 'Enabled (login() answered past the switch).',
          fix:
            probe.outcome === 'disabled'
              ? `Setup → User Interface → tick "Enable SOAP API login()" (${t.instanceUrl}${SETUP_PATHS.userInterface}); provisio setup inbound --open opens it.`
              : undefined
        });
        if (probe.outcome !== 'disabled') {
          add({
            id: 'security-token',
            severity: explained.ok ? 'ok' : 'error',
            title: 'Password and security token',
            detail: explained.message,
            fix: explained.fix
          });
        }
        return;
      }
      if (!options.loginProbe) {
        add({
          id: 'soap-login-switch',
          severity: 'warning',
          title: 'SOAP API login() switch',
          detail: 'Not checked: no API reads the switch, and no credentials were given for a login() probe.',
          fix:
            `Set ${SECRET_ENV.password} and ${SECRET_ENV.securityToken}, or pass --login-probe (one failed login of ` +
            `the provisioning user, which counts towards its lockout), or look at Setup → User Interface ` +
            `(${t.instanceUrl}${SETUP_PATHS.userInterface}).`
        });
      } else {
        // A wrong password: INVALID_OPERATION proves "disabled"; anything else is inconclusive.
        const probe = await probeSoapLogin({
          instanceUrl: t.instanceUrl,
          username,
          password: 'provisio-doctor-probe',
          apiVersion: t.apiVersion,
          signal
        });
        add({
          id: 'soap-login-switch',
          severity: probe.outcome === 'disabled' ? 'error' : 'warning',
          title: 'SOAP API login() switch',
          detail:
            probe.outcome === 'disabled'
              ? 'Disabled: login() answers INVALID_OPERATION.'
              : `Not confirmed: a login() probe without credentials answered ${probe.code ?? probe.outcome}, which does not tell whether the switch is on.`,
          fix:
            probe.outcome === 'disabled'
              ? `Setup → User Interface → tick "Enable SOAP API login()" (${t.instanceUrl}${SETUP_PATHS.userInterface}).`
              : `Set ${SECRET_ENV.password} and ${SECRET_ENV.securityToken} to check it with the real credentials.`
        });
      }
      add({
        id: 'security-token',
        severity: 'info',
        title: 'Password and security token',
        detail: 'Not verified (no credentials given). No API can read a security token; only a login() proves it.',
        fix: `${SECRET_ENV.password}=... ${SECRET_ENV.securityToken}=... provisio doctor --idp ${options.idp}`
      });
    });
  }

  // External Client Apps and Connected Apps
  await check('external-client-apps', 'External Client Apps', async () => {
    const enabled = await externalClientAppsEnabled(t);
    add({
      id: 'external-client-apps',
      severity: enabled === false ? (password ? 'warning' : 'error') : enabled === undefined ? 'warning' : 'ok',
      title: 'External Client Apps',
      detail:
        enabled === undefined ? 'Could not read ExternalClientAppSettings.' : enabled ? 'Enabled.' : 'Not enabled.',
      fix: enabled === false ? 'Setup → External Client App Settings → enable External Client Apps.' : undefined
    });
    if (!password) {
      const name = options.ecaName ?? DEFAULT_ECA_NAME;
      const exists = await ecaExists(t, name);
      add({
        id: 'eca',
        severity: exists ? 'ok' : 'error',
        title: 'External Client App for provisioning',
        detail: exists ? `${name} exists.` : `No External Client App ${name}.`,
        fix: exists ? undefined : `provisio setup inbound --idp ${options.idp}`
      });
    }
  });
  if (!options.skipConnectedAppProbe) {
    await check('connected-app-creation', 'Connected App creation', async () => {
      const probe = await connectedAppCreation(t, signal);
      add({
        id: 'connected-app-creation',
        severity: 'info',
        title: 'Connected App creation',
        detail: probe.blocked
          ? `Blocked (check-only deploy failed: ${probe.detail}). Use an External Client App for OAuth.`
          : 'Allowed (a check-only deploy of a Connected App succeeded; nothing was created).'
      });
    });
  }
  out.stopSpin();

  const summary: Record<Severity, number> = { error: 0, warning: 0, info: 0, ok: 0 };
  for (const f of findings) summary[f.severity]++;
  return {
    org: { orgId: t.orgId, instanceUrl: t.instanceUrl, username: t.username, apiVersion: t.apiVersion },
    idp: options.idp,
    auth: options.auth,
    provisioningUser: username,
    summary,
    findings
  };
}
