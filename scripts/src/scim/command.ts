import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { runHandler, withJson, CommandContext, CommandOutcome } from '../cli/command';
import { ExitCode, ProvisioError, usageError } from '../cli/errors';
import { readSecret } from '../cli/secrets';
import { StoreCorruptError } from './store';
import { FAULT_KINDS } from './faults';

export interface ScimTargetCommandOptions {
  json?: boolean;
  port: string;
  host: string;
  dataFile: string;
  memory?: boolean;
  fsync?: boolean;
  readyFile?: string;
}

export const TOKEN_ENV = 'PROVISIO_SCIM_TOKEN';
export const ADMIN_TOKEN_ENV = 'PROVISIO_SCIM_ADMIN_TOKEN';

/** `provisio scim-target`: runs the local SCIM 2.0 target until Ctrl-C (or SIGTERM). */
export async function scimTargetHandler(
  options: ScimTargetCommandOptions,
  context: CommandContext
): Promise<CommandOutcome> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw usageError(`--port must be 0-65535, not "${options.port}".`);
  const token = await readSecret({
    envVar: TOKEN_ENV,
    what: 'bearer token for the SCIM target',
    stdin: context.stdin,
    env: context.env,
    prompt: (text) => process.stderr.write(text)
  });
  const adminToken = context.env[ADMIN_TOKEN_ENV] || undefined;
  const dataFile = options.memory ? undefined : resolve(options.dataFile);
  let target;
  try {
    const { startScimTarget } = await import('./server');
    target = await startScimTarget({ token, adminToken, dataFile, fsync: options.fsync, host: options.host, port });
  } catch (error) {
    if (error instanceof StoreCorruptError)
      throw new ProvisioError('DataFileCorrupt', error.message, { exitCode: ExitCode.USAGE });
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw usageError(`Port ${port} on ${options.host} is already in use.`, [
        'Pick another --port, or --port 0 for any free one.'
      ]);
    }
    throw error;
  }
  const info = {
    url: target.url,
    adminUrl: target.adminUrl,
    dataFile: dataFile ?? null,
    users: target.store.users.size,
    groups: target.store.groups.size
  };
  if (options.readyFile)
    writeFileSync(options.readyFile, JSON.stringify({ ...info, pid: process.pid }), { mode: 0o600 });
  context.out.log(`SCIM target listening at ${context.out.style('bold', target.url)}`);
  context.out.log(`  data:   ${dataFile ?? 'memory only (lost on exit)'} (${info.users} users, ${info.groups} groups)`);
  context.out.log(
    `  admin:  ${target.adminUrl}/faults, /requests, /reset, /stats (bearer ${adminToken ? ADMIN_TOKEN_ENV : TOKEN_ENV})`
  );
  context.out.log('  Press Ctrl-C to stop.');
  const onTerm = (): void => {
    if (!context.signal.aborted) process.emit('SIGINT');
  };
  process.on('SIGTERM', onTerm);
  try {
    await new Promise<void>((resolveStop) => {
      if (context.signal.aborted) resolveStop();
      context.signal.addEventListener('abort', () => resolveStop(), { once: true });
    });
  } finally {
    process.removeListener('SIGTERM', onTerm);
    await target.close();
  }
  context.out.log(`Stopped; ${target.store.users.size} users and ${target.store.groups.size} groups saved.`);
  return { result: { ...info, users: target.store.users.size, groups: target.store.groups.size, stopped: true } };
}

export function register(program: Command): void {
  withJson(
    program
      .command('scim-target')
      .description(
        'Run a local SCIM 2.0 target (SCIMMY) on 127.0.0.1 for development and tests: Users, Groups, filter, paging, ' +
          'PATCH, bearer auth (token from ' +
          `${TOKEN_ENV} or stdin), persistence to a file, request recording and fault injection through ` +
          `its admin API (fault kinds: ${FAULT_KINDS.join(', ')}).`
      )
      .option('-p, --port <port>', 'Port (0 = any free port).', '8080')
      .addOption(new Option('--host <host>', 'Interface to listen on.').default('127.0.0.1'))
      .option('--data-file <path>', 'Where users and groups are kept (plus <path>.journal).', '.tmp/scim-target.json')
      .option('--memory', 'Keep data in memory only.', false)
      .option('--fsync', 'fsync every change (survives power loss; slower).', false)
      .option('--ready-file <path>', 'Write {url, adminUrl, pid} as JSON here once listening (for scripts).')
  ).action(async (options: ScimTargetCommandOptions) => {
    process.exitCode = await runHandler(scimTargetHandler, options);
  });
}
