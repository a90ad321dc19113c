/** Facts and names the inbound tooling relies on, each with where it comes from. */

/** The permission set `setup inbound` creates and assigns to the provisioning user. */
export const PERMSET_NAME = 'Provisio_Inbound_Provisioning';
export const PERMSET_LABEL = 'Provisio Inbound Provisioning';

/**
 * Least privilege for an identity provider that creates and updates users: API Enabled, Manage Users and View Setup
 * (Manage Users depends on it). Use Any API Auth is added for the login() path when the org has the permission;
 * API Only User for the OAuth path (the client-credentials execution user "must have the API Only permission").
 */
export const BASE_PERMISSIONS = ['PermissionsApiEnabled', 'PermissionsManageUsers', 'PermissionsViewSetup'];
export const USE_ANY_API_AUTH = 'PermissionsUseAnyApiAuth';
export const API_ONLY = 'PermissionsApiUserOnly';

/** The profile the provisioning user gets by default: a Salesforce licence with nothing else. */
export const DEFAULT_PROFILE = 'Minimum Access - Salesforce';

/** The External Client App the OAuth path deploys. */
export const DEFAULT_ECA_NAME = 'Provisio_Inbound';

/**
 * SOAP API login() retirement: Summer '27 (Salesforce KB 005132110); login() exists only up to API 64.0 and is
 * off by default in orgs created Winter '26 or later. The day is a secondary source (vantagepoint.io: June 1, 2027).
 */
export const SOAP_LOGIN_RETIREMENT = { release: "Summer '27", date: '2027-06-01' };

/** Setup pages (Lightning paths) the commands point to or open with `sf org open --path`. */
export const SETUP_PATHS = {
  userInterface: '/lightning/setup/UserInterfaceUI/home',
  externalClientApps: '/lightning/setup/ManageExternalClientApplication/home',
  user: (userId: string): string => `/lightning/setup/ManageUsers/page?address=%2F${userId}%3Fnoredirect%3D1`,
  resetToken: '/lightning/settings/personal/ResetApiToken/home'
};

/** Environment variables the secrets come from (never argv). */
export const SECRET_ENV = {
  password: 'PROVISIO_PROVISIONING_PASSWORD',
  securityToken: 'PROVISIO_SECURITY_TOKEN',
  clientId: 'PROVISIO_CLIENT_ID',
  clientSecret: 'PROVISIO_CLIENT_SECRET'
};

/** Which way the identity provider authenticates to Salesforce. */
export type InboundAuth = 'password' | 'oauth';

/** Entra's gallery app uses username + password + security token; Okta (current) and miniOrange use OAuth. */
export function authForIdp(idp: string): InboundAuth {
  return idp === 'entra' ? 'password' : 'oauth';
}

export const IDPS = ['entra', 'okta', 'miniorange'] as const;
