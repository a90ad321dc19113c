/**
 * The local SCIM target beyond the RFC: persistence across restarts, the admin API (fault injection per route and
 * per count, request recording), and how the CLI's SCIM client reports every fault kind.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ScimClient, ScimError } from '../src/scim/client';
import { ScimTarget, startScimTarget } from '../src/scim/server';
import { ScimStore } from '../src/scim/store';
import { runHandler } from '../src/cli/command';
import { scimTargetHandler } from '../src/scim/command';

const TOKEN = 'target-test-token-1';
const H = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/scim+json' };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scim-target-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function post(target: ScimTarget, path: string, body: unknown): Promise<Response> {
  return fetch(`${target.url}${path}`, { method: 'POST', headers: H, body: JSON.stringify(body) });
}

async function addFault(target: ScimTarget, fault: Record<string, unknown>, token = TOKEN): Promise<Response> {
  return fetch(`${target.adminUrl}/faults`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(fault)
  });
}

describe('persistence', () => {
  it('loses nothing across a clean restart or a crash (no close), and ignores a torn last journal line', async () => {
    const file = join(dir, 'data.json');
    const first = await startScimTarget({ token: TOKEN, dataFile: file });
    const created = (await (await post(first, '/Users', { userName: 'keep@example.com', active: true })).json()) as {
      id: string;
    };
    const group = (await (
      await post(first, '/Groups', { displayName: 'Pilot', members: [{ value: created.id }] })
    ).json()) as {
      id: string;
    };
    await fetch(`${first.url}/Users/${created.id}`, {
      method: 'PATCH',
      headers: H,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }]
      })
    });
    await first.close();
    expect(readFileSync(file, 'utf8')).not.toContain('password');

    const second = await startScimTarget({ token: TOKEN, dataFile: file });
    const user = (await (await fetch(`${second.url}/Users/${created.id}`, { headers: H })).json()) as {
      active: boolean;
      groups: unknown[];
    };
    expect(user.active).toBe(false);
    expect(user.groups).toEqual([expect.objectContaining({ value: group.id })]);
    // A "crash": the process state is dropped without close(); only the journal has the change.
    await post(second, '/Users', { userName: 'after-crash@example.com', password: 'never-stored-123' });
    const crashed = ScimStore.open(file);
    expect(crashed.userIdByName('after-crash@example.com')).toBeDefined();
    crashed.close();
    await second.close();

    appendFileSync(`${file}.journal`, '{"seq": 99, "op": "put", "ki');
    const third = ScimStore.open(file);
    expect(third.recovered.skippedTornLine).toBe(true);
    expect(third.users.size).toBe(2);
    third.close();
    expect(readFileSync(file, 'utf8')).not.toContain('never-stored-123');
  });

  it('refuses to start on a corrupt data file instead of starting empty', async () => {
    const file = join(dir, 'bad.json');
    appendFileSync(file, '{not json');
    await expect(startScimTarget({ token: TOKEN, dataFile: file })).rejects.toThrow(/not valid JSON/);
  });
});

describe('admin API and faults', () => {
  let target: ScimTarget;
  beforeEach(async () => {
    target = await startScimTarget({ token: TOKEN, adminToken: 'admin-token-9' });
  });
  afterEach(async () => {
    await target.close();
  });

  it('needs the admin token, validates faults, and lists/removes them', async () => {
    expect((await addFault(target, { kind: 'reset' })).status).toBe(401);
    const bad = await addFault(target, { kind: 'explode' }, 'admin-token-9');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/Unknown fault kind "explode"/);
    expect((await addFault(target, { kind: 'status' }, 'admin-token-9')).status).toBe(400);
    const malformed = await fetch(`${target.adminUrl}/faults`, {
      method: 'POST',
      headers: { Authorization: 'Bearer admin-token-9', 'Content-Type': 'application/json' },
      body: '{"kind": '
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/JSON/);
    const added = (await (await addFault(target, { kind: 'latency', ms: 1 }, 'admin-token-9')).json()) as {
      faults: Array<{ id: string }>;
    };
    const auth = { Authorization: 'Bearer admin-token-9' };
    expect(
      (await fetch(`${target.adminUrl}/faults/${added.faults[0].id}`, { method: 'DELETE', headers: auth })).status
    ).toBe(204);
    expect(
      ((await (await fetch(`${target.adminUrl}/faults`, { headers: auth })).json()) as { faults: unknown[] }).faults
    ).toEqual([]);
  });

  it('applies a fault only to its route, only `count` times, after `skip` requests, and records every request', async () => {
    target.faults.add({ kind: 'status', status: 500, method: 'POST', path: '/Users', count: 2, skip: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(target, '/Users', { userName: `u${i}@example.com` })).status);
    expect(statuses).toEqual([201, 500, 500, 201]);
    expect((await fetch(`${target.url}/Users`, { headers: H })).status).toBe(200);
    const recorded = (await (
      await fetch(`${target.adminUrl}/requests?method=POST`, { headers: { Authorization: 'Bearer admin-token-9' } })
    ).json()) as {
      requests: Array<{ status: number; faults: string[]; headers: Record<string, string>; body: unknown }>;
    };
    expect(recorded.requests.map((r) => r.status)).toEqual([201, 500, 500, 201]);
    expect(recorded.requests[1].faults).toEqual(['status']);
    expect(recorded.requests[0].headers.authorization).toBe('[REDACTED]');
    expect(recorded.requests[0].body).toEqual({ userName: 'u0@example.com' });
  });

  it('turns 409 into 400 (duplicate400), 201 into 200 (created200), and cuts bodies (truncated)', async () => {
    await post(target, '/Users', { userName: 'one@example.com' });
    target.faults.add({ kind: 'duplicate400', path: '/Users', count: 1 });
    const dup = await post(target, '/Users', { userName: 'one@example.com' });
    expect(dup.status).toBe(400);
    target.faults.add({ kind: 'created200', path: '/Users', count: 1 });
    expect((await post(target, '/Users', { userName: 'two@example.com' })).status).toBe(200);
    target.faults.add({ kind: 'truncated', path: '/Users', count: 1 });
    const cut = await post(target, '/Users', { userName: 'three@example.com' });
    expect(cut.status).toBe(201);
    await expect(cut.json()).rejects.toThrow();
  });
});

describe('rendering cache', () => {
  it('never serves a stale user after a PATCH or a group change', async () => {
    const target = await startScimTarget({ token: TOKEN });
    try {
      const { id } = (await (await post(target, '/Users', { userName: 'c@example.com', title: 'A' })).json()) as {
        id: string;
      };
      const get = async (): Promise<Record<string, unknown>> =>
        (await (await fetch(`${target.url}/Users/${id}`, { headers: H })).json()) as Record<string, unknown>;
      expect((await get()).title).toBe('A');
      expect((await get()).title).toBe('A');
      await fetch(`${target.url}/Users/${id}`, {
        method: 'PATCH',
        headers: H,
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'title', value: 'B' }]
        })
      });
      expect((await get()).title).toBe('B');
      await post(target, '/Groups', { displayName: 'G', members: [{ value: id }] });
      expect((await get()).groups).toEqual([expect.objectContaining({ display: 'G' })]);
    } finally {
      await target.close();
    }
  });
});

describe('the CLI SCIM client reports every fault kind clearly', () => {
  let target: ScimTarget;
  let client: ScimClient;
  let id: string;
  beforeAll(async () => {
    target = await startScimTarget({ token: TOKEN });
    id = (
      (await (await post(target, '/Users', { userName: 'probe@example.com', active: false })).json()) as { id: string }
    ).id;
  });
  afterAll(async () => {
    await target.close();
  });
  beforeEach(() => {
    target.faults.clear();
    client = new ScimClient(target.url, TOKEN, { timeoutMs: 400, maxRetries: 2 });
  });

  async function failure(fault: Record<string, unknown>): Promise<ScimError> {
    target.faults.add({ kind: 'reset', ...fault, path: '/Users/*' } as never);
    try {
      await client.getUser(id);
    } catch (error) {
      return error as ScimError;
    }
    throw new Error('expected the call to fail');
  }

  it.each([
    [{ kind: 'status', status: 500 }, 'TargetServerError', /HTTP 500: "Injected fault: HTTP 500\."/],
    [{ kind: 'status', status: 503, retryAfter: 0 }, 'TargetUnavailable', /answered 503 .* after 2 retries/],
    [{ kind: 'status', status: 429, retryAfter: 0 }, 'TargetRateLimited', /answered 429 .*Retry-After: 0/],
    [{ kind: 'timeout', ms: 5000 }, 'TargetTimeout', /did not answer GET .* within 0.4s/],
    [{ kind: 'reset' }, 'TargetConnectionReset', /reset the connection/],
    [{ kind: 'html' }, 'TargetAnsweredHtml', /HTML page \(HTTP 200\) instead of SCIM JSON/],
    [{ kind: 'truncated' }, 'TargetInvalidJson', /not valid JSON .*truncated/]
  ])('%j -> %s', async (fault, name, message) => {
    const error = await failure(fault);
    expect(error).toBeInstanceOf(ScimError);
    expect(error.name).toBe(name);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(TOKEN);
  });

  it('retries 429 after Retry-After and then succeeds', async () => {
    target.faults.add({ kind: 'status', status: 429, retryAfter: 0, path: '/Users/*', count: 1 });
    const notes: string[] = [];
    client = new ScimClient(target.url, TOKEN, { onRetry: (note) => notes.push(note) });
    expect((await client.getUser(id)).status).toBe(200);
    expect(notes[0]).toMatch(/answered 429; retrying in 0s/);
  });

  it('waits out latency, and reads string booleans', async () => {
    target.faults.add({ kind: 'latency', ms: 150, path: '/Users/*', count: 1 });
    target.faults.add({ kind: 'stringBooleans', path: '/Users/*', count: 1 });
    const started = Date.now();
    const user = await client.getUser(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(user.body.active).toBe('False');
  });

  it('says 401 for a wrong token, shows the target detail for a rejection, and says when the target is down', async () => {
    const wrong = new ScimClient(target.url, 'wrong-token-value');
    await expect(wrong.getUser(id)).rejects.toMatchObject({ name: 'TargetUnauthorized', status: 401, exitCode: 3 });
    await expect(client.request('POST', '/Users', { displayName: 'no userName' })).rejects.toMatchObject({
      name: 'TargetRejected',
      status: 400,
      message: expect.stringMatching(/rejected POST .* with HTTP 400.*: ".+"/) as unknown
    });
    const down = await startScimTarget({ token: TOKEN });
    const url = down.url;
    await down.close();
    await expect(new ScimClient(url, TOKEN).getUser(id)).rejects.toMatchObject({
      name: 'TargetUnreachable',
      exitCode: 3
    });
    expect(() => new ScimClient('not a url', TOKEN)).toThrow(/is not a URL/);
  });
});

describe('provisio scim-target', () => {
  it('reads the token from the environment, serves until interrupted, and reports what it saved', async () => {
    const stdout = new PassThrough();
    const ready = join(dir, 'ready.json');
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const running = runHandler(
      scimTargetHandler,
      { port: '0', host: '127.0.0.1', dataFile: join(dir, 'd.json'), readyFile: ready },
      { stdout, stderr: new PassThrough(), env: { PROVISIO_SCIM_TOKEN: TOKEN } }
    );
    let info: { url: string } | undefined;
    for (let i = 0; i < 100 && !info; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      try {
        info = JSON.parse(readFileSync(ready, 'utf8')) as { url: string };
      } catch {
        info = undefined;
      }
    }
    expect(info?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    const created = await fetch(`${info?.url}/Users`, {
      method: 'POST',
      headers: H,
      body: JSON.stringify({ userName: 'cli@example.com' })
    });
    expect(created.status).toBe(201);
    process.emit('SIGINT');
    expect(await running).toBe(0);
    expect(text).toMatch(/SCIM target listening at http:\/\/127\.0\.0\.1/);
    expect(text).toMatch(/Stopped; 1 users and 0 groups saved/);
    expect(text).not.toContain(TOKEN);
  });

  it('refuses to run without a token', async () => {
    const stdin = new PassThrough();
    stdin.end('');
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const code = await runHandler(
      scimTargetHandler,
      { port: '0', host: '127.0.0.1', dataFile: join(dir, 'd.json') },
      { stdout: new PassThrough(), stderr, env: {}, stdin }
    );
    expect(code).toBe(2);
    expect(text).toMatch(/No bearer token for the SCIM target given/);
  });
});
