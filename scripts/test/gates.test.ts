/**
 * Proves that each offline gate catches a planted defect, so no gate can silently pass: each test copies a
 * minimal valid project into a temporary folder, plants one defect, and asserts that the gate fails and names
 * the file. Each also checks the clean copy passes, so a gate that always fails is caught too.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkApexSyntax } from '../src/gates/apexSyntax';
import { checkApexSemantics } from '../src/gates/apexSemantic';
import { checkPmd } from '../src/gates/pmd';
import { checkMetadataConversion } from '../src/gates/metadata';
import { formatFinding, GateResult } from '../src/gates/common';
import { parseJavaMajor } from '../src/gates/java';

const REPO = join(__dirname, '..', '..');
const CLASS_META = `<?xml version="1.0" encoding="UTF-8" ?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
  <apiVersion>66.0</apiVersion>
  <status>Active</status>
</ApexClass>
`;

let workspace: string;

/** A minimal project: sfdx-project.json, config files and one valid, formatted Apex class from the real tree. */
function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provisio-gate-'));
  for (const file of ['sfdx-project.json', 'code-analyzer.yml', '.prettierrc', '.forceignore']) {
    cpSync(join(REPO, file), join(dir, file));
  }
  const classes = join(dir, 'force-app', 'main', 'scim', 'classes');
  mkdirSync(classes, { recursive: true });
  mkdirSync(join(dir, 'force-app', 'test'), { recursive: true });
  for (const file of ['ScimException.cls', 'ScimException.cls-meta.xml']) {
    cpSync(join(REPO, 'force-app', 'main', 'scim', 'classes', file), join(classes, file));
  }
  return dir;
}

function plantClass(dir: string, name: string, body: string): string {
  const path = join(dir, 'force-app', 'main', 'scim', 'classes', `${name}.cls`);
  writeFileSync(path, body);
  writeFileSync(`${path}-meta.xml`, CLASS_META);
  return path;
}

function messages(dir: string, result: GateResult): string {
  return result.findings.map((finding) => formatFinding(dir, finding)).join('\n');
}

beforeEach(() => {
  workspace = makeProject();
});

afterEach(() => {
  rmSync(workspace, { recursive: true, force: true });
});

describe('apex-syntax gate', () => {
  it('passes the clean project and fails a broken class, naming file and line', () => {
    expect(checkApexSyntax(workspace).findings).toEqual([]);
    plantClass(workspace, 'Broken', "public class Broken {\n    void go() {\n        String s = 'x'\n    }\n}\n");
    const result = checkApexSyntax(workspace);
    expect(result.findings.length).toBeGreaterThan(0);
    expect(messages(workspace, result)).toMatch(/force-app\/main\/scim\/classes\/Broken\.cls:4:/);
  });

  it('reports lexer errors too (which the library helpers miss)', () => {
    plantClass(workspace, 'BadString', "public class BadString {\n    String s = 'never closed;\n}\n");
    expect(messages(workspace, checkApexSyntax(workspace))).toContain('BadString.cls:2');
  });
});

describe('apex-semantic gate', () => {
  it('passes the clean project and fails a call to a method that does not exist', () => {
    expect(checkApexSemantics(workspace, REPO).findings).toEqual([]);
    plantClass(
      workspace,
      'CallsMissing',
      'public with sharing class CallsMissing {\n    public void go() {\n        ScimException.noSuchMethod();\n    }\n}\n'
    );
    const text = messages(workspace, checkApexSemantics(workspace, REPO));
    expect(text).toContain('CallsMissing.cls:3');
    expect(text).toContain("No matching method found for 'noSuchMethod'");
  });

  it('honours an allowlist entry only with its exact message and a doc link', () => {
    plantClass(
      workspace,
      'CallsMissing',
      'public with sharing class CallsMissing {\n    public void go() {\n        ScimException.noSuchMethod();\n    }\n}\n'
    );
    const [finding] = checkApexSemantics(workspace, REPO).findings;
    mkdirSync(join(workspace, 'config'), { recursive: true });
    const entry = {
      file: 'force-app/main/scim/classes/CallsMissing.cls',
      message: finding.message,
      doc: 'https://developer.salesforce.com/docs/'
    };
    writeFileSync(join(workspace, 'config', 'apex-semantic-allowlist.json'), JSON.stringify([entry]));
    expect(checkApexSemantics(workspace, REPO).findings).toEqual([]);
    writeFileSync(join(workspace, 'config', 'apex-semantic-allowlist.json'), JSON.stringify([{ ...entry, doc: '' }]));
    expect(() => checkApexSemantics(workspace, REPO)).toThrow(/https doc link/);
  });
});

describe('pmd gate', () => {
  it('passes the clean project and fails SOQL injection and CRUD violations (severity 2)', async () => {
    const clean = await checkPmd(workspace, { configRoot: REPO, sarifPath: join(workspace, 'pmd.sarif') });
    expect(clean.findings).toEqual([]);
    plantClass(
      workspace,
      'Insecure',
      [
        'public class Insecure {',
        '    public static List<User> find(String name) {',
        "        return Database.query('SELECT Id FROM User WHERE Name = \\'' + name + '\\'');",
        '    }',
        '}',
        ''
      ].join('\n')
    );
    const result = await checkPmd(workspace, { configRoot: REPO, sarifPath: join(workspace, 'pmd.sarif') });
    const text = messages(workspace, result);
    expect(text).toContain('Insecure.cls');
    expect(text).toMatch(/ApexSOQLInjection|ApexCRUDViolation/);
    expect(text).toContain('ApexSharingViolations');
    expect(JSON.parse(readFileSync(join(workspace, 'pmd.sarif'), 'utf8'))).toHaveProperty('runs');
  });
});

describe('metadata-convert gate', () => {
  it('passes the clean project and fails a metadata file that does not convert, naming it', () => {
    expect(checkMetadataConversion(workspace, REPO).findings).toEqual([]);
    const objectDir = join(workspace, 'force-app', 'main', 'scim', 'objects', 'Broken__c');
    mkdirSync(objectDir, { recursive: true });
    writeFileSync(join(objectDir, 'Broken__c.object-meta.xml'), '<CustomObject><unclosed');
    const text = messages(workspace, checkMetadataConversion(workspace, REPO));
    expect(text).toContain('Broken__c.object-meta.xml');
  });
});

describe('prettier gate', () => {
  it('fails an unformatted Apex file and names it', () => {
    // The copied .prettierrc names its plugins by package name: let them resolve from the repository.
    symlinkSync(join(REPO, 'node_modules'), join(workspace, 'node_modules'), 'dir');
    const run = (): ReturnType<typeof spawnSync> =>
      spawnSync(join(REPO, 'node_modules', '.bin', 'prettier'), ['--check', 'force-app'], {
        cwd: workspace,
        encoding: 'utf8'
      });
    expect(run().status).toBe(0);
    plantClass(workspace, 'Ugly', 'public   with sharing class Ugly{public void go(){Integer i=1;}}');
    const result = run();
    expect(result.status).toBe(1);
    expect(`${String(result.stdout)}${String(result.stderr)}`).toContain('Ugly.cls');
  });
});

describe('eslint gate', () => {
  it('passes a clean LWC and fails one that breaks an LWC rule, naming it (in a copy, never the real tree)', () => {
    // The repository's flat config, run from the temporary project; its plugins resolve through a node_modules link.
    cpSync(join(REPO, 'eslint.config.js'), join(workspace, 'eslint.config.js'));
    symlinkSync(join(REPO, 'node_modules'), join(workspace, 'node_modules'), 'dir');
    const lwcDir = join(workspace, 'force-app', 'main', 'admin', 'lwc', 'planted');
    mkdirSync(lwcDir, { recursive: true });
    const lint = (): ReturnType<typeof spawnSync> =>
      spawnSync(join(REPO, 'node_modules', '.bin', 'eslint'), ['force-app'], { cwd: workspace, encoding: 'utf8' });
    writeFileSync(
      join(lwcDir, 'planted.js'),
      "import { LightningElement } from 'lwc';\nexport default class Planted extends LightningElement {}\n"
    );
    expect(lint().status).toBe(0);
    writeFileSync(
      join(lwcDir, 'planted.js'),
      "import { LightningElement } from 'lwc';\nexport default class Planted extends LightningElement {\n    renderedCallback() {\n        this.template.querySelector('div').innerHTML = '<b>x</b>';\n    }\n}\n"
    );
    const result = lint();
    expect(result.status).toBe(1);
    expect(String(result.stdout)).toContain('planted.js');
    expect(String(result.stdout)).toContain('@lwc/lwc/no-inner-html');
  });
});

describe('java locator', () => {
  it('reads modern and legacy version strings', () => {
    expect(parseJavaMajor('openjdk version "25.0.3" 2026-04-21 LTS')).toBe(25);
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_402"')).toBe(8);
    expect(parseJavaMajor('garbage')).toBeUndefined();
  });
});
