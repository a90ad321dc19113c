/**
 * The apex-tests gate fails on a runtime defect planted in the product: a copy of the project's Apex gets a
 * callout after uncommitted DML (ScimClient), a null dereference (ScimPathParser) and a logic change that the
 * tests' assertions catch (MappingTextFunctions: Lower upper-cases). The gate is run on the copy for the test
 * classes of those three, and must fail each with the platform's message; the same classes on the clean copy pass.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/gates/apexTests';

const REPO = join(__dirname, '..', '..');
const CLASSES = ['ScimClient_Tests', 'ScimPathParser_Tests', 'MappingService_Tests'];

let copy: string;

function plant(relative: string, from: string, to: string): void {
  const file = join(copy, relative);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${relative} no longer contains the line the defect is planted at`);
  writeFileSync(file, text.replace(from, to));
}

interface GateReport {
  verdict: { counts: Record<string, number> };
}

function gate(): { code: number; out: string; report: GateReport } {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  const err = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  const json = join(copy, 'result.json');
  try {
    const code = main(['--project', copy, '--json', json, ...CLASSES]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as GateReport;
    return { code, out: lines.join('\n'), report };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'provisio-apex-tests-'));
  cpSync(join(REPO, 'sfdx-project.json'), join(copy, 'sfdx-project.json'));
  cpSync(join(REPO, 'force-app'), join(copy, 'force-app'), { recursive: true });
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('apex-tests gate self-test', () => {
  it('passes the clean copy', () => {
    const { code, out } = gate();
    expect(out).toMatch(/apex-tests: \d+ passed, 0 failed/);
    expect(code).toBe(0);
  });

  it('fails each planted defect with the message the platform gives', () => {
    plant(
      'force-app/main/scim/classes/ScimClient.cls',
      '            response = new Http().send(request);',
      "            insert new Account(Name = 'planted');\n            response = new Http().send(request);"
    );
    plant(
      'force-app/main/scim/classes/ScimPathParser.cls',
      '        ScimPath path = new ScimPath();',
      '        String planted;\n        planted.length();\n        ScimPath path = new ScimPath();'
    );
    plant(
      'force-app/main/mapping/classes/MappingTextFunctions.cls',
      '                return input.toLowerCase();',
      '                return input.toUpperCase();'
    );
    const { code, out, report } = gate();
    expect(code).toBe(1);
    expect(report.verdict.counts.fail).toBeGreaterThanOrEqual(3);
    expect(out).toMatch(/FAIL ScimClient_Tests\.\w+: .*You have uncommitted work pending/);
    expect(out).toMatch(
      /FAIL ScimPathParser_Tests\.\w+: System\.NullPointerException: Attempt to de-reference a null object/
    );
    expect(out).toMatch(/FAIL MappingService_Tests\.\w+: System\.AssertException: Assertion Failed/);
    expect(out).toMatch(/apex-tests: \d+ passed, [1-9]\d* failed/);
  });
});
