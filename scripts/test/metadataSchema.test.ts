/**
 * The metadata-schema gate: each test copies a small project (sfdx-project.json and a few real metadata folders)
 * into a temporary folder, plants one defect, and asserts the gate reports exactly that defect with its file, line
 * and message. The clean copy and the real project must pass.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { formatFinding, GateResult } from '../src/gates/common';
import { checkMetadataSchema } from '../src/gates/metadataSchema';
import {
  findProperty,
  loadMetadataSchema,
  loadTypeIndex,
  metadataTypeOf,
  NEWER_THAN_SCHEMA,
  VERIFIED_REQUIRED
} from '../src/metadata/schemaCheck';

const REPO = join(__dirname, '..', '..');
const NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"';

/** Real folders the copy keeps: objects of each kind (__c, __mdt, __e), a page, its component, permission sets. */
const COPIED = [
  'force-app/main/engine/objects/ProvisioningLink__c',
  'force-app/main/mapping/objects/ProvisioningRule__mdt',
  'force-app/main/admin/objects/ProvisioningDeployResult__e',
  'force-app/main/admin/flexipages',
  'force-app/main/admin/lwc/provisioningConsole/provisioningConsole.js-meta.xml',
  'force-app/main/security/permissionsets',
  'force-app/main/mapping/customMetadata/ProvisioningRule.ScimTarget_Active.md-meta.xml',
  'force-app/test/mapping/staticresources'
];

let workspace: string;

function makeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provisio-mdschema-'));
  cpSync(join(REPO, 'sfdx-project.json'), join(dir, 'sfdx-project.json'));
  for (const path of COPIED) cpSync(join(REPO, path), join(dir, path), { recursive: true });
  return dir;
}

/** Writes `lines` to `path` in the workspace and returns the 1-based line of the first line containing `marker`. */
function plant(path: string, lines: string[], marker: string): number {
  const file = join(workspace, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  const line = lines.findIndex((text) => text.includes(marker));
  if (line < 0) throw new Error(`marker ${marker} not in planted file`);
  return line + 1;
}

const field = (...body: string[]): string[] => [
  '<?xml version="1.0" encoding="UTF-8" ?>',
  `<CustomField ${NS}>`,
  ...body,
  '</CustomField>'
];

const permissionSet = (...body: string[]): string[] => [
  '<?xml version="1.0" encoding="UTF-8" ?>',
  `<PermissionSet ${NS}>`,
  ...body,
  '  <label>Planted</label>',
  '</PermissionSet>'
];

function problems(result: GateResult): string[] {
  return result.findings.map((finding) => formatFinding(workspace, finding));
}

/**
 * Plants `lines` at `path` and expects the gate to report exactly one problem, at the line holding `marker`:
 * `message` itself, or (a RegExp) a message matching it.
 */
function expectOnly(path: string, lines: string[], marker: string, message: string | RegExp): void {
  const where = `${path}:${plant(path, lines, marker)}: `;
  const found = problems(checkMetadataSchema(workspace));
  if (typeof message === 'string') {
    expect(found).toEqual([`${where}${message}`]);
  } else {
    expect(found).toEqual([expect.stringContaining(where)]);
    expect(found[0].slice(where.length)).toMatch(message);
  }
}

beforeEach(() => (workspace = makeProject()));
afterEach(() => rmSync(workspace, { recursive: true, force: true }));

describe('metadata-schema gate', () => {
  const LINK_FIELDS = 'force-app/main/engine/objects/ProvisioningLink__c/fields';
  const PLANTED_SET = 'force-app/main/security/permissionsets/Planted.permissionset-meta.xml';

  it('passes the real project', () => {
    const result = checkMetadataSchema(REPO);
    expect(problems(result)).toEqual([]);
    expect(result.checked).toBeGreaterThan(200);
  });

  it('passes the clean copy, checking both package directories', () => {
    const result = checkMetadataSchema(workspace);
    expect(problems(result)).toEqual([]);
    expect(result.checked).toBeGreaterThan(30);
  });

  it('1: reports an element the type does not have', () => {
    const body = ['  <fullName>Colour__c</fullName>', '  <colour>red</colour>', '  <label>Colour</label>'];
    expectOnly(
      `${LINK_FIELDS}/Colour__c.field-meta.xml`,
      field(...body),
      '<colour>',
      'unknown element <colour> in CustomField'
    );
  });

  it('1: knows inherited properties (fullName comes from Metadata)', () => {
    plant(`${LINK_FIELDS}/Inherited__c.field-meta.xml`, field('  <fullName>Inherited__c</fullName>'), 'fullName');
    expect(problems(checkMetadataSchema(workspace))).toEqual([]);
  });

  it('2: reports a missing required element at the element that lacks it', () => {
    const lines = [
      '<?xml version="1.0" encoding="UTF-8" ?>',
      `<ValidationRule ${NS}>`,
      '  <active>true</active>',
      '  <errorConditionFormula>ISBLANK(ScimPath__c)</errorConditionFormula>',
      '</ValidationRule>'
    ];
    const path =
      'force-app/main/mapping/objects/ProvisioningRule__mdt/validationRules/NoMessage.validationRule-meta.xml';
    expectOnly(path, lines, '<ValidationRule', '<ValidationRule> (ValidationRule) is missing required <errorMessage>');
  });

  it('3: reports a boolean that is not true or false', () => {
    const booleans = ['allowCreate', 'allowDelete', 'allowEdit', 'modifyAllRecords', 'viewAllRecords'];
    const lines = permissionSet(
      '  <objectPermissions>',
      ...booleans.map((name) => `    <${name}>false</${name}>`),
      '    <allowRead>yes</allowRead>',
      '    <object>ProvisioningLink__c</object>',
      '  </objectPermissions>'
    );
    expectOnly(PLANTED_SET, lines, '<allowRead>', '<allowRead> "yes" is not a boolean (true or false)');
  });

  it('3: reports a number that is not one', () => {
    const lines = field('  <visibleLines>three</visibleLines>');
    expectOnly(
      `${LINK_FIELDS}/Lines__c.field-meta.xml`,
      lines,
      '<visibleLines>',
      '<visibleLines> "three" is not an integer'
    );
  });

  it('3: reports a fraction where the WSDL says int', () => {
    const lines = field('  <length>12.5</length>');
    expectOnly(`${LINK_FIELDS}/Sized__c.field-meta.xml`, lines, '<length>', '<length> "12.5" is not an integer');
  });

  it('3: reports a value outside the enumeration the WSDL defines', () => {
    const lines = field('  <deleteConstraint>Remove</deleteConstraint>', '  <type>Lookup</type>');
    const message = /^<deleteConstraint> "Remove" is not a DeleteConstraint value \(.*SetNull.*\)$/;
    expectOnly(`${LINK_FIELDS}/Owner__c.field-meta.xml`, lines, '<deleteConstraint>', message);
  });

  it('4: reports a root element that does not match the suffix', () => {
    const lines = [
      '<?xml version="1.0" encoding="UTF-8" ?>',
      `<Profile ${NS}>`,
      '  <custom>true</custom>',
      '</Profile>'
    ];
    const message = 'root element <Profile> does not match the suffix: expected <PermissionSet>';
    expectOnly('force-app/main/security/permissionsets/Wrong.permissionset-meta.xml', lines, '<Profile', message);
  });

  it('reports XML that is not well-formed, at the line the parser stopped', () => {
    const lines = field('  <label>Broken</labl>');
    expectOnly(`${LINK_FIELDS}/Broken__c.field-meta.xml`, lines, '</labl>', /^not well-formed XML: /);
  });

  const grant = (fieldName: string): string[] =>
    permissionSet(
      '  <fieldPermissions>',
      '    <editable>false</editable>',
      `    <field>${fieldName}</field>`,
      '  </fieldPermissions>'
    );
  const rejected = 'the Metadata API rejects field permissions on required and master-detail fields';

  it('a: reports field permissions on a required field', () => {
    const message = `fieldPermissions on ProvisioningRule__mdt.Target__c, a required field: ${rejected}`;
    expectOnly(PLANTED_SET, grant('ProvisioningRule__mdt.Target__c'), '<field>', message);
  });

  it('a: reports field permissions on a master-detail field', () => {
    const parent = field('  <fullName>Parent__c</fullName>', '  <type>MasterDetail</type>');
    plant(`${LINK_FIELDS}/Parent__c.field-meta.xml`, parent, 'MasterDetail');
    const message = `fieldPermissions on ProvisioningLink__c.Parent__c, a master-detail field: ${rejected}`;
    expectOnly(PLANTED_SET, grant('ProvisioningLink__c.Parent__c'), '<field>', message);
  });

  it('b: reports a custom metadata type field of a type custom metadata does not support', () => {
    const path = 'force-app/main/mapping/objects/ProvisioningRule__mdt/fields/Price__c.field-meta.xml';
    const message = /^a custom metadata type field cannot be of type Currency \(allowed: .*LongTextArea, Url\)$/;
    expectOnly(path, field('  <fullName>Price__c</fullName>', '  <type>Currency</type>'), '<type>', message);
  });

  it('c: reports a platform event field of a type platform events do not support', () => {
    const path = 'force-app/main/admin/objects/ProvisioningDeployResult__e/fields/Contact__c.field-meta.xml';
    const message =
      'a platform event field cannot be of type Email (allowed: Checkbox, Date, DateTime, Number, Text, LongTextArea)';
    expectOnly(path, field('  <fullName>Contact__c</fullName>', '  <type>Email</type>'), '<type>', message);
  });

  it('d: reports a Lightning page component that is not in the project, in each spelling', () => {
    const path = 'force-app/main/admin/flexipages/Planted.flexipage-meta.xml';
    const instance = (name: string): string[] => [
      '    <itemInstances>',
      '      <componentInstance>',
      `        <componentName>${name}</componentName>`,
      `        <identifier>${name.replace(/\W/g, '_')}</identifier>`,
      '      </componentInstance>',
      '    </itemInstances>'
    ];
    const lines = [
      '<?xml version="1.0" encoding="UTF-8" ?>',
      `<FlexiPage ${NS}>`,
      '  <flexiPageRegions>',
      ...instance('c:noSuchPanel'),
      ...instance('c__otherMissing'),
      ...instance('bareMissing'),
      ...instance('c:provisioningConsole'),
      ...instance('flexipage:richText'),
      '    <name>main</name>',
      '    <type>Region</type>',
      '  </flexiPageRegions>',
      '  <masterLabel>Planted</masterLabel>',
      '  <template>',
      '    <name>flexipage:defaultAppHomeTemplate</name>',
      '  </template>',
      '  <type>AppPage</type>',
      '</FlexiPage>'
    ];
    plant(path, lines, 'noSuchPanel');
    const at = (name: string): number => lines.findIndex((text) => text.includes(`<componentName>${name}<`)) + 1;
    expect(problems(checkMetadataSchema(workspace))).toEqual(
      ['c:noSuchPanel', 'c__otherMissing', 'bareMissing'].map(
        (name) => `${path}:${at(name)}: component ${name} does not exist in the project's lwc/ or aura/ folders`
      )
    );
  });
});

describe('metadata-schema sources', () => {
  const schema = loadMetadataSchema();
  const index = loadTypeIndex();

  it('enforces only required elements the jsforce schema also marks required', () => {
    for (const key of Object.keys(VERIFIED_REQUIRED)) {
      const [type, prop] = key.split('.');
      expect([key, findProperty(schema, type, prop)?.optional]).toEqual([key, false]);
    }
  });

  it('allowlists only elements the schema does not have (drop an entry once jsforce ships it)', () => {
    for (const key of Object.keys(NEWER_THAN_SCHEMA)) {
      const [type, prop] = key.split('.');
      expect(schema.types.has(type)).toBe(true);
      expect([key, findProperty(schema, type, prop)]).toEqual([key, undefined]);
    }
  });

  it('maps source-format paths to their types through the source-deploy-retrieve registry', () => {
    const cases: Array<[string, string]> = [
      ['admin/objects/Thing__c/Thing__c.object-meta.xml', 'CustomObject'],
      ['admin/objects/Thing__c/fields/F__c.field-meta.xml', 'CustomField'],
      ['admin/objects/Thing__c/listViews/All.listView-meta.xml', 'ListView'],
      ['admin/objects/Thing__c/recordTypes/Main.recordType-meta.xml', 'RecordType'],
      ['admin/objects/Thing__c/validationRules/V.validationRule-meta.xml', 'ValidationRule'],
      ['admin/objects/Thing__c/compactLayouts/C.compactLayout-meta.xml', 'CompactLayout'],
      ['admin/objects/Thing__c/webLinks/W.webLink-meta.xml', 'WebLink'],
      ['admin/objects/Thing__c/fieldSets/S.fieldSet-meta.xml', 'FieldSet'],
      ['admin/objects/Thing__c/businessProcesses/B.businessProcess-meta.xml', 'BusinessProcess'],
      ['mapping/customMetadata/Rule.One.md-meta.xml', 'CustomMetadata'],
      ['admin/lwc/fooBar/fooBar.js-meta.xml', 'LightningComponentBundle'],
      ['admin/aura/fooApp/fooApp.app-meta.xml', 'AuraDefinitionBundle'],
      ['admin/applications/Foo.app-meta.xml', 'CustomApplication'],
      ['test/staticresources/data.resource-meta.xml', 'StaticResource'],
      ['admin/flexipages/Home.flexipage-meta.xml', 'FlexiPage'],
      ['admin/permissionsets/Admin.permissionset-meta.xml', 'PermissionSet'],
      ['admin/classes/Foo.cls-meta.xml', 'ApexClass']
    ];
    for (const [path, type] of cases) expect([path, metadataTypeOf(index, path)]).toEqual([path, type]);
  });
});
