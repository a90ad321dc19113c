import { Command, Option } from 'commander';
import { CommandContext, CommandOutcome, runHandler, withJson, withOrgFlags } from '../cli/command';
import { ExitCode, usageError } from '../cli/errors';
import { readSecret } from '../cli/secrets';
import { orgHttp } from './orgHttp';
import { writeEvidence } from './report';
import { runSf } from './sf';
import { CONNECTED_APP_PACKAGE, PACKAGED_CONNECTED_APP, PACKAGED_FLOW } from './packages';
import { OutboundDriver, pilotUsersFromCsv, planOutboundConnectedApp, setupOutbound, Stage } from './setup';
import { OutboundValidation, ValidateOutboundOptions } from './validate';
import { join, resolve } from 'node:path';

export const TARGET_TOKEN_ENV = 'PROVISIO_TARGET_TOKEN';

interface SetupCommandOptions {
  json?: boolean;
  targetOrg?: string;
  apiVersion?: string;
  target: string;
  url?: string;
  stage?: Stage;
  pilotUsers?: string;
  pilotCsv?: string;
  deploy?: boolean;
  driver?: OutboundDriver;
  connectedApp?: string;
  flow?: string;
  dryRun?: boolean;
  targetCheck: boolean;
  grantTo: string;
  integrationUser?: string;
}

async function readTargetToken(context: CommandContext): Promise<string> {
  return readSecret({
    envVar: TARGET_TOKEN_ENV,
    what: 'bearer token of the SCIM target',
    stdin: context.stdin,
    env: context.env,
    prompt: (text) => process.stderr.write(text)
  });
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`--url "${url}" is not a URL.`, [
      'Pass the SCIM base URL, for example https://app.example.com/scim/v2'
    ]);
  }
  if (parsed.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
    throw usageError(`--url must use https (Salesforce callouts to a real target need TLS): ${url}`);
  }
}

export async function setupOutboundHandler(
  options: SetupCommandOptions,
  context: CommandContext
): Promise<CommandOutcome> {
  if (options.url) checkUrl(options.url);
  const pilotUsers = [
    ...(options.pilotUsers
      ? options.pilotUsers
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean)
      : []),
    ...(options.pilotCsv ? pilotUsersFromCsv(options.pilotCsv) : [])
  ];
  if (options.dryRun) {
    const changing = (
      [
        ['--url', options.url],
        ['--stage', options.stage],
        ['--pilot-users', options.pilotUsers],
        ['--pilot-csv', options.pilotCsv],
        ['--deploy', options.deploy],
        ['--integration-user', options.integrationUser]
      ] as Array<[string, unknown]>
    ).filter(([, value]) => Boolean(value));
    if (options.driver !== 'connected-app' || changing.length > 0) {
      throw usageError('--dry-run goes with --driver connected-app alone (it shows what that driver would change).', [
        changing.length > 0 ? `Leave out ${changing.map(([flag]) => flag).join(', ')}.` : 'Add --driver connected-app.'
      ]);
    }
  }
  const token = options.url ? await readTargetToken(context) : undefined;
  const { openTarget } = await import('../org/target');
  const t = await openTarget(options);
  const deps = {
    http: orgHttp(t.conn),
    sf: runSf,
    // The deploys run sf from a temporary project, where a project-local default org would not apply.
    targetOrg: options.targetOrg ?? t.conn.getUsername(),
    projectDir: resolve(__dirname, '..', '..', '..'),
    metadata: t
  };
  if (options.dryRun) {
    const steps = await planOutboundConnectedApp(deps, options, context);
    return { result: { target: options.target, dryRun: true, steps } };
  }
  const steps = await setupOutbound(
    deps,
    {
      target: options.target,
      url: options.url,
      token,
      stage: options.stage,
      pilotUsers,
      deploy: Boolean(options.deploy),
      driver: options.driver,
      connectedApp: options.connectedApp,
      flow: options.flow,
      checkTarget: options.targetCheck,
      grantTo: options.grantTo || undefined,
      integrationUser: options.integrationUser
    },
    context
  );
  if (options.url && !options.grantTo) {
    context.out.log(
      'Next: give the integration user (or the Automated Process user) access to the External Credential principal ' +
        '(Setup > Permission Sets > External Credential Principal Access), then: provisio validate outbound.'
    );
  }
  return { result: { target: options.target, steps } };
}

interface ValidateCommandOptions {
  json?: boolean;
  targetOrg?: string;
  apiVersion?: string;
  target: string;
  url: string;
  user?: string;
  check?: boolean;
  timeout: string;
  poll: string;
  targetTimeout: string;
  changeField: ValidateOutboundOptions['changeField'];
  email: string;
  reportDir: string;
}

export async function validateOutboundHandler(
  options: ValidateCommandOptions,
  context: CommandContext
): Promise<CommandOutcome> {
  checkUrl(options.url);
  const timeout = Number(options.timeout);
  const poll = Number(options.poll);
  const targetTimeout = Number(options.targetTimeout);
  if (!(timeout > 0) || !(poll > 0) || !(targetTimeout > 0)) {
    throw usageError('--timeout, --poll and --target-timeout must be positive numbers of seconds.');
  }
  const token = await readTargetToken(context);
  const { connectOrg } = await import('../org/connect');
  const connection = await connectOrg(options.targetOrg, options.apiVersion);
  const validation = new OutboundValidation(
    orgHttp(connection),
    {
      target: options.target,
      url: options.url,
      token,
      user: options.user,
      check: Boolean(options.check),
      timeoutMs: timeout * 1000,
      pollMs: poll * 1000,
      targetTimeoutMs: targetTimeout * 1000,
      changeField: options.changeField,
      email: options.email,
      targetOrg: options.targetOrg
    },
    context
  );
  const { evidence, error } = await validation.run();
  const stamp = evidence.startedAt.replace(/[:.]/g, '-');
  const files = writeEvidence(options.reportDir, `outbound-${options.target}-${stamp}`, evidence);
  context.out.log(`Evidence: ${files.html}\n          ${files.json}`);
  if (error instanceof Error) throw error;
  return {
    result: {
      result: evidence.result,
      report: files,
      steps: evidence.steps.map((s) => ({ name: s.name, status: s.status, detail: s.detail }))
    },
    exitCode: evidence.result === 'passed' ? ExitCode.OK : ExitCode.FINDINGS
  };
}

function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function register(program: Command): void {
  withJson(
    withOrgFlags(
      group(program, 'setup', 'Set up an org for provisioning.')
        .command('outbound')
        .description(
          'Set up outbound provisioning to a SCIM target: deploy or check the metadata, create the Named and External ' +
            `Credential and store the target's token through the Connect API (token from ${TARGET_TOKEN_ENV} or stdin, ` +
            'never printed), create the pilot permission set and assign pilot users, set the stage, and for a ' +
            'Connected App its UserProvisioningConfig.'
        )
        .option('--target <name>', 'ProvisioningTarget__mdt DeveloperName.', 'ScimTarget')
        .option('--url <url>', 'SCIM base URL of the target app (sets up the credentials).')
        .addOption(new Option('--stage <stage>', 'Set the target stage.').choices(['DryRun', 'Pilot']))
        .option('--pilot-users <usernames>', 'Comma-separated usernames to put in the pilot.')
        .option('--pilot-csv <file>', 'CSV of pilot users (a Username column, or usernames in the first column).')
        .option('--deploy', 'Deploy force-app/main with the sf CLI first.', false)
        .addOption(
          new Option(
            '--driver <driver>',
            'native (the queue, any org) or connected-app (User Provisioning for Connected Apps: install the ' +
              `${CONNECTED_APP_PACKAGE} package first; this deploys its UserProvisioningConfig with the org's IDs).`
          ).choices(['native', 'connected-app'])
        )
        .option(
          '--connected-app <name>',
          `Connected App of the connected-app driver (default: ${PACKAGED_CONNECTED_APP}, from the package).`
        )
        .option(
          '--flow <apiName>',
          `User Provisioning flow of the connected-app driver (default: ${PACKAGED_FLOW}, from the package).`
        )
        .option('--dry-run', 'With --driver connected-app: show what it would change, change nothing.')
        .option('--no-target-check', 'Do not call the target before changing the org.')
        .option(
          '--grant-to <permissionSet>',
          'Permission set given access to the External Credential principal ("" to skip).',
          'ProvisioningAdmin'
        )
        .option(
          '--integration-user <username>',
          'User the native worker and its callouts run as (a PlatformEventSubscriberConfig for ' +
            'ProvisioningRequestTrigger); given the --grant-to permission set.'
        )
    )
  ).action(async (options: SetupCommandOptions) => {
    process.exitCode = await runHandler(setupOutboundHandler, options);
  });
  withJson(
    withOrgFlags(
      group(program, 'validate', 'Prove a provisioning setup works.')
        .command('outbound')
        .description(
          'Prove outbound provisioning on a pilot user: create (or take) a user, add it to the pilot, wait for the ' +
            'engine, confirm on the target over SCIM the create, an update, deactivation and reactivation, remove it ' +
            'from the pilot, and write an HTML + JSON evidence report. --check only reads (for production orgs).'
        )
        .option('--target <name>', 'ProvisioningTarget__mdt DeveloperName.', 'ScimTarget')
        .requiredOption('--url <url>', `SCIM base URL of the target (token from ${TARGET_TOKEN_ENV} or stdin).`)
        .option('--user <username>', 'Use this existing user instead of creating a test user.')
        .option('--check', 'Read-only: check configuration and the target, change nothing.', false)
        .option('--timeout <seconds>', 'How long to wait for the engine per step.', '300')
        .option('--poll <seconds>', 'How often to read the event log.', '5')
        .option('--target-timeout <seconds>', 'Timeout of each SCIM call to the target.', '20')
        .addOption(
          new Option('--change-field <field>', 'User field changed for the update step.')
            .choices(['Title', 'Department', 'FirstName', 'LastName'])
            .default('Title')
        )
        .option('--email <email>', 'Email of a created test user.', 'provisio.validation@example.com')
        .option('--report-dir <dir>', 'Where the evidence report goes.', join('reports', 'outbound'))
    )
  ).action(async (options: ValidateCommandOptions) => {
    process.exitCode = await runHandler(validateOutboundHandler, options);
  });
}
