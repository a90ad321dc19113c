import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildProgram, main, packageVersion } from '../src/cli';
import { runHandler } from '../src/cli/command';
import { ExitCode, ProvisioError } from '../src/cli/errors';
import { Redactor, redactor } from '../src/cli/redact';
import { colorEnabled } from '../src/cli/output';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    }
  });
  return { stream, text: () => chunks.join('') };
}

describe('provisio CLI frame', () => {
  it('prints help naming the exit codes and exits 0', async () => {
    const program = buildProgram();
    let help = '';
    program.configureOutput({ writeOut: (text) => (help += text) });
    await expect(program.parseAsync(['--help'], { from: 'user' })).rejects.toMatchObject({ exitCode: 0 });
    expect(help).toContain('Usage: provisio');
    expect(help).toContain('130 interrupted');
  });

  it('starts without loading what only running a command needs (@salesforce/core, jsforce, Express)', () => {
    // The built CLI (`npm run build` first), as `provisio --help` and `provisio review --help` run it.
    const cli = join(__dirname, '..', 'dist', 'cli.js');
    for (const argv of [['--help'], ['review', '--help'], ['report', '--help'], ['setup', 'inbound', '--help']]) {
      const probe = spawnSync(
        process.execPath,
        [
          '-e',
          // A subcommand's --help exits the process from inside commander: report the modules on exit.
          `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache))));
           require(${JSON.stringify(cli)}).main(${JSON.stringify(argv)});`
        ],
        { encoding: 'utf8' }
      );
      expect(probe.status).toBe(0);
      expect(probe.stdout).toContain('Usage: provisio');
      const loaded = JSON.parse(probe.stderr.slice(probe.stderr.indexOf('LOADED ') + 7)) as string[];
      expect(loaded.filter((m) => /node_modules[\\/](@salesforce|@jsforce|jsforce|express)[\\/]/.test(m))).toEqual([]);
      expect(loaded.some((m) => m.includes('commander'))).toBe(true);
    }
  });

  it('reports the version from package.json', () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on an unknown command', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(main(['no-such-command'])).resolves.toBe(ExitCode.USAGE);
    stderr.mockRestore();
  });

  it('wraps a handler result in the sf-style JSON envelope and redacts secrets in it', async () => {
    redactor.add('s3cr3t-Token-Value');
    const out = sink();
    const code = await runHandler(
      async () => ({ result: { note: 'token is s3cr3t-Token-Value', password: 'pw' } }),
      { json: true },
      {
        stdout: out.stream,
        stderr: sink().stream
      }
    );
    expect(code).toBe(0);
    const parsed = JSON.parse(out.text()) as { status: number; result: { note: string; password: string } };
    expect(parsed.status).toBe(0);
    expect(parsed.result.note).toBe('token is [REDACTED]');
    expect(parsed.result.password).toBe('[REDACTED]');
    expect(out.text()).not.toContain('s3cr3t-Token-Value');
  });

  it('maps a ProvisioError to its exit code, message and actions', async () => {
    const err = sink();
    const code = await runHandler(
      async () => {
        throw new ProvisioError('OrgNotFound', 'No authenticated org found for nope.', {
          exitCode: ExitCode.ORG,
          actions: ['sf org login web']
        });
      },
      { json: false },
      { stdout: sink().stream, stderr: err.stream, env: { NO_COLOR: '1' } }
    );
    expect(code).toBe(ExitCode.ORG);
    expect(err.text()).toContain('Error (OrgNotFound): No authenticated org found for nope.');
    expect(err.text()).toContain('Try this: sf org login web');
  });

  it('turns colours off with NO_COLOR, when not a terminal, and with --json', () => {
    const tty = { isTTY: true };
    expect(colorEnabled(tty, {}, false)).toBe(true);
    expect(colorEnabled(tty, { NO_COLOR: '' }, false)).toBe(false);
    expect(colorEnabled({ isTTY: false }, {}, false)).toBe(false);
    expect(colorEnabled(tty, {}, true)).toBe(false);
  });

  it('redacts bearer tokens, SOAP session ids and secret-looking keys', () => {
    const r = new Redactor();
    expect(r.redact('Authorization: Bearer 00D000000000001!AQ4AQFakeToken')).toBe('Authorization: Bearer [REDACTED]');
    expect(r.redact('<sessionId>00Dxx!abc</sessionId>')).toBe('<sessionId>[REDACTED]</sessionId>');
    expect(r.redactValue({ headers: { Authorization: 'x' }, nested: [{ client_secret: 'y' }] })).toEqual({
      headers: { Authorization: '[REDACTED]' },
      nested: [{ client_secret: '[REDACTED]' }]
    });
  });
});
