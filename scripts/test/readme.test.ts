import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../src/cli';
import {
  checkNpm,
  checkProvisio,
  CommandRef,
  commandsInMarkdown,
  commandsInScript,
  SfCommandIndex
} from '../src/ci/commandRefs';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const FIXTURES = join(__dirname, 'fixtures', 'readme');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;
const program = buildProgram();
let sfIndex: SfCommandIndex | undefined;

function problems(refs: CommandRef[]): string[] {
  const sf = (sfIndex ??= new SfCommandIndex(ROOT));
  return refs.flatMap((ref) => {
    const found =
      ref.kind === 'npm'
        ? checkNpm(scripts, ref.args)
        : ref.kind === 'sf'
          ? sf.check(ref.args)
          : checkProvisio(program, ref.args);
    return found.map((p) => `README line ${ref.line}: ${ref.text}\n  ${p}`);
  });
}

describe('README commands', () => {
  const refs = commandsInMarkdown(README);

  it('shows the install, test and org commands', () => {
    const kinds = new Set(refs.map((r) => r.kind));
    expect(kinds).toEqual(new Set(['npm', 'sf', 'provisio']));
    expect(refs.map((r) => r.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm test/),
        expect.stringMatching(/^npx sf org create scratch /),
        expect.stringMatching(/^npx sf package install /),
        'npm run docs:apex',
        'npm run check:coverage'
      ])
    );
  });

  it('name only existing npm scripts, provisio commands and options, and sf commands and flags', () => {
    expect(problems(refs)).toEqual([]);
  });
});

describe('post-install note commands', () => {
  it('name only existing commands and flags', () => {
    const refs = commandsInMarkdown(readFileSync(join(ROOT, 'docs', 'post-install.md'), 'utf8'));
    expect(refs.map((r) => r.kind)).toEqual(expect.arrayContaining(['sf', 'provisio']));
    expect(problems(refs)).toEqual([]);
  });
});

describe('command checks catch what a README could get wrong', () => {
  const check = (markdown: string): string[] => problems(commandsInMarkdown(markdown));

  it('an npm script that does not exist', () => {
    expect(check('```sh\nnpm run docs:apex\nnpm run no-such-script\n```\n').join('\n')).toMatch(
      /package.json has no script "no-such-script"/
    );
  });

  it('an sf command or flag that does not exist, across line continuations, pipes and redirections', () => {
    const md = [
      '```bash',
      'npx sf org create scratch --definition-file x.json \\',
      '  --alias a --duration-dayz 7',
      'printf x | npx sf org login sfdx-url --sfdx-url-stdin - --alias ci > /dev/null 2>&1',
      'sf org launch --target-org a  # a comment',
      '```',
      '',
      '```json',
      '{"npx sf org frobnicate": true}',
      '```'
    ].join('\n');
    const found = check(md).join('\n');
    expect(found).toMatch(/README line 2: .*\n {2}sf org create scratch has no flag --duration-dayz/);
    expect(found).toMatch(/"sf org launch" is not an sf command/);
    expect(found).not.toMatch(/sfdx-url/);
    expect(found).not.toMatch(/frobnicate/);
  });

  it('a provisio command or option that does not exist', () => {
    const found = check(
      '```sh\nnode scripts/bin/provisio.js frobnicate --json\nnode scripts/bin/provisio.js --help\n```\n'
    ).join('\n');
    expect(found).toMatch(/"provisio frobnicate" is not a provisio command/);
    expect(found).not.toMatch(/--help/);
    const registered = program.commands[0];
    if (registered) {
      expect(checkProvisio(program, [registered.name(), '--no-such-option'])).toEqual([
        `provisio ${registered.name()} has no option --no-such-option`
      ]);
    }
  });

  it('splits shell lines into commands the way a shell does', () => {
    const refs = commandsInScript('npm ci && npm test; echo "a && npx sf nope" | cat');
    expect(refs.map((r) => r.text)).toEqual(['npm test']);
  });
});

describe('README troubleshooting table quotes Salesforce verbatim', () => {
  const section = README.slice(
    README.indexOf('## Troubleshooting'),
    README.indexOf('## SOAP API `login()` retirement')
  );

  it('covers the six errors of the issue', () => {
    for (const code of [
      'DUPLICATE_USERNAME',
      'LICENSE_LIMIT_EXCEEDED',
      'user_must_have_one_entitlement_which_must_be_a_profileid',
      'SOAP API login() is disabled',
      'INSUFFICIENT_ACCESS',
      'default owner'
    ]) {
      expect(section).toContain(code);
    }
    expect(section).toMatch(/\*\*freeze\*\* the user/);
  });

  it('SOAP login() disabled: code and message as captured', () => {
    const message = /^exceptionMessage: (.*)$/m.exec(fixture('login_disabled_INVALID_OPERATION_message.txt'))?.[1];
    expect(message).toBeDefined();
    expect(section).toContain(`INVALID_OPERATION: ${message}`);
  });

  it('SCIM 409 without a profile entitlement: the body as captured', () => {
    const body = /Web Response: (\{.*\})\s*$/m.exec(
      fixture('error_409_REQUIRED_FIELD_MISSING_no_profile_entitlement__entra-qna.txt')
    )?.[1];
    expect(body).toBeDefined();
    expect(section).toContain(body);
  });

  it('DUPLICATE_USERNAME: the start of the real message', () => {
    const evidence = JSON.parse(fixture('rest_error_evidence.json')) as Record<string, { verbatim_text?: string }>;
    const quoted = /`DUPLICATE_USERNAME`: `([^`]+)`/.exec(section)?.[1] ?? '';
    expect(quoted.length).toBeGreaterThan(40);
    expect(evidence.DUPLICATE_USERNAME.verbatim_text?.startsWith(quoted)).toBe(true);
  });

  it('deactivation blocked by a default-owner role: the messages Salesforce Help quotes', () => {
    for (const line of fixture('deactivate_default_owner__sf-help-kb-000384586.txt').trim().split('\n')) {
      expect(section).toContain(line);
    }
  });
});
