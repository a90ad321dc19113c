/**
 * The local SCIM target in a child process (`provisio scim-target --memory --port 0`), for callers whose own thread
 * blocks while they call it: the Apex runtime's callouts are synchronous (apex/bridge/syncHttp.ts), so the server
 * they reach cannot share that thread's event loop. Tokens go to the child through its environment, never argv.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ADMIN_TOKEN_ENV, TOKEN_ENV } from './command';

export interface ScimTargetProcess {
  /** SCIM base URL (`http://127.0.0.1:<port>/scim/v2`). */
  url: string;
  /** Admin API base (`.../admin`): faults, requests, reset, stats. */
  adminUrl: string;
  token: string;
  adminToken: string;
  /** Calls the admin API (JSON in and out). */
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Calls the SCIM API with the bearer token (JSON out). */
  scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15000;

/** Starts the target and resolves once it listens; rejects with its stderr if it does not come up. */
export async function startScimTargetProcess(options: {
  token: string;
  adminToken?: string;
}): Promise<ScimTargetProcess> {
  const cli = resolve(__dirname, '..', '..', 'bin', 'provisio.js');
  const compiled = resolve(__dirname, '..', '..', 'dist', 'cli.js');
  if (!existsSync(compiled)) throw new Error(`the CLI is not built (${compiled} is missing): run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'provisio-scim-'));
  const readyFile = join(dir, 'ready.json');
  const adminToken = options.adminToken ?? `${options.token}-admin`;
  const child = spawn(
    process.execPath,
    [cli, 'scim-target', '--memory', '--port', '0', '--host', '127.0.0.1', '--ready-file', readyFile],
    {
      env: { ...process.env, [TOKEN_ENV]: options.token, [ADMIN_TOKEN_ENV]: adminToken, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe']
    }
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const info = await waitForReady(child, readyFile, () => stderr).catch((error: unknown) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const call = async (base: string, bearer: string, method: string, path: string, body?: unknown, type = 'json') => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { 'content-type': `application/${type}` })
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10000)
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
  return {
    url: info.url,
    adminUrl: info.adminUrl,
    token: options.token,
    adminToken,
    admin: async (method, path, body) => {
      const result = await call(info.adminUrl, adminToken, method, path, body);
      if (result.status >= 300) throw new Error(`admin ${method} ${path}: HTTP ${result.status}`);
      return result.body;
    },
    scim: (method, path, body) => call(info.url, options.token, method, path, body, 'scim+json'),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function waitForReady(
  child: ChildProcess,
  readyFile: string,
  stderr: () => string
): Promise<{ url: string; adminUrl: string }> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the SCIM target exited (${child.exitCode}): ${stderr().trim()}`);
    if (existsSync(readyFile)) {
      try {
        return JSON.parse(readFileSync(readyFile, 'utf8')) as { url: string; adminUrl: string };
      } catch {
        // written but not complete yet
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the SCIM target did not start within ${READY_TIMEOUT_MS} ms: ${stderr().trim()}`);
}
