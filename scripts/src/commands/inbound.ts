import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandContext, CommandOutcome, runHandler, withJson, withOrgFlags } from '../cli/command';
import { ExitCode, usageError } from '../cli/errors';
import { authForIdp, DEFAULT_PROFILE, IDPS, InboundAuth, SECRET_ENV } from '../inbound/constants';
import type { Severity } from '../inbound/doctor';
// The modules that do the work (and load @salesforce/core) are imported when their command runs, so `--help` and
// every other command start without them.

interface OrgOptions {
  json?: boolean;
  targetOrg?: string;
  apiVersion?: string;
}

interface IdpOptions extends OrgOptions {
  idp: string;
  auth?: InboundAuth;
  username?: string;
  ecaName?: string;
}

export interface SetupCommandOptions extends IdpOptions {
  email?: string;
  profile: string;
  setPassword?: boolean;
  verify?: boolean;
  open?: boolean;
  waitForSwitch: string;
  dryRun?: boolean;
}

export interface DoctorCommandOptions extends IdpOptions {
  connectedAppProbe: boolean;
  loginProbe?: boolean;
}

export interface ValidateCommandOptions extends OrgOptions {
  profile: string;
  email?: string;
  reactivate?: boolean;
  outputDir: string;
  clientCredentials?: boolean;
}

export interface ActivateCommandOptions extends OrgOptions {
  usernames?: string;
  file?: string;
  createdSince?: string;
  includeLoggedIn?: boolean;
  dryRun?: boolean;
}

function idpAuth(options: IdpOptions): InboundAuth {
  if (!(IDPS as readonly string[]).includes(options.idp)) {
    throw usageError(`Unknown --idp ${options.idp}.`, [`Use one of: ${IDPS.join(', ')}.`]);
  }
  return options.auth ?? authForIdp(options.idp);
}

function withIdpFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--idp <name>', 'Identity provider that will provision users.').choices([...IDPS]).default('entra')
    )
    .addOption(
      new Option(
        '--auth <kind>',
        'How it authenticates (default: password for entra, oauth for okta/miniorange).'
      ).choices(['password', 'oauth'])
    )
    .option('--username <username>', 'Provisioning user (default: provisio-inbound.<orgid>@provisio.invalid).')
    .option('--eca-name <name>', 'External Client App for the OAuth path (default: Provisio_Inbound).');
}

/** A command group (`setup`, `validate`, `users`), shared with other features that add subcommands to it. */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export async function setupHandler(options: SetupCommandOptions, ctx: CommandContext): Promise<CommandOutcome> {
  const auth = idpAuth(options);
  const wait = Number(options.waitForSwitch);
  if (!Number.isFinite(wait) || wait < 0)
    throw usageError(`--wait-for-switch must be a number of seconds, not ${options.waitForSwitch}.`);
  const [{ openTarget }, { setupInbound }] = await Promise.all([import('../org/target'), import('../inbound/setup')]);
  const t = await openTarget(options);
  ctx.out.log(
    `Setting up inbound provisioning (${options.idp}, ${auth}) in ${t.orgId} at ${t.instanceUrl}${options.dryRun ? ' — dry run' : ''}`
  );
  const result = await setupInbound(
    t,
    {
      idp: options.idp,
      auth,
      username: options.username,
      email: options.email,
      profile: options.profile,
      ecaName: options.ecaName,
      setPassword: Boolean(options.setPassword),
      verify: Boolean(options.verify),
      open: Boolean(options.open),
      waitForSwitch: wait,
      dryRun: Boolean(options.dryRun)
    },
    ctx
  );
  ctx.out.log();
  ctx.out.log(
    result.changed
      ? `Done: ${result.steps.filter((s) => s.status === 'created' || s.status === 'updated').length} change(s) made.`
      : options.dryRun
        ? 'Dry run: nothing was changed.'
        : 'Nothing to change: the org is already set up for this identity provider.'
  );
  if (result.nextSteps.length) {
    ctx.out.log(ctx.out.style('bold', 'Next steps:'));
    result.nextSteps.forEach((s, i) => ctx.out.log(`  ${i + 1}. ${s}`));
  }
  return { result, exitCode: result.verification && !result.verification.ok ? ExitCode.FINDINGS : ExitCode.OK };
}

/** The package version (read here rather than from ../cli, which imports this module). */
function toolVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string })
    .version;
}

const ORDER: Severity[] = ['error', 'warning', 'info', 'ok'];

export async function doctorHandler(options: DoctorCommandOptions, ctx: CommandContext): Promise<CommandOutcome> {
  const auth = idpAuth(options);
  const [{ openTarget }, { runDoctor }] = await Promise.all([import('../org/target'), import('../inbound/doctor')]);
  const t = await openTarget(options);
  const result = await runDoctor(
    t,
    {
      idp: options.idp,
      auth,
      username: options.username,
      ecaName: options.ecaName,
      skipConnectedAppProbe: !options.connectedAppProbe,
      loginProbe: Boolean(options.loginProbe)
    },
    ctx
  );
  const out = ctx.out;
  out.log(`Inbound readiness of ${t.orgId} (${t.instanceUrl}) for ${options.idp} (${auth}):`);
  const colour = { error: 'red', warning: 'yellow', info: 'cyan', ok: 'green' } as const;
  for (const f of [...result.findings].sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity))) {
    out.log(
      `${out.style(colour[f.severity], f.severity.toUpperCase().padEnd(7))} ${out.style('bold', f.title)}: ${f.detail}`
    );
    if (f.fix) out.log(`        fix: ${f.fix}`);
  }
  out.log(`${result.summary.error} error(s), ${result.summary.warning} warning(s), ${result.summary.ok} ok.`);
  return { result, exitCode: result.summary.error > 0 ? ExitCode.FINDINGS : ExitCode.OK };
}

export async function validateHandler(options: ValidateCommandOptions, ctx: CommandContext): Promise<CommandOutcome> {
  const [{ openTarget }, { validateInbound }] = await Promise.all([
    import('../org/target'),
    import('../inbound/validate')
  ]);
  const t = await openTarget(options);
  ctx.out.log(`Validating inbound SCIM provisioning against ${t.orgId} (${t.instanceUrl}/services/scim/v2)`);
  const result = await validateInbound(
    t,
    {
      profile: options.profile,
      email: options.email,
      reactivate: Boolean(options.reactivate),
      outputDir: options.outputDir,
      clientCredentials: Boolean(options.clientCredentials),
      version: toolVersion()
    },
    ctx
  );
  ctx.out.log(`${result.ok ? 'PASSED' : 'FAILED'}: ${result.summary.passed} of ${result.summary.steps} steps passed.`);
  if (result.testUser) ctx.out.log(`Test user ${result.testUser.userName}: ${result.testUser.finalState}.`);
  ctx.out.log(`Evidence: ${result.report.html}`);
  ctx.out.log(`          ${result.report.json}`);
  return { result, exitCode: result.ok ? ExitCode.OK : ExitCode.FINDINGS };
}

export async function activateHandler(options: ActivateCommandOptions, ctx: CommandContext): Promise<CommandOutcome> {
  const [{ openTarget }, { activateUsers }] = await Promise.all([
    import('../org/target'),
    import('../inbound/activate')
  ]);
  const t = await openTarget(options);
  const result = await activateUsers(
    t,
    {
      usernames: (options.usernames ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
      file: options.file,
      createdSince: options.createdSince,
      includeLoggedIn: Boolean(options.includeLoggedIn),
      dryRun: Boolean(options.dryRun)
    },
    ctx
  );
  ctx.out.table(result.users as unknown as Array<Record<string, unknown>>, ['username', 'status', 'detail']);
  ctx.out.log(
    `${result.sent} ${options.dryRun ? 'would be sent' : 'sent'}, ${result.skipped} skipped, ${result.failed} failed. Passwords are set by the users from the email; this tool never sees them.`
  );
  return { result, exitCode: result.failed > 0 ? ExitCode.FINDINGS : ExitCode.OK };
}

/** Registers `setup inbound`, `doctor`, `validate inbound` and `users activate`. */
export function register(program: Command): void {
  const setup = group(program, 'setup', 'Set an org up for provisioning.');
  withJson(
    withIdpFlags(
      withOrgFlags(
        setup
          .command('inbound')
          .description(
            'Create or update the provisioning user, its least-privilege permission set and (OAuth path) the External ' +
              'Client App; verify the credentials the identity provider will use. Idempotent.\n' +
              `Secrets come from ${SECRET_ENV.password}, ${SECRET_ENV.securityToken}, ${SECRET_ENV.clientId}, ` +
              `${SECRET_ENV.clientSecret} or standard input (one value), never from flags.`
          )
      )
    )
      .option('--email <address>', 'Email of the provisioning user (default: yours); its security token is sent there.')
      .option('--profile <name>', 'Profile of the provisioning user.', DEFAULT_PROFILE)
      .option('--set-password', `Set the provisioning user's password from ${SECRET_ENV.password} (or stdin).`)
      .option('--verify', 'Verify the credentials: SOAP login() probe (password path) or client credentials (OAuth).')
      .option('--open', 'Open the Setup page of the next manual step in the browser (sf org open).')
      .option('--wait-for-switch <seconds>', 'With --verify: re-check every 5 s until SOAP login() is enabled.', '0')
      .option('--dry-run', 'Show what would change without changing anything.')
  ).action((options: SetupCommandOptions) =>
    runHandler(setupHandler, options).then((code) => void (process.exitCode = code))
  );

  withJson(
    withIdpFlags(
      withOrgFlags(
        program
          .command('doctor')
          .description(
            'Readiness report for inbound provisioning: API version and SOAP login() retirement, the SOAP login() switch, ' +
              'the provisioning user (active, licence, permissions, login IP ranges, token), licences left, profiles as SCIM ' +
              'entitlements, Connected App creation, External Client Apps. Exit 1 when a finding is an error.'
          )
      )
    )
      .option('--no-connected-app-probe', 'Skip the check-only Connected App deploy.')
      .option(
        '--login-probe',
        'Without credentials, probe SOAP login() with a wrong password to see whether it is disabled (counts as one failed login of the provisioning user).'
      )
  ).action((options: DoctorCommandOptions) =>
    runHandler(doctorHandler, options).then((code) => void (process.exitCode = code))
  );

  const validate = group(program, 'validate', 'Prove a provisioning path works, with evidence.');
  withJson(
    withOrgFlags(
      validate
        .command('inbound')
        .description(
          'Play the identity provider against /services/scim/v2: discovery, entitlements, create, read, filter, update, ' +
            'deactivate (optionally reactivate), each step checked through the REST API; writes an HTML + JSON evidence report.'
        )
    )
  )
    .option('--profile <name>', 'Profile entitlement for the test user.', 'Standard User')
    .option('--email <address>', 'Email of the test user (default: yours).')
    .option('--reactivate', 'Also reactivate the test user (then deactivate it again).')
    .option('--output-dir <dir>', 'Where the evidence report goes.', 'reports')
    .option(
      '--client-credentials',
      `Call SCIM as the External Client App (${SECRET_ENV.clientId}/${SECRET_ENV.clientSecret}), like Okta.`
    )
    .action((options: ValidateCommandOptions) =>
      runHandler(validateHandler, options).then((code) => void (process.exitCode = code))
    );

  const users = group(program, 'users', 'Work on users.');
  withJson(
    withOrgFlags(
      users
        .command('activate')
        .description(
          'Send Salesforce’s password-reset email to users an identity provider has just created, so they set a password. ' +
            'The password is generated and emailed by Salesforce; this tool never receives it.'
        )
    )
  )
    .option('--usernames <list>', 'Comma-separated usernames or user ids.')
    .option('--file <csv>', 'CSV with a header row and a Username or Id column.')
    .option('--created-since <datetime>', 'Every active user created since this ISO date-time.')
    .option('--include-logged-in', 'Also users who have logged in before.')
    .option('--dry-run', 'List who would get the email without sending it.')
    .action((options: ActivateCommandOptions) =>
      runHandler(activateHandler, options).then((code) => void (process.exitCode = code))
    );
}
