/**
 * RFC 7643 / RFC 7644 conformance of the local SCIM target (scripts/src/scim/server.ts).
 *
 * The server claims in its ServiceProviderConfig: patch, filter (maxResults 200) and sort supported; bulk, etag and
 * changePassword not supported. This suite checks the MUSTs (and the SHALLs) of the sections behind those claims:
 * RFC 7644 §3.1/§3.3 (create), §3.4.1 (retrieve), §3.4.2 (query: filter, sort, paging, attributes), §3.4.3
 * (POST .search), §3.5.1 (PUT), §3.5.2 (PATCH), §3.6 (DELETE), §3.7 (bulk not supported => 501), §3.9
 * (attributes/excludedAttributes), §3.12 (errors), §4 (discovery endpoints), and RFC 7643 §3.1 (common
 * attributes), §4.1 (User), §4.2 (Group), §5 (ServiceProviderConfig), §6 (ResourceTypes), §7 (Schemas).
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any --
   the suite reads SCIM JSON of many shapes; typing every response would hide the assertions. */
import { ScimTarget, startScimTarget } from '../src/scim/server';

const TOKEN = 'conformance-token-123';
const SCIM = 'application/scim+json';
let target: ScimTarget;

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

async function call(method: string, path: string, body?: unknown, token = TOKEN): Promise<Answer> {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': SCIM, Accept: SCIM },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function newUser(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Bea', familyName: userName.split('@')[0] },
    displayName: `Bea ${userName}`,
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra
  };
}

function expectError(answer: Answer, status: number, scimType?: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/application\/scim\+json/);
  expect(answer.body.schemas).toEqual([ERROR_SCHEMA]);
  // RFC 7644 §3.12: "status" is the HTTP status code as a string.
  expect(answer.body.status).toBe(String(status));
  if (scimType) expect(answer.body.scimType).toBe(scimType);
}

beforeAll(async () => {
  target = await startScimTarget({ token: TOKEN });
});

afterAll(async () => {
  await target.close();
});

beforeEach(() => {
  target.store.clear();
});

describe('RFC 7644 §2 authentication', () => {
  it('answers 401 with a SCIM error and WWW-Authenticate for a missing or wrong token', async () => {
    const wrong = await call('GET', '/Users', undefined, 'not-the-token');
    expectError(wrong, 401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const none = await fetch(`${target.url}/Users`);
    expect(none.status).toBe(401);
  });
});

describe('RFC 7644 §3.3 create', () => {
  it('answers 201 with the resource, id, meta and a Location header equal to meta.location', async () => {
    const created = await call(
      'POST',
      '/Users',
      newUser('ada@example.com', { id: 'client-chosen', password: 'p4ssw0rd!' })
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/application\/scim\+json/);
    expect(created.body.schemas).toContain(USER_SCHEMA);
    expect(typeof created.body.id).toBe('string');
    // RFC 7643 §3.1: id is assigned by the service provider; a client-supplied id is ignored.
    expect(created.body.id).not.toBe('client-chosen');
    expect(created.body.meta.resourceType).toBe('User');
    expect(Date.parse(created.body.meta.created)).not.toBeNaN();
    expect(Date.parse(created.body.meta.lastModified)).not.toBeNaN();
    expect(created.body.meta.location).toBe(`${target.url}/Users/${created.body.id}`);
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    // RFC 7643 §4.1.1: password is returned "never".
    expect(created.body.password).toBeUndefined();
    expect(created.body.userName).toBe('ada@example.com');
  });

  it('answers 409 uniqueness for a duplicate userName, compared case-insensitively (caseExact=false)', async () => {
    expect((await call('POST', '/Users', newUser('dup@example.com'))).status).toBe(201);
    expectError(await call('POST', '/Users', newUser('DUP@example.com')), 409, 'uniqueness');
  });

  it('answers 400 for a body that is not JSON and for a user without the required userName', async () => {
    const response = await fetch(`${target.url}/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': SCIM },
      body: '{"userName": '
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { schemas: string[] }).schemas).toEqual([ERROR_SCHEMA]);
    expectError(await call('POST', '/Users', { schemas: [USER_SCHEMA], displayName: 'no name' }), 400);
  });

  it('keeps the enterprise extension attributes', async () => {
    const created = await call('POST', '/Users', {
      ...newUser('ext@example.com'),
      schemas: [USER_SCHEMA, ENTERPRISE],
      [ENTERPRISE]: { department: 'Finance', employeeNumber: '42' }
    });
    expect(created.status).toBe(201);
    expect(created.body.schemas).toContain(ENTERPRISE);
    expect(created.body[ENTERPRISE].department).toBe('Finance');
  });
});

describe('RFC 7644 §3.4.1 retrieve', () => {
  it('answers 200 with the resource, and 404 with a SCIM error for an unknown id', async () => {
    const created = await call('POST', '/Users', newUser('get@example.com'));
    const got = await call('GET', `/Users/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body.id).toBe(created.body.id);
    expect(got.body.userName).toBe('get@example.com');
    expectError(await call('GET', '/Users/does-not-exist'), 404);
  });
});

describe('RFC 7644 §3.4.2 query', () => {
  beforeEach(async () => {
    for (const [name, active, dept] of [
      ['alice@example.com', true, 'Sales'],
      ['bob@example.com', false, 'Sales'],
      ['carol@corp.test', true, 'IT'],
      ['dave@corp.test', true, 'IT'],
      ['erin@example.com', false, 'HR']
    ] as const) {
      const answer = await call('POST', '/Users', {
        ...newUser(name, { active, title: dept }),
        schemas: [USER_SCHEMA, ENTERPRISE],
        [ENTERPRISE]: { department: dept }
      });
      expect(answer.status).toBe(201);
    }
  });

  it('returns a ListResponse with totalResults, startIndex, itemsPerPage and Resources', async () => {
    const list = await call('GET', '/Users');
    expect(list.status).toBe(200);
    expect(list.body.schemas).toEqual([LIST_SCHEMA]);
    expect(list.body.totalResults).toBe(5);
    expect(list.body.startIndex).toBe(1);
    expect(list.body.itemsPerPage).toBe(5);
    expect(list.body.Resources).toHaveLength(5);
  });

  it.each([
    ['userName eq "alice@example.com"', ['alice@example.com']],
    ['userName eq "ALICE@EXAMPLE.COM"', ['alice@example.com']],
    ['USERNAME eq "alice@example.com"', ['alice@example.com']],
    ['userName ne "alice@example.com"', ['bob@example.com', 'carol@corp.test', 'dave@corp.test', 'erin@example.com']],
    ['userName co "corp"', ['carol@corp.test', 'dave@corp.test']],
    ['userName sw "b"', ['bob@example.com']],
    ['userName ew ".test"', ['carol@corp.test', 'dave@corp.test']],
    ['title pr', ['alice@example.com', 'bob@example.com', 'carol@corp.test', 'dave@corp.test', 'erin@example.com']],
    ['active eq false', ['bob@example.com', 'erin@example.com']],
    ['active eq true and title eq "IT"', ['carol@corp.test', 'dave@corp.test']],
    ['title eq "HR" or userName sw "a"', ['alice@example.com', 'erin@example.com']],
    ['not (active eq true)', ['bob@example.com', 'erin@example.com']],
    ['emails[type eq "work" and value co "corp"]', ['carol@corp.test', 'dave@corp.test']],
    ['emails.value ew "example.com"', ['alice@example.com', 'bob@example.com', 'erin@example.com']],
    ['emails[value co "CORP"]', ['carol@corp.test', 'dave@corp.test']],
    [`${ENTERPRISE}:department eq "Sales"`, ['alice@example.com', 'bob@example.com']],
    [
      'meta.lastModified gt "2000-01-01T00:00:00Z"',
      ['alice@example.com', 'bob@example.com', 'carol@corp.test', 'dave@corp.test', 'erin@example.com']
    ],
    ['meta.created lt "2000-01-01T00:00:00Z"', []]
  ])('filter %s', async (filter, expected) => {
    const list = await call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(expected.length);
    expect((list.body.Resources as Array<{ userName: string }>).map((u) => u.userName).sort()).toEqual(expected);
  });

  it('compares caseExact attributes (externalId) with case', async () => {
    await call('POST', '/Users', newUser('ext-case@example.com', { externalId: 'Ext-1' }));
    const exact = await call('GET', `/Users?filter=${encodeURIComponent('externalId eq "Ext-1"')}`);
    expect(exact.body.totalResults).toBe(1);
    const other = await call('GET', `/Users?filter=${encodeURIComponent('externalId eq "ext-1"')}`);
    expect(other.body.totalResults).toBe(0);
  });

  it('answers 400 invalidFilter for a malformed filter', async () => {
    expectError(await call('GET', `/Users?filter=${encodeURIComponent('userName zz "x"')}`), 400, 'invalidFilter');
    expectError(await call('GET', `/Users?filter=${encodeURIComponent('(userName eq "x"')}`), 400, 'invalidFilter');
  });

  it('pages with 1-based startIndex and count, totalResults counting every match (Express 5 quirk fixed)', async () => {
    const page1 = await call('GET', '/Users?sortBy=userName&startIndex=1&count=2');
    expect(page1.body.totalResults).toBe(5);
    expect(page1.body.startIndex).toBe(1);
    expect(page1.body.itemsPerPage).toBe(2);
    expect(page1.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      'alice@example.com',
      'bob@example.com'
    ]);
    const page3 = await call('GET', '/Users?sortBy=userName&startIndex=5&count=2');
    expect(page3.body.Resources.map((u: { userName: string }) => u.userName)).toEqual(['erin@example.com']);
    expect(page3.body.itemsPerPage).toBe(1);
    // §3.4.2.4: startIndex < 1 is interpreted as 1; count 0 returns only totalResults; negative count as 0.
    expect((await call('GET', '/Users?startIndex=0&count=1')).body.startIndex).toBe(1);
    const zero = await call('GET', '/Users?count=0');
    expect(zero.body.totalResults).toBe(5);
    expect(zero.body.Resources ?? []).toHaveLength(0);
    expect((await call('GET', '/Users?count=-3')).body.Resources ?? []).toHaveLength(0);
    // maxResults (200) caps count.
    expect((await call('GET', '/Users?count=100000')).body.Resources).toHaveLength(5);
  });

  it('sorts by sortBy in sortOrder (§3.4.2.3)', async () => {
    const descending = await call('GET', '/Users?sortBy=userName&sortOrder=descending');
    expect(descending.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      'erin@example.com',
      'dave@corp.test',
      'carol@corp.test',
      'bob@example.com',
      'alice@example.com'
    ]);
  });

  it('honours attributes and excludedAttributes, always returning id and schemas (§3.9)', async () => {
    const only = await call('GET', '/Users?attributes=userName&filter=userName%20eq%20%22alice@example.com%22');
    const user = only.body.Resources[0];
    expect(user.userName).toBe('alice@example.com');
    expect(user.id).toBeDefined();
    expect(user.schemas).toBeDefined();
    expect(user.displayName).toBeUndefined();
    const without = await call('GET', `/Users/${user.id}?excludedAttributes=displayName`);
    expect(without.body.displayName).toBeUndefined();
    expect(without.body.userName).toBe('alice@example.com');
  });

  it('searches with POST /.search and a SearchRequest (§3.4.3)', async () => {
    const found = await call('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'active eq false',
      sortBy: 'userName',
      startIndex: 1,
      count: 10
    });
    expect(found.status).toBe(200);
    expect(found.body.schemas).toEqual([LIST_SCHEMA]);
    expect(found.body.Resources.map((u: { userName: string }) => u.userName)).toEqual([
      'bob@example.com',
      'erin@example.com'
    ]);
  });
});

describe('RFC 7644 §3.4.3 search from the root', () => {
  it('searches every resource type with POST /.search', async () => {
    await call('POST', '/Users', newUser('root-search@example.com'));
    await call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Root Search Group' });
    const found = await call('POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'meta.created pr'
    });
    expect(found.status).toBe(200);
    expect(found.body.schemas).toEqual([LIST_SCHEMA]);
    expect(found.body.totalResults).toBe(2);
    expect(
      (found.body.Resources as Array<{ meta: { resourceType: string } }>).map((r) => r.meta.resourceType).sort()
    ).toEqual(['Group', 'User']);
  });
});

describe('RFC 7644 §3.5.1 replace (PUT)', () => {
  it('replaces the resource, keeps id and created, moves lastModified, and 409s on a taken userName', async () => {
    const a = await call('POST', '/Users', newUser('put@example.com', { title: 'Old' }));
    await call('POST', '/Users', newUser('taken@example.com'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const replaced = await call('PUT', `/Users/${a.body.id}`, newUser('put@example.com', { displayName: 'New Name' }));
    expect(replaced.status).toBe(200);
    expect(replaced.body.id).toBe(a.body.id);
    expect(replaced.body.title).toBeUndefined();
    expect(replaced.body.displayName).toBe('New Name');
    expect(replaced.body.meta.created).toBe(a.body.meta.created);
    expect(Date.parse(replaced.body.meta.lastModified)).toBeGreaterThan(Date.parse(a.body.meta.lastModified));
    expectError(await call('PUT', `/Users/${a.body.id}`, newUser('TAKEN@example.com')), 409, 'uniqueness');
    expectError(await call('PUT', '/Users/nope', newUser('nope@example.com')), 404);
  });
});

describe('RFC 7644 §3.5.2 modify (PATCH)', () => {
  it('applies replace, add and remove, with and without a path, and returns the resource', async () => {
    const a = await call('POST', '/Users', newUser('patch@example.com', { title: 'Engineer' }));
    const patched = await call('PATCH', `/Users/${a.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'replace', path: 'active', value: false },
        { op: 'add', value: { nickName: 'Bee' } },
        { op: 'remove', path: 'title' },
        { op: 'add', path: 'emails', value: [{ value: 'home@example.net', type: 'home' }] },
        { op: 'replace', path: 'name.givenName', value: 'Beatrice' }
      ]
    });
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
    expect(patched.body.nickName).toBe('Bee');
    expect(patched.body.title).toBeUndefined();
    expect(patched.body.name.givenName).toBe('Beatrice');
    expect(patched.body.emails.map((e: { value: string }) => e.value).sort()).toEqual([
      'home@example.net',
      'patch@example.com'
    ]);
    // Operation names are case-insensitive (Entra sends "Replace").
    const reactivated = await call('PATCH', `/Users/${a.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'Replace', path: 'active', value: true }]
    });
    expect(reactivated.body.active).toBe(true);
    expect((await call('GET', `/Users/${a.body.id}`)).body.active).toBe(true);
  });

  it('removes a value with a value filter path', async () => {
    const a = await call(
      'POST',
      '/Users',
      newUser('vf@example.com', {
        emails: [
          { value: 'a@x.test', type: 'work' },
          { value: 'b@x.test', type: 'home' }
        ]
      })
    );
    const patched = await call('PATCH', `/Users/${a.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: 'emails[type eq "home"]' }]
    });
    expect(patched.body.emails.map((e: { value: string }) => e.value)).toEqual(['a@x.test']);
  });

  it('answers 400 (noTarget / invalidSyntax / invalidValue) for bad operations and changes nothing (atomic)', async () => {
    const a = await call('POST', '/Users', newUser('bad@example.com', { title: 'Keep' }));
    expectError(
      await call('PATCH', `/Users/${a.body.id}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove' }] }),
      400,
      'noTarget'
    );
    expectError(
      await call('PATCH', `/Users/${a.body.id}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'jump', path: 'title' }]
      }),
      400,
      'invalidSyntax'
    );
    expectError(await call('PATCH', `/Users/${a.body.id}`, { schemas: [PATCH_SCHEMA] }), 400);
    const partial = await call('PATCH', `/Users/${a.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [
        { op: 'replace', path: 'title', value: 'Changed' },
        { op: 'replace', path: 'active', value: 'not-a-boolean' }
      ]
    });
    expectError(partial, 400, 'invalidValue');
    expect((await call('GET', `/Users/${a.body.id}`)).body.title).toBe('Keep');
    expectError(
      await call('PATCH', '/Users/nope', {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'title', value: 'x' }]
      }),
      404
    );
  });

  it('rejects Entra-style string booleans unless the stringBooleans fault is on', async () => {
    const a = await call('POST', '/Users', newUser('entra@example.com'));
    const entra = { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] };
    expectError(await call('PATCH', `/Users/${a.body.id}`, entra), 400, 'invalidValue');
    target.faults.add({ kind: 'stringBooleans', method: 'PATCH', path: '/Users/*', count: 1 });
    const accepted = await call('PATCH', `/Users/${a.body.id}`, entra);
    expect(accepted.status).toBe(200);
    expect(accepted.body.active).toBe('False');
    expect((await call('GET', `/Users/${a.body.id}`)).body.active).toBe(false);
  });
});

describe('RFC 7644 §3.6 delete', () => {
  it('answers 204, then 404 on GET and on a second DELETE', async () => {
    const a = await call('POST', '/Users', newUser('del@example.com'));
    const deleted = await fetch(`${target.url}/Users/${a.body.id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${TOKEN}` }
    });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expectError(await call('GET', `/Users/${a.body.id}`), 404);
    expectError(await call('DELETE', `/Users/${a.body.id}`), 404);
  });
});

describe('RFC 7643 §4.2 Groups', () => {
  it('creates groups with members, reflects them in User.groups, patches members, and drops deleted users', async () => {
    const u1 = await call('POST', '/Users', newUser('g1@example.com'));
    const u2 = await call('POST', '/Users', newUser('g2@example.com'));
    const group = await call('POST', '/Groups', {
      schemas: [GROUP_SCHEMA],
      displayName: 'Pilot',
      members: [{ value: u1.body.id }]
    });
    expect(group.status).toBe(201);
    expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([u1.body.id]);
    expect(group.headers.get('location')).toBe(group.body.meta.location);
    expect((await call('GET', `/Users/${u1.body.id}`)).body.groups).toEqual([
      expect.objectContaining({ value: group.body.id, display: 'Pilot' })
    ]);
    const added = await call('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'add', path: 'members', value: [{ value: u2.body.id }] }]
    });
    expect(added.body.members.map((m: { value: string }) => m.value).sort()).toEqual([u1.body.id, u2.body.id].sort());
    const removed = await call('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'remove', path: `members[value eq "${u1.body.id}"]` }]
    });
    expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([u2.body.id]);
    await call('DELETE', `/Users/${u2.body.id}`);
    expect((await call('GET', `/Groups/${group.body.id}`)).body.members ?? []).toEqual([]);
    expectError(
      await call('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Bad', members: [{ value: 'ghost' }] }),
      400,
      'invalidValue'
    );
    const filtered = await call('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Pilot"')}`);
    expect(filtered.body.totalResults).toBe(1);
  });
});

describe('RFC 7644 §4 discovery, RFC 7643 §5-7', () => {
  it('ServiceProviderConfig states what is supported, and only that', async () => {
    const config = await call('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(config.body.patch.supported).toBe(true);
    expect(config.body.filter).toEqual({ supported: true, maxResults: 200 });
    expect(config.body.sort.supported).toBe(true);
    expect(config.body.bulk.supported).toBe(false);
    expect(config.body.etag.supported).toBe(false);
    expect(config.body.changePassword.supported).toBe(false);
    expect(config.body.authenticationSchemes).toEqual([expect.objectContaining({ type: 'oauthbearertoken' })]);
  });

  it('bulk is not supported, so /Bulk answers 501', async () => {
    expectError(
      await call('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }),
      501
    );
  });

  it('ResourceTypes lists User (with the enterprise extension) and Group', async () => {
    const types = await call('GET', '/ResourceTypes');
    expect(types.status).toBe(200);
    const resources = types.body.Resources as Array<{
      name: string;
      endpoint: string;
      schema: string;
      schemaExtensions?: Array<{ schema: string }>;
    }>;
    const user = resources.find((r) => r.name === 'User');
    expect(user).toMatchObject({ endpoint: '/Users', schema: USER_SCHEMA });
    expect(user?.schemaExtensions?.map((e) => e.schema)).toEqual([ENTERPRISE]);
    expect(resources.find((r) => r.name === 'Group')).toMatchObject({ endpoint: '/Groups', schema: GROUP_SCHEMA });
    expect((await call('GET', '/ResourceTypes/User')).body.name).toBe('User');
  });

  it('Schemas describes User, Group and the enterprise extension', async () => {
    const schemas = await call('GET', '/Schemas');
    const ids = (schemas.body.Resources as Array<{ id: string }>).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE]));
    const user = await call('GET', `/Schemas/${USER_SCHEMA}`);
    expect((user.body.attributes as Array<{ name: string }>).map((a) => a.name)).toContain('userName');
  });

  it('answers 404 with a SCIM error for unknown endpoints', async () => {
    expectError(await call('GET', '/Nope'), 404);
  });
});
