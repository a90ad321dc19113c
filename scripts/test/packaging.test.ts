import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SfProjectJson } from '@salesforce/core';
import { ApiSchemas } from 'jsforce/lib/api/metadata/schema';
import { CONNECTED_APP_PACKAGE, PACKAGED_CONNECTED_APP, PACKAGED_FLOW } from '../src/outbound/packages';

const ROOT = join(__dirname, '..', '..');
const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;

interface PackageDir {
  path: string;
  package?: string;
  versionNumber?: string;
  versionName?: string;
  definitionFile?: string;
  unpackagedMetadata?: { path: string };
  default?: boolean;
  dependencies?: Array<{ package: string; versionNumber?: string }>;
}

interface ProjectJson {
  packageDirectories: PackageDir[];
  packageAliases: Record<string, string>;
  sourceApiVersion: string;
  namespace: string;
}

interface ScratchDef {
  edition: string;
  features: string[];
  settings: Record<string, Record<string, unknown>>;
}

/** Validates an sfdx-project.json with @salesforce/core's own schema check (the one the sf CLI runs). */
async function schemaValidate(dir: string): Promise<void> {
  const previous = process.env.SFDX_PROJECT_JSON_VALIDATION;
  process.env.SFDX_PROJECT_JSON_VALIDATION = 'true';
  try {
    const json = await SfProjectJson.create({ ...SfProjectJson.getDefaultOptions(), rootFolder: dir });
    await json.schemaValidate();
  } finally {
    if (previous === undefined) delete process.env.SFDX_PROJECT_JSON_VALIDATION;
    else process.env.SFDX_PROJECT_JSON_VALIDATION = previous;
  }
}

/** Every feature name of the scratch org definition schema shipped with @salesforce/core. */
function schemaFeatures(): { names: Set<string>; patterns: RegExp[]; settings: Set<string> } {
  const schema = readJson<{
    properties: { features: unknown; settings: { properties: Record<string, unknown> } };
  }>('node_modules/@salesforce/core/schemas/project-scratch-def.schema.json');
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.pattern === 'string') patterns.push(new RegExp(record.pattern));
      else if (typeof record.title === 'string') names.add(record.title);
      if (Array.isArray(record.enum)) record.enum.forEach((value) => names.add(String(value)));
      Object.values(record).forEach(walk);
    }
  };
  walk(schema.properties.features);
  return { names, patterns, settings: new Set(Object.keys(schema.properties.settings.properties)) };
}

/**
 * Settings fields the installed jsforce metadata schema does not know, each with the documentation that shows it
 * exists (jsforce's schema lags: it has no ExternalClientAppSettings at all).
 */
const DOCUMENTED_SETTINGS: Record<string, string> = {
  'externalClientAppSettings.enableExternalClientApps':
    'https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_externalclientappsettings.htm'
};

describe('packaging', () => {
  const project = readJson<ProjectJson>('sfdx-project.json');
  const product = project.packageDirectories.find((dir) => dir.package === 'Provisio');

  it('sfdx-project.json passes the sf CLI schema check, and a broken copy does not', async () => {
    await expect(schemaValidate(ROOT)).resolves.toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'provisio-project-'));
    try {
      const broken = structuredClone(project) as unknown as { packageDirectories: Array<Record<string, unknown>> };
      broken.packageDirectories[0].unpackagedMetadata = {};
      writeFileSync(join(dir, 'sfdx-project.json'), JSON.stringify(broken));
      await expect(schemaValidate(dir)).rejects.toThrow(/not schema valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('declares the unlocked package Provisio over force-app/main, versioned, without a namespace', () => {
    expect(product).toBeDefined();
    expect(product?.path).toBe('force-app/main');
    expect(product?.default).toBe(true);
    expect(product?.versionNumber).toMatch(/^\d+\.\d+\.\d+\.NEXT$/);
    expect(project.namespace).toBe('');
    expect(project.sourceApiVersion).toBe('66.0');
  });

  it('declares the unlocked package Provisio Connected App: the Connected App and the flow, depending on Provisio', () => {
    const second = project.packageDirectories.find((dir) => dir.package === CONNECTED_APP_PACKAGE);
    expect(second).toMatchObject({ path: 'packages/connected-app', default: false });
    expect(second?.versionNumber).toMatch(/^\d+\.\d+\.\d+\.NEXT$/);
    expect(second?.dependencies?.map((d) => d.package)).toEqual(['Provisio']);
    expect(second?.dependencies?.[0].versionNumber).toMatch(/^\d+\.\d+\.\d+\.LATEST$/);
    // Outside force-app: `sf project deploy start --source-dir force-app` (README) never tries to create the app.
    expect(second?.path.startsWith('force-app')).toBe(false);
    const dir = join(ROOT, 'packages', 'connected-app');
    expect(readdirSync(dir).sort()).toEqual(['connectedApps', 'flows']);
    const app = readFileSync(join(dir, 'connectedApps', 'Provisio_SCIM.connectedApp-meta.xml'), 'utf8');
    expect(app).toContain(`<label>${PACKAGED_CONNECTED_APP}</label>`);
    // A bookmark app: no OAuth, and never a consumer key (it would clash in every other org).
    expect(app).not.toMatch(/<oauthConfig|<consumerKey/);
    const flow = readFileSync(join(dir, 'flows', `${PACKAGED_FLOW}.flow-meta.xml`), 'utf8');
    expect(flow).toContain('<processType>UserProvisioningFlow</processType>');
    expect(flow).toContain('<apexClass>ProvisioningConnectedAppPlugin</apexClass>');
    // The plug-in it calls is in the Provisio package, and takes every input the flow passes.
    const plugin = readFileSync(
      join(ROOT, 'force-app/main/connectedapp/classes/ProvisioningConnectedAppPlugin.cls'),
      'utf8'
    );
    expect(plugin).toMatch(/extends UserProvisioning\.UserProvisioningPlugin/);
    const inputs = [...flow.matchAll(/<inputParameters>\s*<name>(\w+)<\/name>/g)].map((m) => m[1]);
    expect(inputs.sort()).toEqual([
      'NamedCredDevName',
      'reconFilter',
      'reconOffset',
      'userId',
      'userProvisioningRequestId'
    ]);
  });

  it('builds versions in the scratch org shape and tests them with the unpackaged test directory', () => {
    expect(product?.definitionFile).toBe('config/project-scratch-def.json');
    expect(existsSync(join(ROOT, product?.definitionFile ?? 'missing'))).toBe(true);
    const tests = product?.unpackagedMetadata?.path ?? 'missing';
    expect(existsSync(join(ROOT, tests))).toBe(true);
    const testDir = project.packageDirectories.find((dir) => dir.path === tests);
    expect(testDir?.package).toBeUndefined();
  });

  it('leaves packageAliases empty until a Dev Hub creates the package (then only real 0Ho/04t ids)', () => {
    for (const [alias, id] of Object.entries(project.packageAliases)) {
      expect(alias).toMatch(/^Provisio( Connected App)?(@\d+\.\d+\.\d+-\d+)?$/);
      expect(id).toMatch(alias.includes('@') ? /^04t\w{15}$/ : /^0Ho\w{15}$/);
    }
  });

  it('the scratch definition uses only features and settings the platform defines', () => {
    const def = readJson<ScratchDef>('config/project-scratch-def.json');
    const schema = schemaFeatures();
    expect(['Developer', 'Enterprise', 'Partner Developer']).toContain(def.edition);
    for (const feature of def.features) {
      expect(schema.names.has(feature) || schema.patterns.some((p) => p.test(feature))).toBe(true);
    }
    expect(def.features).toEqual(expect.arrayContaining(['IdentityProvisioningFeatures', 'API', 'AuthorApex']));
    for (const [setting, fields] of Object.entries(def.settings)) {
      expect(schema.settings.has(setting)).toBe(true);
      const type = setting.charAt(0).toUpperCase() + setting.slice(1);
      const props = (ApiSchemas as unknown as Record<string, { props: Record<string, unknown> } | undefined>)[type]
        ?.props;
      for (const field of Object.keys(fields)) {
        const known = props ? field in props : false;
        expect(known || `${setting}.${field}` in DOCUMENTED_SETTINGS).toBe(true);
      }
    }
  });

  it('keeps per-class coverage available to the coverage gate', () => {
    const def = readJson<ScratchDef>('config/project-scratch-def.json');
    expect(def.settings.apexSettings?.enableAggregateCodeCoverageOnly).toBe(false);
  });

  it('has a post-install note that the package workflow links to', () => {
    const note = readFileSync(join(ROOT, 'docs', 'post-install.md'), 'utf8');
    expect(note).toContain('ProvisioningAdmin');
    expect(note).toContain(CONNECTED_APP_PACKAGE);
    const workflow = readFileSync(join(ROOT, '.github', 'workflows', 'package.yml'), 'utf8');
    expect(workflow).toContain('/docs/post-install.md');
    // Both packages, the one depended on first.
    expect(workflow).toMatch(/for PACKAGE in "Provisio" "Provisio Connected App"/);
  });
});
