import { Connection, Org } from '@salesforce/core';
import { Database } from '../src/emulator/db';
import { idSuffix, isSalesforceId, to18 } from '../src/emulator/ids';
import { Emulator, startEmulator } from '../src/emulator/server';
import { createEmulatorOrgAlias } from '../src/emulator/sfAuth';
import { tempSfHome } from './helpers/sfHome';
import { parseSoql, runSoql, SoqlError } from '../src/emulator/soql';
import { releaseLabel, versionList } from '../src/emulator/modules/rest';

describe('emulator ids', () => {
  it('computes the case-safe suffix Salesforce uses', () => {
    // A real 15/18 pair from the captured samples: 005dM00000aYaE3 / 005dM00000aYaE3QAK.
    expect(idSuffix('005dM00000aYaE3')).toBe('QAK');
    expect(to18('00edM00000Qj7rB')).toBe('00edM00000Qj7rBQAR');
    expect(isSalesforceId('005dM00000aYaE3QAK')).toBe(true);
    expect(isSalesforceId('005dM00000aYaE3QAA')).toBe(false);
  });
});

describe('SOQL subset', () => {
  const db = new Database();
  db.define({ name: 'Profile', fields: ['Name'] });
  db.define({
    name: 'User',
    fields: ['Username', 'IsActive', 'ProfileId', 'LastLoginDate', 'Age'],
    relationships: { Profile: { field: 'ProfileId', to: 'Profile' } }
  });
  const admin = db.insert('Profile', { Name: 'System Administrator' });
  const std = db.insert('Profile', { Name: 'Standard User' });
  db.insert('User', { Username: 'b@x.com', IsActive: true, ProfileId: admin.Id, Age: 30 });
  db.insert('User', { Username: 'a@x.com', IsActive: false, ProfileId: std.Id, Age: 20 });
  db.insert('User', { Username: 'c@y.com', IsActive: true, ProfileId: null, Age: 40 });

  const names = (soql: string): unknown[] =>
    runSoql(db, soql, '66.0').records.map((r) => r.Username ?? (r.Profile as { Name?: string } | null)?.Name);

  it('selects fields with relationship paths, nested like the REST API', () => {
    const out = runSoql(db, "SELECT Username, Profile.Name FROM User WHERE Username = 'b@x.com'", '66.0');
    expect(out.records).toEqual([
      {
        attributes: {
          type: 'User',
          url: expect.stringMatching(/^\/services\/data\/v66\.0\/sobjects\/User\/005/) as unknown
        },
        Username: 'b@x.com',
        Profile: {
          attributes: { type: 'Profile', url: `/services/data/v66.0/sobjects/Profile/${admin.Id}` },
          Name: 'System Administrator'
        }
      }
    ]);
    expect(runSoql(db, "SELECT Profile.Name FROM User WHERE Username = 'c@y.com'", '66.0').records[0].Profile).toBe(
      null
    );
  });

  it('filters with =, !=, IN, NOT IN, LIKE, AND/OR, NOT and relationship fields', () => {
    expect(names('SELECT Username FROM User WHERE IsActive = true ORDER BY Username')).toEqual(['b@x.com', 'c@y.com']);
    expect(names('SELECT Username FROM User WHERE IsActive != true')).toEqual(['a@x.com']);
    expect(names("SELECT Username FROM User WHERE Username IN ('a@x.com','c@y.com') ORDER BY Username DESC")).toEqual([
      'c@y.com',
      'a@x.com'
    ]);
    expect(names("SELECT Username FROM User WHERE Username NOT IN ('a@x.com')")).toEqual(['b@x.com', 'c@y.com']);
    expect(names("SELECT Username FROM User WHERE Username LIKE '%@X.COM' ORDER BY Username")).toEqual([
      'a@x.com',
      'b@x.com'
    ]);
    expect(names("SELECT Username FROM User WHERE (IsActive = false OR Age > 35) AND Username LIKE '_@%'")).toEqual([
      'a@x.com',
      'c@y.com'
    ]);
    expect(names("SELECT Username FROM User WHERE Profile.Name = 'Standard User'")).toEqual(['a@x.com']);
    expect(names('SELECT Username FROM User WHERE NOT (Age >= 30)')).toEqual(['a@x.com']);
    expect(names('SELECT Username FROM User WHERE ProfileId = null')).toEqual(['c@y.com']);
  });

  it('orders, limits, offsets and counts', () => {
    expect(names('SELECT Username FROM User ORDER BY Age DESC LIMIT 2')).toEqual(['c@y.com', 'b@x.com']);
    expect(names('SELECT Username FROM User ORDER BY Age LIMIT 1 OFFSET 1')).toEqual(['b@x.com']);
    expect(names('SELECT Username FROM User ORDER BY Profile.Name NULLS LAST')).toEqual([
      'a@x.com',
      'b@x.com',
      'c@y.com'
    ]);
    expect(names('SELECT Username FROM User ORDER BY Profile.Name DESC NULLS FIRST')).toEqual([
      'c@y.com',
      'b@x.com',
      'a@x.com'
    ]);
    expect(runSoql(db, 'SELECT COUNT() FROM User WHERE IsActive = true', '66.0')).toEqual({
      totalSize: 2,
      records: []
    });
  });

  it("rejects what Salesforce rejects, with Salesforce's codes and located messages", () => {
    const error = (soql: string): SoqlError => {
      try {
        runSoql(db, soql, '66.0');
      } catch (e) {
        return e as SoqlError;
      }
      throw new Error(`no error for ${soql}`);
    };
    const field = error('SELECT Id, Nope FROM User');
    expect(field.errorCode).toBe('INVALID_FIELD');
    expect(field.message).toContain("ERROR at Row:1:Column:12\nNo such column 'Nope' on entity 'User'.");
    expect(error('SELECT Id FROM ScratchOrgInfo').errorCode).toBe('INVALID_TYPE');
    expect(error('SELECT Id FROM User WHERE IsActive = true AND Age > 1 OR Age < 1').errorCode).toBe('MALFORMED_QUERY');
    expect(error("SELECT Id FROM User WHERE Username = 'x").errorCode).toBe('MALFORMED_QUERY');
    expect(error('SELECT Bogus.Name FROM User').message).toContain("Didn't understand relationship 'Bogus'");
    expect(() => parseSoql('SELECT Id FROM User LIMIT x')).toThrow(SoqlError);
  });
});

describe('REST API of the emulator', () => {
  let emulator: Emulator;
  let token: string;
  const call = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${emulator.url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) }
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json');
    return { status: res.status, body: text && json ? (JSON.parse(text) as unknown) : text || undefined };
  };

  beforeAll(async () => {
    emulator = await startEmulator();
    token = emulator.state.openSession(emulator.state.adminUserId, 'seed');
  });
  afterAll(() => emulator.close());

  it('lists API versions with release labels and accepts any version', async () => {
    expect(releaseLabel(31)).toBe("Summer '14");
    expect(releaseLabel(42)).toBe("Spring '18");
    expect(releaseLabel(66)).toBe("Spring '26");
    expect(versionList('66.0').at(-1)).toEqual({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
    expect((await call('/services/data/v42.0/query?q=SELECT+Id+FROM+Organization')).status).toBe(200);
  });

  it('answers a bad or expired token with 401 INVALID_SESSION_ID', async () => {
    const res = await fetch(`${emulator.url}/services/data/v66.0/query?q=SELECT+Id+FROM+User`, {
      headers: { Authorization: 'Bearer 00Dxx0000000000!nope' }
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('pages query results with nextRecordsUrl locators', async () => {
    emulator.state.settings.queryBatchSize = 2;
    try {
      const first = (await call('/services/data/v66.0/query?q=SELECT+Id+FROM+Profile')).body as {
        totalSize: number;
        done: boolean;
        nextRecordsUrl: string;
        records: unknown[];
      };
      expect(first.done).toBe(false);
      expect(first.records).toHaveLength(2);
      expect(first.nextRecordsUrl).toMatch(/^\/services\/data\/v66\.0\/query\/01g\w{12}-2$/);
      const second = (await call(first.nextRecordsUrl)).body as { done: boolean; records: unknown[] };
      expect(second.done).toBe(true);
      expect(first.records.length + second.records.length).toBe(first.totalSize);
    } finally {
      emulator.state.settings.queryBatchSize = 2000;
    }
  });

  it('creates, reads, updates users with the platform rules', async () => {
    const profile = emulator.state.profileByName('Standard User');
    const user = {
      Username: 'jane.rest@provisio-emulator.example',
      LastName: 'Rest',
      Email: 'jane@example.com',
      Alias: 'jrest',
      TimeZoneSidKey: 'Europe/Paris',
      LocaleSidKey: 'fr_FR',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'fr',
      ProfileId: profile?.Id
    };
    const created = await call('/services/data/v66.0/sobjects/User', { method: 'POST', body: JSON.stringify(user) });
    expect(created).toEqual({
      status: 201,
      body: { id: expect.stringMatching(/^005/) as unknown, success: true, errors: [] }
    });
    const id = (created.body as { id: string }).id;
    const duplicate = await call('/services/data/v66.0/sobjects/User', { method: 'POST', body: JSON.stringify(user) });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toEqual([
      expect.objectContaining({ errorCode: 'DUPLICATE_USERNAME', fields: ['Username'] })
    ]);
    const badName = await call('/services/data/v66.0/sobjects/User', {
      method: 'POST',
      body: JSON.stringify({ ...user, Username: 'not-an-email' })
    });
    expect(badName.body).toEqual([expect.objectContaining({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' })]);
    expect(
      (await call(`/services/data/v66.0/sobjects/User/${id}`, { method: 'PATCH', body: '{"IsActive":false}' })).status
    ).toBe(204);
    const read = (await call(`/services/data/v66.0/sobjects/User/${id}?fields=Username,IsActive`)).body;
    expect(read).toEqual({
      attributes: { type: 'User', url: `/services/data/v66.0/sobjects/User/${id}` },
      Id: id,
      Username: user.Username,
      IsActive: false
    });
    const removed = await call(`/services/data/v66.0/sobjects/User/${id}`, { method: 'DELETE' });
    expect(removed.body).toEqual([expect.objectContaining({ errorCode: 'DELETE_FAILED' })]);
    const notFound = await call('/services/data/v66.0/sobjects/User/005000000000000AAA');
    expect(notFound).toEqual({
      status: 404,
      body: [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]
    });
  });

  it('refuses users when no licence is left', async () => {
    emulator.state.setTotalLicenses('Salesforce', 0);
    try {
      const res = await call('/services/data/v66.0/sobjects/User', {
        method: 'POST',
        body: JSON.stringify({
          Username: 'nolicence@provisio-emulator.example',
          LastName: 'X',
          Email: 'x@example.com',
          Alias: 'x',
          TimeZoneSidKey: 'GMT',
          LocaleSidKey: 'en_US',
          EmailEncodingKey: 'UTF-8',
          LanguageLocaleKey: 'en_US',
          ProfileId: emulator.state.profileByName('Standard User')?.Id
        })
      });
      expect(res.body).toEqual([expect.objectContaining({ errorCode: 'LICENSE_LIMIT_EXCEEDED' })]);
    } finally {
      emulator.state.setTotalLicenses('Salesforce', 3);
    }
  });

  it('injects faults for scripted outages', async () => {
    emulator.state.injectFault({ path: /\/query$/, status: 503, body: 'Service Unavailable', times: 1 });
    expect((await call('/services/data/v66.0/query?q=SELECT+Id+FROM+User')).status).toBe(503);
    expect((await call('/services/data/v66.0/query?q=SELECT+Id+FROM+User')).status).toBe(200);
  });
});

describe('sf CLI org alias for the emulator', () => {
  it('authenticates through @salesforce/core with AuthInfo + alias in a temporary HOME', async () => {
    const emulator = await startEmulator();
    const home = tempSfHome();
    try {
      const { username } = await createEmulatorOrgAlias(emulator, 'emu-test');
      expect(username).toBe('admin@provisio-emulator.example');
      const org = await Org.create({ aliasOrUsername: 'emu-test' });
      expect(org.getOrgId()).toBe(emulator.state.orgId);
      const conn: Connection = org.getConnection('64.0');
      const result = await conn.query<{ Profile: { Name: string } }>(
        `SELECT Id, Profile.Name FROM User WHERE Username = '${username}'`
      );
      expect(result.records[0].Profile.Name).toBe('System Administrator');
    } finally {
      home.restore();
      await emulator.close();
    }
  });
});

describe('SCIM v2 of the emulator', () => {
  let emulator: Emulator;
  let token: string;
  const scim = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${emulator.url}/services/scim/v2${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };
  const at = (value: unknown, path: string): unknown =>
    path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], value);
  const create = (userName: string, extra: Record<string, unknown> = {}) =>
    scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName,
      name: { familyName: 'Scim' },
      emails: [{ value: 'scim@example.com', primary: true }],
      entitlements: [{ value: emulator.state.profileByName('Standard User')?.Id }],
      ...extra
    });

  beforeAll(async () => {
    emulator = await startEmulator();
    emulator.state.setTotalLicenses('Salesforce', 1000);
    token = emulator.state.openSession(emulator.state.adminUserId, 'seed');
  });
  afterAll(() => emulator.close());

  it('enforces email-form, unique usernames and only one profile, with the SCIM 409 error shape', async () => {
    expect(at((await create('not-an-email')).body, 'detail')).toMatch(/^FIELD_INTEGRITY_EXCEPTION:username_must_be/);
    expect((await create('dup@scim.example')).status).toBe(201);
    const dup = await create('DUP@scim.example');
    expect(dup).toMatchObject({
      status: 409,
      body: { status: 409, detail: expect.stringMatching(/^DUPLICATE_USERNAME:/) as unknown }
    });
    const admin = emulator.state.profileByName('System Administrator')?.Id;
    const two = await create('two@scim.example', {
      entitlements: [{ value: emulator.state.profileByName('Standard User')?.Id }, { value: admin }]
    });
    expect(two.status).toBe(409);
  });

  it('PATCH in the value-object and the path forms; DELETE deactivates; never deletes', async () => {
    const id = String(at((await create('patch@scim.example')).body, 'id'));
    const op = (operations: unknown[]) =>
      scim('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: operations
      });
    expect(at((await op([{ op: 'replace', value: { title: 'T1' } }])).body, 'title')).toBe('T1');
    expect(at((await op([{ op: 'Replace', path: 'name.familyName', value: 'Renamed' }])).body, 'name.familyName')).toBe(
      'Renamed'
    );
    expect(at((await op([{ op: 'replace', path: 'active', value: 'False' }])).body, 'active')).toBe(false);
    expect(at((await op([{ op: 'replace', value: { active: true } }])).body, 'active')).toBe(true);
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204);
    expect(at((await scim('GET', `/Users/${id}`)).body, 'active')).toBe(false);
    expect(emulator.state.db.get('User', id)).toBeDefined();
    expect((await scim('GET', '/Users/005000000000000AAA')).status).toBe(404);
  });

  it('filters (AND/OR left to right) and caps every page at 200 results', async () => {
    for (let i = 0; i < 205; i++) {
      emulator.state.createUser({
        Username: `bulk${i}@scim.example`,
        LastName: 'B',
        Email: 'b@example.com',
        Alias: 'b',
        TimeZoneSidKey: 'GMT',
        LocaleSidKey: 'en_US',
        EmailEncodingKey: 'UTF-8',
        LanguageLocaleKey: 'en_US',
        ProfileId: emulator.state.profileByName('Standard User')?.Id
      });
    }
    const page = await scim('GET', '/Users?count=500');
    expect(at(page.body, 'itemsPerPage')).toBe(200);
    expect(at(page.body, 'totalResults')).toBeGreaterThan(205);
    const second = await scim('GET', '/Users?startIndex=101&count=10');
    expect(second.body).toMatchObject({ startIndex: 101, itemsPerPage: 10 });
    const filtered = await scim('GET', `/Users?filter=${encodeURIComponent('userName sw "bulk1" and active eq true')}`);
    expect(at(filtered.body, 'totalResults')).toBe(111);
    const either = await scim(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "bulk1@scim.example" or userName eq "bulk2@scim.example"')}`
    );
    expect(at(either.body, 'totalResults')).toBe(2);
    expect((await scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`)).status).toBe(409);
    const ents = await scim('GET', '/Entitlements');
    expect((at(ents.body, 'Resources') as Array<{ type: string }>).map((e) => e.type)).toContain('Profile');
  });

  it('requires Manage Users to create', async () => {
    const min = emulator.state.profileByName('Minimum Access - Salesforce');
    const user = emulator.state.createUser({
      Username: 'nomanage@scim.example',
      LastName: 'N',
      Email: 'n@example.com',
      Alias: 'n',
      TimeZoneSidKey: 'GMT',
      LocaleSidKey: 'en_US',
      EmailEncodingKey: 'UTF-8',
      LanguageLocaleKey: 'en_US',
      ProfileId: min?.Id
    });
    const saved = token;
    token = emulator.state.openSession(user.Id, 'seed');
    try {
      expect((await create('blocked@scim.example')).status).toBe(403);
    } finally {
      token = saved;
    }
  });
});
