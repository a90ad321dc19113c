import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ExitCode } from './cli/errors';
import { registerCommands } from './commands';

/** The package version, read from package.json so it cannot drift. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the `provisio` command tree. Exported for tests, which parse argv without spawning a process. */
export function buildProgram(): Command {
  const program = new Command('provisio')
    .description(
      'Provision and deprovision Salesforce users correctly: readiness checks and setup for inbound SCIM ' +
        '(Entra ID, Okta, miniOrange), outbound SCIM validation, access reviews and provisioning reports.\n\n' +
        'Orgs are the ones you logged in to with `sf org login`; pass them with --target-org. ' +
        'Secrets are read from environment variables or standard input, never from the command line.'
    )
    .version(packageVersion(), '-v, --version', 'Print the version.')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: true })
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 findings (checks not clean), 2 usage error, 3 org/target unreachable or refused, ' +
      '4 failed part-way (the message says what was left behind), 130 interrupted.'
  );
  registerCommands(program);
  return program;
}

/** Parses argv and runs the command; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError whose exitCode is 0.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = ExitCode.FAILED;
    }
  );
}
