import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { redactor } from '../cli/redact';
import { createEmulatorOrgAlias, useTempSfHome } from '../emulator/sfAuth';
import { startEmulator } from '../emulator/server';
import { defaultUsername } from './setup';
import { SECRET_ENV } from './constants';
import { runOutboundDemo } from '../outbound/demo';

type Main = (argv: string[]) => Promise<number>;

function banner(text: string): void {
  process.stdout.write(`\n=== ${text}\n`);
}

/**
 * `npm run demo`: the inbound job end to end against the local org emulator (no real org). It starts the emulator,
 * logs the sf CLI in to it in a throw-away HOME, runs `setup inbound`, `doctor`, plays the two manual steps an
 * admin does in the Setup UI (tick "Enable SOAP API login()", reset the security token) on the emulator, verifies,
 * re-runs setup to show it changes nothing, and runs `validate inbound`, which leaves the evidence report under
 * reports/. Then the outbound part (outbound/demo.ts): the project's Apex provisions users into the local SCIM
 * target and leaves reports/outbound-demo.html|json. Resolves to 0 when the final doctor, the validation and every
 * outbound check are clean.
 */
export async function runDemo(main: Main, reportDir = 'reports'): Promise<number> {
  const emulator = await startEmulator();
  const home = useTempSfHome();
  const alias = 'provisio-demo';
  try {
    await createEmulatorOrgAlias(emulator, alias);
    process.stdout.write(
      `Local org emulator at ${emulator.url} (an in-memory stand-in for a Salesforce org, not a real one);\n` +
        `sf CLI alias "${alias}" lives in the throw-away HOME ${home.home}.\n`
    );
    banner('provisio setup inbound --idp entra (first run: creates the provisioning user and permission set)');
    const first = await main(['setup', 'inbound', '--idp', 'entra', '-o', alias]);
    banner('provisio doctor --idp entra --login-probe (expect an error: SOAP login() is off in new orgs)');
    await main(['doctor', '--idp', 'entra', '--login-probe', '-o', alias]);

    banner('Admin steps in the Setup UI, played on the emulator');
    emulator.state.settings.soapLoginEnabled = true;
    process.stdout.write('  - Setup → User Interface → "Enable SOAP API login()" ticked.\n');
    const password = `Demo-${randomBytes(9).toString('base64url')}1`;
    redactor.add(password);
    process.env[SECRET_ENV.password] = password;
    banner('provisio setup inbound --idp entra --set-password (password from PROVISIO_PROVISIONING_PASSWORD)');
    await main(['setup', 'inbound', '--idp', 'entra', '--set-password', '-o', alias]);
    const user = emulator.state.userByUsername(defaultUsername(emulator.state.orgId));
    const token = user ? emulator.state.credentialsOf(user.Id)?.securityToken : undefined;
    if (!token) throw new Error('The emulator has no security token for the provisioning user.');
    redactor.add(token);
    process.env[SECRET_ENV.securityToken] = token;
    process.stdout.write(
      '  - The security token Salesforce emailed to the provisioning user is pasted (PROVISIO_SECURITY_TOKEN).\n'
    );

    banner('provisio setup inbound --idp entra --verify (SOAP login() probe on API 64.0)');
    const verified = await main(['setup', 'inbound', '--idp', 'entra', '--verify', '-o', alias]);
    banner('provisio setup inbound --idp entra (second run: nothing to change)');
    const again = await main(['setup', 'inbound', '--idp', 'entra', '-o', alias]);
    banner('provisio doctor --idp entra');
    const doctor = await main(['doctor', '--idp', 'entra', '-o', alias]);
    banner('provisio validate inbound --reactivate');
    const validate = await main(['validate', 'inbound', '--reactivate', '--output-dir', reportDir, '-o', alias]);
    banner("Outbound: the project's Apex provisions Salesforce users into the local SCIM target");
    const outbound = await runOutboundDemo({ projectRoot: resolve(__dirname, '..', '..', '..'), reportDir });
    const codes = { setup: first, verify: verified, rerun: again, doctor, validate, outbound: outbound.code };
    process.stdout.write(`\nExit codes: ${JSON.stringify(codes)}\n`);
    return Object.values(codes).every((c) => c === 0) ? 0 : 1;
  } finally {
    delete process.env[SECRET_ENV.password];
    delete process.env[SECRET_ENV.securityToken];
    await emulator.close();
    home.restore();
    rmSync(home.home, { recursive: true, force: true });
  }
}

if (require.main === module) {
  // Loaded lazily so the temporary HOME is in place before anything reads sf CLI state.
  void import('../cli').then(({ main }) =>
    runDemo(main).then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`Demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 4;
      }
    )
  );
}
