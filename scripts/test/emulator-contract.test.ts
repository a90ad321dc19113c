/**
 * Contract tests: the emulator answers with the same shapes as real Salesforce samples, and the clients parse the
 * real samples. Every sample is in scripts/test/fixtures with its .source.txt (provenance). Labels:
 * REAL = captured from a live org; FIXTURE = library fixture that looks captured; DOC = documentation example;
 * PARTIAL = cut off (shape hints only); INFERRED = our reconstruction.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Emulator, startEmulator } from '../src/emulator/server';
import { createZip } from '../src/org/zip';
import { outcomeOf, parseSoapFault, probeSoapLogin } from '../src/org/soapLogin';

const FIXTURES = join(__dirname, 'fixtures');
const fixture = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');
const recorded = (path: string): unknown => {
  const doc = JSON.parse(fixture(path)) as { exchanges: Array<{ response_body: unknown }> };
  return doc.exchanges[0].response_body;
};

/** The structure of a JSON value: object keys (recursively), array element shape, and primitive types. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  }
  return value === null ? 'null' : typeof value;
}

/** Keys of `sample` (recursively) that `actual` lacks. Nulls in either match any type. */
function missingKeys(sample: unknown, actual: unknown, path = ''): string[] {
  if (sample === null || actual === null || sample === undefined) return [];
  if (Array.isArray(sample)) {
    return Array.isArray(actual) && sample.length && actual.length
      ? missingKeys(sample[0], actual[0], `${path}[0]`)
      : [];
  }
  if (typeof sample === 'object') {
    if (!actual || typeof actual !== 'object') return [`${path} (not an object)`];
    return Object.keys(sample).flatMap((k) =>
      k in (actual as Record<string, unknown>)
        ? missingKeys((sample as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${path}.${k}`)
        : [`${path}.${k}`]
    );
  }
  return typeof sample === typeof actual ? [] : [`${path} (${typeof actual} instead of ${typeof sample})`];
}

/** The element names of an XML document in order (namespace prefixes dropped). */
function elementNames(xml: string): string[] {
  return [...xml.matchAll(/<([\w-]+:)?([\w-]+)[\s>/]/g)].map((m) => m[2]).filter((n) => n !== 'xml');
}

describe('emulator contract against real samples', () => {
  let emulator: Emulator;
  let token: string;
  const rest = async (
    path: string,
    init: RequestInit = {}
  ): Promise<{ status: number; body: unknown; text: string }> => {
    const res = await fetch(`${emulator.url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) }
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // XML or text
    }
    return { status: res.status, body, text };
  };

  beforeAll(async () => {
    emulator = await startEmulator();
    token = emulator.state.openSession(emulator.state.adminUserId, 'seed');
  });
  afterAll(() => emulator.close());

  it('REAL oauth2/userinfo: the emulator has every field of the captured document', async () => {
    const sample = recorded('rest/nango/oauth2_userinfo.json');
    const actual = (await rest('/services/oauth2/userinfo')).body;
    expect(missingKeys(sample, actual)).toEqual([]);
  });

  it('REAL query of Users with Profile.Name: same record shape, relationship nested with attributes', async () => {
    const sample = recorded('rest/nango/query_User_list.json') as { records: Array<Record<string, unknown>> };
    const soql =
      'SELECT Id, Username, Email, FirstName, LastName, IsActive, ProfileId, Profile.Name, SystemModstamp FROM User ORDER BY SystemModstamp ASC';
    const actual = (await rest(`/services/data/v59.0/query?q=${encodeURIComponent(soql)}`)).body as {
      records: Array<Record<string, unknown>>;
    };
    const withProfile = sample.records.find((r) => r.Profile !== null);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(sample).sort());
    expect(Object.keys(actual.records[0])).toEqual(Object.keys(sample.records[0]));
    expect(shape(actual.records[0].Profile)).toEqual(shape(withProfile?.Profile));
    expect(shape(actual.records[0].attributes)).toEqual(shape(sample.records[0].attributes));
  });

  it('REAL /services/data version list: same entry shape; labels follow the real release names', async () => {
    const sample = recorded('rest/nango/services_data_versions.json') as Array<{ label: string; version: string }>;
    const actual = (await rest('/services/data')).body as Array<{ label: string; version: string }>;
    expect(shape(actual[0])).toEqual(shape(sample[0]));
    for (const v of actual) {
      const real = sample.find((s) => s.version === v.version);
      // The real list has one typographic apostrophe (Spring ‘18); compare without apostrophes.
      if (real) expect(v.label.replace(/['‘’]/g, '')).toBe(real.label.replace(/['‘’]/g, ''));
    }
  });

  it('REAL GET User record: the emulator returns attributes and the core User fields', async () => {
    const sample = recorded('rest/nango/get_User_record.json') as Record<string, unknown>;
    const actual = (await rest(`/services/data/v60.0/sobjects/User/${emulator.state.adminUserId}`)).body as Record<
      string,
      unknown
    >;
    const core = [
      'attributes',
      'Id',
      'Username',
      'LastName',
      'FirstName',
      'Name',
      'Email',
      'Alias',
      'IsActive',
      'ProfileId',
      'UserType',
      'TimeZoneSidKey',
      'LocaleSidKey',
      'EmailEncodingKey',
      'LanguageLocaleKey'
    ];
    for (const key of core) {
      expect(key in sample).toBe(true);
      expect(key in actual).toBe(true);
    }
    expect(shape(actual.attributes)).toEqual(shape(sample.attributes));
  });

  it('FIXTURE (likely real) INVALID_SESSION_ID body: identical', async () => {
    const sample = JSON.parse(fixture('rest/restforce/expired_session_response.json')) as unknown;
    emulator.state.sessions.delete(token);
    try {
      const res = await rest('/services/data/v66.0/query?q=SELECT+Id+FROM+User');
      expect(res.status).toBe(401);
      expect(res.body).toEqual(sample);
    } finally {
      token = emulator.state.openSession(emulator.state.adminUserId, 'seed');
    }
  });

  it('REAL sObject Collections error entry: statusCode/message/fields per record', async () => {
    const sample = recorded('rest/nango/composite_sobjects_update_INVALID_CROSS_REFERENCE_KEY.json') as unknown[];
    const res = await rest('/services/data/v66.0/composite/sobjects', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ records: [{ attributes: { type: 'User' }, Id: '005000000000001AAA', LastName: 'x' }] })
    });
    expect(shape((res.body as unknown[])[0])).toMatchObject({
      success: 'boolean',
      errors: [{ statusCode: 'string', message: 'string' }]
    });
    expect(missingKeys(sample[0], (res.body as unknown[])[0]).filter((k) => !k.startsWith('.id'))).toEqual([]);
  });

  it('FIXTURE (likely real) composite responses: success with Location, allOrNone failure rolls back with PROCESSING_HALTED', async () => {
    const success = JSON.parse(fixture('rest/other/composite_response_success__camel.json')) as {
      compositeResponse: unknown[];
    };
    const failure = JSON.parse(fixture('rest/other/composite_response_failure__camel.json')) as {
      compositeResponse: Array<{ body: unknown[] }>;
    };
    const post = (allOrNone: boolean, second: Record<string, unknown>) =>
      rest('/services/data/v66.0/composite', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          allOrNone,
          compositeRequest: [
            {
              method: 'POST',
              url: '/services/data/v66.0/sobjects/PermissionSet',
              referenceId: 'ps',
              body: { Name: `Composite_${allOrNone}`, Label: 'C' }
            },
            {
              method: 'GET',
              url: '/services/data/v66.0/sobjects/PermissionSet/@{ps.id}',
              referenceId: 'read',
              ...second
            }
          ]
        })
      });
    const ok = (await post(false, {})).body as {
      compositeResponse: Array<{ httpStatusCode: number; httpHeaders: Record<string, string> }>;
    };
    expect(shape(ok.compositeResponse[0])).toEqual({
      ...(shape(success.compositeResponse[0]) as object),
      body: { id: 'string', success: 'boolean', errors: [] }
    });
    expect(ok.compositeResponse[0].httpHeaders.Location).toMatch(/\/sobjects\/PermissionSet\/0PS/);
    expect(ok.compositeResponse[1].httpStatusCode).toBe(200);
    const bad = (await post(true, { url: '/services/data/v66.0/sobjects/PermissionSet/0PS000000000000AAA' })).body as {
      compositeResponse: Array<{ body: unknown[]; httpStatusCode: number }>;
    };
    expect(bad.compositeResponse[0]).toEqual(
      failure.compositeResponse[0] && { ...failure.compositeResponse[0], referenceId: 'ps' }
    );
    expect(bad.compositeResponse[1].httpStatusCode).toBe(404);
    expect(emulator.state.db.where('PermissionSet', (p) => p.Name === 'Composite_true')).toHaveLength(0);
  });

  it('INFERRED envelope, REAL text: DUPLICATE_USERNAME message is the attested one', async () => {
    const evidence = JSON.parse(fixture('rest/rest_error_evidence.json')) as Record<string, { verbatim_text?: string }>;
    const admin = emulator.state.db.get('User', emulator.state.adminUserId);
    const res = await rest('/services/data/v66.0/sobjects/User', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        Username: admin?.Username,
        LastName: 'x',
        Email: 'x@example.com',
        Alias: 'x',
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: admin?.ProfileId
      })
    });
    expect(res.body).toEqual([
      { message: evidence.DUPLICATE_USERNAME.verbatim_text, errorCode: 'DUPLICATE_USERNAME', fields: ['Username'] }
    ]);
  });

  describe('SOAP login()', () => {
    const login = (
      username: string,
      password: string,
      version = '64.0'
    ): Promise<{ status: number; body: unknown; text: string }> =>
      rest(`/services/Soap/u/${version}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', SOAPAction: 'login' },
        body: `<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>${username}</n1:username><n1:password>${password}</n1:password></n1:login></env:Body></env:Envelope>`
      });

    it('FIXTURE INVALID_LOGIN fault: same envelope structure (faultcode with the sf: prefix the docs show)', async () => {
      emulator.state.settings.soapLoginEnabled = true;
      const sample = fixture('soap/login_fault_INVALID_LOGIN_partner__simple-salesforce.xml');
      const res = await login('nobody@example.com', 'x');
      expect(res.status).toBe(500);
      expect(elementNames(res.text)).toEqual(elementNames(sample));
      expect(parseSoapFault(res.text)).toEqual(parseSoapFault(sample));
    });

    it('REAL enterprise INVALID_LOGIN capture (unprefixed faultcode) parses to the same code', () => {
      const real = parseSoapFault(fixture('soap/login_fault_INVALID_LOGIN_enterprise__apexsharp-issue20.xml'));
      expect(real?.code).toBe('INVALID_LOGIN');
      expect(outcomeOf(real?.code ?? '')).toBe('invalid-login');
    });

    it('REAL text (no captured envelope, envelope INFERRED): login() disabled is INVALID_OPERATION with that message', async () => {
      const text = fixture('soap/login_disabled_INVALID_OPERATION_message.txt');
      const message = /^exceptionMessage: (.*)$/m.exec(text)?.[1];
      emulator.state.settings.soapLoginEnabled = false;
      const admin = emulator.state.db.get('User', emulator.state.adminUserId);
      const res = await login(String(admin?.Username), 'whatever');
      expect(parseSoapFault(res.text)).toEqual({ code: 'INVALID_OPERATION', message });
      emulator.state.settings.soapLoginEnabled = true;
    });

    it('REAL UNKNOWN_EXCEPTION for a malformed request: same detail type (UnexpectedErrorFault)', async () => {
      const sample = fixture('soap/login_fault_UNKNOWN_EXCEPTION_malformed_request__postman-issue26.xml');
      const res = await rest('/services/Soap/u/64.0', {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        body: '<env:Envelope><broken'
      });
      expect(parseSoapFault(res.text)?.code).toBe('UNKNOWN_EXCEPTION');
      expect(elementNames(res.text)).toEqual(elementNames(sample));
    });

    it('REAL success response: the emulator has every element of the capture, plus userInfo (which jsforce needs)', async () => {
      const sample = fixture('soap/login_response_success_partner_sandbox__brsanthu-gist.xml');
      const admin = emulator.state.db.get('User', emulator.state.adminUserId);
      emulator.state.setPassword(String(admin?.Id), 'Emulat0r-pass');
      const creds = emulator.state.credentialsOf(String(admin?.Id));
      const res = await login(String(admin?.Username), `Emulat0r-pass${creds?.securityToken ?? ''}`);
      expect(res.status).toBe(200);
      const names = elementNames(res.text);
      for (const el of elementNames(sample)) expect(names).toContain(el);
      expect(names).toContain('organizationId');
      const probe = await probeSoapLogin({
        instanceUrl: emulator.url,
        username: String(admin?.Username),
        password: `Emulat0r-pass${creds?.securityToken ?? ''}`,
        apiVersion: '66.0'
      });
      expect(probe).toMatchObject({ outcome: 'ok', apiVersion: '64.0', passwordExpired: false });
    });
  });

  it('every SOAP login() fault the tooling diagnoses, through the real probe client', async () => {
    const st = emulator.state;
    const std = st.profileByName('Standard User');
    const user = st.createUser({
      Username: 'faults@provisio.example',
      LastName: 'F',
      Email: 'f@example.com',
      Alias: 'f',
      TimeZoneSidKey: 'GMT',
      LocaleSidKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      ProfileId: std?.Id
    });
    st.setPassword(user.Id, 'Faults-pass1');
    const token = st.credentialsOf(user.Id)?.securityToken ?? '';
    const probe = (password: string, apiVersion = '64.0') =>
      probeSoapLogin({ instanceUrl: emulator.url, username: 'faults@provisio.example', password, apiVersion });
    st.settings.soapLoginEnabled = true;
    st.settings.useAnyApiAuthEnforced = true;
    const cases: Array<[string, () => void, string, string]> = [
      ['no Use Any API Auth', () => undefined, `Faults-pass1${token}`, 'INSUFFICIENT_ACCESS'],
      ['not enforced', () => (st.settings.useAnyApiAuthEnforced = false), `Faults-pass1${token}`, 'ok'],
      ['wrong token', () => undefined, 'Faults-pass1WRONG', 'INVALID_LOGIN'],
      ['no token', () => undefined, 'Faults-pass1', 'LOGIN_MUST_USE_SECURITY_TOKEN'],
      [
        'trusted network',
        () => (st.settings.trustedIpRanges = [{ start: '127.0.0.0', end: '127.0.0.255' }]),
        'Faults-pass1',
        'ok'
      ],
      ['switch off', () => (st.settings.soapLoginEnabled = false), `Faults-pass1${token}`, 'INVALID_OPERATION'],
      [
        'API off for the org',
        () => ((st.settings.soapLoginEnabled = true), (st.settings.apiEnabled = false)),
        `Faults-pass1${token}`,
        'API_DISABLED_FOR_ORG'
      ],
      [
        'inactive user',
        () => ((st.settings.apiEnabled = true), st.updateUser(user.Id, { IsActive: false })),
        `Faults-pass1${token}`,
        'INVALID_LOGIN'
      ]
    ];
    for (const [name, arrange, password, expected] of cases) {
      arrange();
      const result = await probe(password);
      expect([name, result.code ?? result.outcome]).toEqual([name, expected]);
    }
    st.updateUser(user.Id, { IsActive: true });
    const v65 = await rest('/services/Soap/u/65.0', {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: '<e:Envelope xmlns:e="x"><e:Body><login><username>a</username><password>b</password></login></e:Body></e:Envelope>'
    });
    expect(outcomeOf(parseSoapFault(v65.text)?.code ?? '')).toBe('unsupported-version');
    st.resetPassword(user.Id);
    st.setPassword(user.Id, 'Faults-pass2');
    expect((await probe('Faults-pass2')).outcome).toBe('ok');
    st.settings.trustedIpRanges = [];
    st.settings.useAnyApiAuthEnforced = true;
    expect(outcomeOf('API_CURRENTLY_DISABLED')).toBe('api-disabled');
  });

  describe('Metadata API', () => {
    const soap = (op: string): Promise<{ text: string }> =>
      rest('/services/Soap/m/66.0', {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        body: `<?xml version="1.0"?><se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header><SessionHeader><sessionId>${token}</sessionId></SessionHeader></se:Header><se:Body xmlns="http://soap.sforce.com/2006/04/metadata">${op}</se:Body></se:Envelope>`
      });

    it('FIXTURE deployResponse (Queued) and checkDeployStatus InProgress / Succeeded / Failed: same element order', async () => {
      const zip = createZip({
        'package.xml': '<Package/>',
        'permissionsets/X.permissionset-meta.xml': '<PermissionSet/>'
      }).toString('base64');
      const deployed = await soap(
        `<deploy><ZipFile>${zip}</ZipFile><DeployOptions><rollbackOnError>true</rollbackOnError></DeployOptions></deploy>`
      );
      expect(elementNames(deployed.text)).toEqual(
        elementNames(fixture('metadata/deployResponse_Queued__simple-salesforce.xml'))
      );
      const id = /<id>([^<]+)<\/id>/.exec(deployed.text)?.[1] ?? '';
      const progress = await soap(
        `<checkDeployStatus><asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails></checkDeployStatus>`
      );
      expect(elementNames(progress.text)).toEqual(
        elementNames(fixture('metadata/checkDeployStatus_InProgress__simple-salesforce.xml'))
      );
      const done = await soap(
        `<checkDeployStatus><asyncProcessId>${id}</asyncProcessId><includeDetails>true</includeDetails></checkDeployStatus>`
      );
      // Same distinct elements in the same order (the sample lists five components, the emulator one).
      const distinct = (names: string[]): string[] => names.filter((n, i) => names.indexOf(n) === i);
      expect(distinct(elementNames(done.text))).toEqual(
        distinct(elementNames(fixture('metadata/checkDeployStatus_Succeeded_settings__simple-salesforce.xml')))
      );
      const noPackage = await soap(
        `<deploy><ZipFile>${createZip({ 'a/b.txt': 'x' }).toString('base64')}</ZipFile></deploy>`
      );
      const failedId = /<id>([^<]+)<\/id>/.exec(noPackage.text)?.[1] ?? '';
      await soap(
        `<checkDeployStatus><asyncProcessId>${failedId}</asyncProcessId><includeDetails>true</includeDetails></checkDeployStatus>`
      );
      const failed = await soap(
        `<checkDeployStatus><asyncProcessId>${failedId}</asyncProcessId><includeDetails>true</includeDetails></checkDeployStatus>`
      );
      const sample = fixture('metadata/checkDeployStatus_Failed_no_package_xml__simple-salesforce.xml');
      expect(elementNames(failed.text)).toEqual(elementNames(sample));
      expect(/<problem>([^<]*)<\/problem>/.exec(failed.text)?.[1]).toBe(
        /<problem>([^<]*)<\/problem>/.exec(sample)?.[1]
      );
    });
  });

  describe('SCIM', () => {
    it('REAL 409 without a profile entitlement: the exact body (schemas as a JSON string, status as a number)', async () => {
      const text = fixture('scim-salesforce/error_409_REQUIRED_FIELD_MISSING_no_profile_entitlement__entra-qna.txt');
      const sample = JSON.parse(/Web Response: (\{.*\})/.exec(text)?.[1] ?? '{}') as unknown;
      const request = JSON.parse(fixture('scim-salesforce/create_user_request__sf-help-doc.json')) as Record<
        string,
        unknown
      >;
      const res = await rest('/services/scim/v2/Users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ ...request, entitlements: [] })
      });
      expect(res.status).toBe(409);
      expect(res.body).toEqual(sample);
    });

    it('DOC create request (primary as the string "true") → 201 with every field the PARTIAL documented response shows', async () => {
      const request = JSON.parse(fixture('scim-salesforce/create_user_request__sf-help-doc.json')) as Record<
        string,
        unknown
      >;
      const profile = emulator.state.profileByName('System Administrator');
      const res = await rest('/services/scim/v2/Users', {
        method: 'POST',
        headers: { 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({ ...request, entitlements: [{ value: profile?.Id }] })
      });
      expect(res.status).toBe(201);
      // PARTIAL sample: only the keys visible before the cut are compared.
      const partial = fixture('scim-salesforce/create_user_response_201__sf-help-doc.PARTIAL.txt');
      const keys = [...partial.matchAll(/^ {2}"([\w$]+)":/gm)].map((m) => m[1]);
      expect(keys.length).toBeGreaterThan(10);
      for (const key of keys) expect(Object.keys(res.body as object)).toContain(key);
      const body = res.body as {
        userName: string;
        emails: Array<{ primary: unknown }>;
        entitlements: Array<Record<string, unknown>>;
      };
      expect(body.userName).toBe(String(request.userName).toLowerCase());
      expect(body.emails[0].primary).toBe(true);
      expect(body.entitlements[0]).toEqual({
        value: profile?.Id,
        $ref: `/Entitlements/${profile?.Id}`,
        display: 'System Administrator',
        type: 'Profile',
        primary: true
      });
    });

    it('PARTIAL ServiceProviderConfigs: the documented values (filter max 200, bulk off, patch on)', async () => {
      const partial = fixture('scim-salesforce/ServiceProviderConfigs__sf-help-doc.PARTIAL.txt');
      const json = partial.slice(partial.indexOf('{'), partial.indexOf('"changePassword"')).replace(/,\s*$/, '') + '}';
      const documented = JSON.parse(json) as Record<string, unknown>;
      const res = await rest('/services/scim/v2/ServiceProviderConfigs');
      expect(res.body).toMatchObject(documented);
    });
  });
});
