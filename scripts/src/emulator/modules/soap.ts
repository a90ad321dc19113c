import { sfNow, text } from '../db';
import { EmulatorModule, EmulatorResponse, xmlEscape, xmlValue } from '../http';
import { ipInRange, OrgState } from '../state';

const ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/**
 * A SOAP fault as Salesforce's partner endpoint sends it: HTTP 500, `sf:` fault namespace, faultstring
 * `<CODE>: <message>` and a typed detail (shape of fixtures/soap/login_fault_*.xml).
 */
export function soapFault(
  code: string,
  message: string,
  detailType = 'LoginFault',
  faultNs = 'urn:fault.partner.soap.sforce.com'
): EmulatorResponse {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ENVELOPE_NS}" xmlns:sf="${faultNs}" ` +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>' +
    `<faultcode>sf:${code}</faultcode><faultstring>${xmlEscape(`${code}: ${message}`)}</faultstring>` +
    `<detail><sf:${detailType} xsi:type="sf:${detailType}"><sf:exceptionCode>${code}</sf:exceptionCode>` +
    `<sf:exceptionMessage>${xmlEscape(message)}</sf:exceptionMessage></sf:${detailType}></detail>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>';
  return { status: 500, headers: { 'Content-Type': 'text/xml;charset=UTF-8' }, body };
}

/** REAL texts (fixtures/soap); the INSUFFICIENT_ACCESS and version texts are INFERRED (code from the docs). */
export const LOGIN_MESSAGES = {
  INVALID_LOGIN: 'Invalid username, password, security token; or user locked out.',
  LOGIN_MUST_USE_SECURITY_TOKEN:
    'Invalid username, password, security token; or user locked out. Are you at a new location? When accessing ' +
    'Salesforce--either via a desktop client or the API--from outside of your company’s trusted networks, you must ' +
    'add a security token to your password to log in. To get your new security token, log in to Salesforce. From ' +
    'your personal settings, enter Reset My Security Token in the Quick Find box, then select Reset My Security Token.',
  INVALID_OPERATION:
    'SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login().',
  INSUFFICIENT_ACCESS: 'To call login(), the user needs the Use Any API Auth user permission.',
  API_CURRENTLY_DISABLED: 'API is disabled for this User',
  API_DISABLED_FOR_ORG: 'API is not enabled for this Organization or Partner',
  UNSUPPORTED_API_VERSION: 'SOAP API login() is not available in API version 65.0 and later.'
};

function recordLogin(state: OrgState, userId: string, status: string, version: string): void {
  // INFERRED values: LoginHistory.Status texts such as 'Invalid Password' / 'Restricted IP' are what the Setup UI
  // shows; LoginType/ApiType for SOAP partner logins are unconfirmed.
  state.db.insert('LoginHistory', {
    UserId: userId,
    LoginTime: sfNow(),
    LoginType: 'Other Apex API',
    ApiType: 'SOAP Partner',
    ApiVersion: version,
    Status: status,
    SourceIp: state.settings.clientIp,
    Application: 'N/A'
  });
}

function loginResponse(state: OrgState, userId: string, version: string, baseUrl: string): EmulatorResponse {
  const user = state.db.get('User', userId);
  const org = state.db.all('Organization')[0];
  const creds = state.credentialsOf(userId);
  const sessionId = state.openSession(userId, 'soap');
  const org15 = state.orgId.slice(0, 15);
  const v = (name: string, value: unknown): string => `<${name}>${xmlEscape(text(value))}</${name}>`;
  const userInfo = [
    v('accessibilityMode', false),
    v('currencySymbol', '$'),
    v('orgAttachmentFileSizeLimit', 5242880),
    v('orgDefaultCurrencyIsoCode', 'USD'),
    v('orgDisallowHtmlAttachments', false),
    v('orgHasPersonAccounts', false),
    v('organizationId', state.orgId),
    v('organizationMultiCurrency', false),
    v('organizationName', org?.Name),
    v('profileId', user?.ProfileId),
    '<roleId xsi:nil="true"/>',
    v('sessionSecondsValid', 7200),
    v('userDefaultCurrencyIsoCode', ''),
    v('userEmail', user?.Email),
    v('userFullName', user?.Name),
    v('userId', userId),
    v('userLanguage', user?.LanguageLocaleKey),
    v('userLocale', user?.LocaleSidKey),
    v('userName', user?.Username),
    v('userTimeZone', user?.TimeZoneSidKey),
    v('userType', 'Standard'),
    v('userUiSkin', 'Theme3')
  ].join('');
  const body =
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ENVELOPE_NS}" ` +
    'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
    '<loginResponse><result>' +
    v('metadataServerUrl', `${baseUrl}/services/Soap/m/${version}/${org15}`) +
    v('passwordExpired', creds?.passwordExpired ?? false) +
    v('sandbox', org?.IsSandbox === true) +
    v('serverUrl', `${baseUrl}/services/Soap/u/${version}/${org15}`) +
    v('sessionId', sessionId) +
    v('userId', userId) +
    `<userInfo>${userInfo}</userInfo>` +
    '</result></loginResponse></soapenv:Body></soapenv:Envelope>';
  return { status: 200, headers: { 'Content-Type': 'text/xml;charset=UTF-8' }, body };
}

/**
 * SOAP partner `login()` with the checks a real org makes, in this order (the order is INFERRED; every code is
 * documented): API version (≥ 65.0 has no login()), unknown user, the org's "Enable SOAP API login()" switch
 * (INVALID_OPERATION), inactive user, profile login IP ranges (INVALID_LOGIN, LoginHistory "Restricted IP"),
 * password and security token (INVALID_LOGIN / LOGIN_MUST_USE_SECURITY_TOKEN), API Enabled, and Use Any API Auth
 * when enforced (INSUFFICIENT_ACCESS).
 */
export function partnerLogin(state: OrgState, xml: string, version: string, baseUrl: string): EmulatorResponse {
  if (!/<(?:[\w-]+:)?Envelope[\s>]/.test(xml) || !/<\/(?:[\w-]+:)?Envelope>/.test(xml)) {
    return soapFault('UNKNOWN_EXCEPTION', 'Premature end of file.', 'UnexpectedErrorFault');
  }
  if (!/<(?:[\w-]+:)?login[\s>]/.test(xml)) {
    return soapFault(
      'UNKNOWN_EXCEPTION',
      'The emulator implements only login() on the partner endpoint.',
      'UnexpectedErrorFault'
    );
  }
  if (Number(version) >= 65) return soapFault('UNSUPPORTED_API_VERSION', LOGIN_MESSAGES.UNSUPPORTED_API_VERSION);
  const username = xmlValue(xml, 'username') ?? '';
  const password = xmlValue(xml, 'password') ?? '';
  const user = state.userByUsername(username);
  if (!user) return soapFault('INVALID_LOGIN', LOGIN_MESSAGES.INVALID_LOGIN);
  if (!state.settings.apiEnabled) return soapFault('API_DISABLED_FOR_ORG', LOGIN_MESSAGES.API_DISABLED_FOR_ORG);
  if (!state.settings.soapLoginEnabled) {
    recordLogin(state, user.Id, 'Failed: SOAP API login() disabled', version);
    return soapFault('INVALID_OPERATION', LOGIN_MESSAGES.INVALID_OPERATION);
  }
  if (user.IsActive !== true) {
    recordLogin(state, user.Id, 'User is Inactive', version);
    return soapFault('INVALID_LOGIN', LOGIN_MESSAGES.INVALID_LOGIN);
  }
  const ip = state.settings.clientIp;
  const profileRanges = state.loginIpRanges(user.Id);
  const inProfileRange = profileRanges.some((r) => ipInRange(ip, r.start, r.end));
  if (profileRanges.length > 0 && !inProfileRange) {
    recordLogin(state, user.Id, 'Restricted IP', version);
    return soapFault('INVALID_LOGIN', LOGIN_MESSAGES.INVALID_LOGIN);
  }
  const trusted = inProfileRange || state.settings.trustedIpRanges.some((r) => ipInRange(ip, r.start, r.end));
  const creds = state.credentialsOf(user.Id);
  const expected = creds?.password;
  const withToken = expected !== undefined && password === `${expected}${creds?.securityToken ?? ''}`;
  const bare = expected !== undefined && password === expected;
  if (!(withToken || (trusted && bare))) {
    if (bare && !trusted) {
      recordLogin(state, user.Id, 'Failed: Computer activation required', version);
      return soapFault('LOGIN_MUST_USE_SECURITY_TOKEN', LOGIN_MESSAGES.LOGIN_MUST_USE_SECURITY_TOKEN);
    }
    recordLogin(state, user.Id, 'Invalid Password', version);
    return soapFault('INVALID_LOGIN', LOGIN_MESSAGES.INVALID_LOGIN);
  }
  const permissions = state.effectivePermissions(user.Id);
  if (!permissions.has('PermissionsApiEnabled')) {
    recordLogin(state, user.Id, 'Failed: API disabled for user', version);
    return soapFault('API_CURRENTLY_DISABLED', LOGIN_MESSAGES.API_CURRENTLY_DISABLED);
  }
  if (state.settings.useAnyApiAuthEnforced && !permissions.has('PermissionsUseAnyApiAuth')) {
    recordLogin(state, user.Id, 'Failed: Use Any API Auth required', version);
    return soapFault('INSUFFICIENT_ACCESS', LOGIN_MESSAGES.INSUFFICIENT_ACCESS);
  }
  recordLogin(state, user.Id, 'Success', version);
  state.db.update('User', user.Id, { LastLoginDate: sfNow() });
  return loginResponse(state, user.Id, version, baseUrl);
}

/** The partner SOAP endpoint (`/services/Soap/u/NN.N[/orgId]`): login(). */
export function soapModule(): EmulatorModule {
  const handler = (ctx: { state: OrgState; text(): string; params: Record<string, string>; baseUrl: string }) =>
    partnerLogin(ctx.state, ctx.text(), ctx.params.ver, ctx.baseUrl);
  return {
    name: 'soap-partner',
    routes: [
      { method: 'POST', path: '/services/Soap/u/:ver', auth: 'none', handler },
      { method: 'POST', path: '/services/Soap/u/:ver/:orgId', auth: 'none', handler }
    ]
  };
}
