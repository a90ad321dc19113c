/**
 * The emulator's Bulk API 2.0 query-job module and Connect API named-credential module, driven over HTTP the way
 * the tooling calls them (ref-orgapi.md §4 and §5).
 */
import { Emulator, startEmulator } from '../src/emulator/server';
import { bulk2State } from '../src/emulator/modules/bulk2';
import { connectState, MASK } from '../src/emulator/modules/namedCredentials';

let emulator: Emulator;
let headers: Record<string, string>;

beforeAll(async () => {
  emulator = await startEmulator();
  for (const name of ['b@example.com', 'c@example.com'])
    emulator.state.db.insert('User', { Username: name, LastName: 'X', IsActive: true });
  headers = {
    Authorization: `Bearer ${emulator.state.openSession(emulator.state.adminUserId, 'seed')}`,
    'Content-Type': 'application/json'
  };
});
afterAll(async () => {
  await emulator.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  version = '66.0'
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(`${emulator.url}/services/data/v${version}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

describe('Bulk API 2.0 query jobs', () => {
  it('goes UploadComplete -> InProgress -> JobComplete, pages with the locator, lists, aborts and deletes', async () => {
    bulk2State(emulator.state).settings.pollsBeforeComplete = 1;
    const job = (
      await call('POST', '/jobs/query', {
        operation: 'query',
        query: 'SELECT Id, Username, Profile.Name FROM User ORDER BY Username'
      })
    ).body as {
      id: string;
      state: string;
      object: string;
    };
    expect(job).toMatchObject({ state: 'UploadComplete', object: 'User' });
    expect(
      ((await call('GET', `/jobs/query/${job.id}/results`)).body as Array<{ errorCode: string }>)[0].errorCode
    ).toBe('INVALIDJOBSTATE');
    expect(((await call('GET', `/jobs/query/${job.id}`)).body as { state: string }).state).toBe('InProgress');
    const done = (await call('GET', `/jobs/query/${job.id}`)).body as {
      state: string;
      numberRecordsProcessed: number;
      jobType: string;
    };
    expect(done).toMatchObject({ state: 'JobComplete', jobType: 'V2Query' });
    const users = emulator.state.db.all('User').length;
    expect(done.numberRecordsProcessed).toBe(users);
    const first = await call('GET', `/jobs/query/${job.id}/results?maxRecords=1`);
    expect(first.headers.get('content-type')).toMatch(/text\/csv/);
    expect(String(first.body).split('\n')[0]).toBe('"Id","Username","Profile.Name"');
    expect(first.headers.get('sforce-numberofrecords')).toBe('1');
    const locator = String(first.headers.get('sforce-locator'));
    expect(locator).not.toBe('null');
    const rest = await call('GET', `/jobs/query/${job.id}/results?maxRecords=1000&locator=${locator}`);
    expect(rest.headers.get('sforce-locator')).toBe('null');
    expect(rest.headers.get('sforce-numberofrecords')).toBe(String(users - 1));
    expect(
      ((await call('GET', '/jobs/query')).body as { records: Array<{ id: string }> }).records.map((r) => r.id)
    ).toContain(job.id);
    expect((await call('PATCH', `/jobs/query/${job.id}`, { state: 'Aborted' })).status).toBe(400);
    const other = (await call('POST', '/jobs/query', { operation: 'queryAll', query: 'SELECT Id FROM User' })).body as {
      id: string;
    };
    expect(
      ((await call('PATCH', `/jobs/query/${other.id}`, { state: 'Aborted' })).body as { state: string }).state
    ).toBe('Aborted');
    expect((await call('DELETE', `/jobs/query/${other.id}`)).status).toBe(204);
    expect((await call('GET', `/jobs/query/${other.id}`)).status).toBe(404);
  });

  it('rejects bad jobs with Salesforce-style errors', async () => {
    expect(
      (
        (await call('POST', '/jobs/query', { operation: 'upsert', query: 'SELECT Id FROM User' })).body as Array<{
          errorCode: string;
        }>
      )[0].errorCode
    ).toBe('INVALIDJOB');
    const bad = await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT Nope FROM User' });
    expect(bad.status).toBe(400);
    expect((bad.body as Array<{ errorCode: string }>)[0].errorCode).toBe('INVALID_FIELD');
    expect(
      (
        (await call('POST', '/jobs/query', { operation: 'query', query: 'SELECT COUNT() FROM User' })).body as Array<{
          errorCode: string;
        }>
      )[0].errorCode
    ).toBe('INVALIDJOB');
  });
});

describe('Connect API named credentials', () => {
  it('creates external and named credentials, stores secrets masked, PATCHes Custom only, gates by version', async () => {
    expect(
      (
        await call(
          'POST',
          '/named-credentials/external-credentials',
          { developerName: 'Old', authenticationProtocol: 'Custom' },
          '57.0'
        )
      ).status
    ).toBe(404);
    const ec = await call('POST', '/named-credentials/external-credentials', {
      developerName: 'App_Auth',
      masterLabel: 'App',
      authenticationProtocol: 'Custom',
      principals: [{ principalName: 'Main', principalType: 'NamedPrincipal', sequenceNumber: 1 }]
    });
    expect(ec.status).toBe(201);
    expect(
      (
        await call('POST', '/named-credentials/external-credentials', {
          developerName: 'app_auth',
          authenticationProtocol: 'Custom'
        })
      ).status
    ).toBe(400);
    const nc = await call('POST', '/named-credentials/named-credential-setup', {
      developerName: 'App',
      calloutUrl: 'https://app.example.com/scim/v2',
      externalCredentials: [{ developerName: 'App_Auth' }]
    });
    expect(nc.status).toBe(201);
    expect(
      (
        await call('POST', '/named-credentials/named-credential-setup', {
          developerName: 'X',
          calloutUrl: 'https://x',
          externalCredentials: [{ developerName: 'Ghost' }]
        })
      ).status
    ).toBe(400);
    const input = {
      externalCredential: 'App_Auth',
      principalName: 'Main',
      principalType: 'NamedPrincipal',
      authenticationProtocol: 'Custom'
    };
    const token = (value: string): Record<string, unknown> => ({ Token: { value, encrypted: true } });
    const send = async (method: string, credentials: Record<string, unknown>, version?: string): Promise<number> =>
      (await call(method, '/named-credentials/credential', { ...input, credentials }, version)).status;
    expect(await send('POST', { ...token('first-secret'), User: { value: 'bot', encrypted: false } })).toBe(201);
    expect(await send('POST', token('x'))).toBe(400);
    expect(await send('PATCH', token('second-secret'), '58.0')).toBe(404);
    expect(await send('PATCH', token('second-secret'))).toBe(200);
    const stored = [...connectState(emulator.state).credentials.values()][0];
    expect(stored.credentials).toEqual({
      Token: { value: 'second-secret', encrypted: true },
      User: { value: 'bot', encrypted: false }
    });
    const query = '?externalCredential=App_Auth&principalName=Main&principalType=NamedPrincipal';
    const read = await call('GET', `/named-credentials/credential${query}`);
    expect(read.body).toMatchObject({
      authenticationStatus: 'Configured',
      credentials: { Token: { value: MASK, encrypted: true }, User: { value: 'bot' } }
    });
    expect(JSON.stringify(read.body)).not.toContain('second-secret');
    expect(await send('PUT', token('third'))).toBe(200);
    expect([...connectState(emulator.state).credentials.values()][0].credentials).toEqual({
      Token: { value: 'third', encrypted: true }
    });
    expect(
      (
        await call(
          'GET',
          '/named-credentials/credential?externalCredential=Ghost&principalType=NamedPrincipal&principalName=Main'
        )
      ).status
    ).toBe(404);
    const external = (await call('GET', '/named-credentials/external-credentials/App_Auth')).body as {
      principals: Array<{ authenticationStatus: string }>;
      relatedNamedCredentials: unknown[];
    };
    expect(external.principals[0].authenticationStatus).toBe('Configured');
    expect(external.relatedNamedCredentials).toEqual([{ developerName: 'App', masterLabel: 'App' }]);
    expect((await call('DELETE', `/named-credentials/credential${query}`)).status).toBe(204);
    expect((await call('GET', `/named-credentials/credential${query}`)).status).toBe(404);
  });
});
