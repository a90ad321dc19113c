import { USER_PROVISIONING_CONFIG_ELEMENTS } from '../../org/userProvisioningConfig';
import { readZip } from '../../org/zip';
import { sfNow } from '../db';
import { EmulatorModule, EmulatorResponse, RouteContext, xmlEscape, xmlValue, xmlValues } from '../http';
import { randomText } from '../ids';
import { OrgState } from '../state';
import { oauthClients } from './oauth';
import { soapFault } from './soap';

const ENVELOPE_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const MD_NS = 'http://soap.sforce.com/2006/04/metadata';

interface ComponentResult {
  componentType: string;
  fileName: string;
  fullName: string;
  success: boolean;
  created: boolean;
  changed: boolean;
  problem?: string;
}

interface DeployJob {
  id: string;
  checkOnly: boolean;
  polls: number;
  createdDate: string;
  components: ComponentResult[];
  /** Applied when the job completes (never for checkOnly or failed deploys with rollbackOnError). */
  apply: Array<() => void>;
  rollbackOnError: boolean;
  failure?: string;
}

const JOBS = 'metadata.jobs';

function jobs(state: OrgState): Map<string, DeployJob> {
  return state.extension<Map<string, DeployJob>>(JOBS, () => new Map());
}

/** Folder and suffix of each metadata type the emulator models (SDR registry names; see ref-metadata.md §4). */
const TYPES: Array<{ folder: string; suffix: string; type: string }> = [
  { folder: 'externalClientApps', suffix: '.eca', type: 'ExternalClientApplication' },
  { folder: 'extlClntAppOauthSettings', suffix: '.ecaOauth', type: 'ExtlClntAppOauthSettings' },
  { folder: 'extlClntAppGlobalOauthSets', suffix: '.ecaGlblOauth', type: 'ExtlClntAppGlobalOauthSettings' },
  { folder: 'extlClntAppOauthPolicies', suffix: '.ecaOauthPlcy', type: 'ExtlClntAppOauthConfigurablePolicies' },
  { folder: 'extlClntAppPolicies', suffix: '.ecaPlcy', type: 'ExtlClntAppConfigurablePolicies' },
  { folder: 'connectedApps', suffix: '.connectedApp', type: 'ConnectedApp' },
  { folder: 'permissionsets', suffix: '.permissionset', type: 'PermissionSet' },
  { folder: 'userProvisioningConfigs', suffix: '.userProvisioningConfig', type: 'UserProvisioningConfig' }
];

/** The UserProvisioningConfig fields the emulator keeps: every element of the type. */
const PROVISIONING_CONFIG_FIELDS = USER_PROVISIONING_CONFIG_ELEMENTS;
const PROVISIONING_CONFIGS = 'metadata.userProvisioningConfigs';

function provisioningConfigs(state: OrgState): Map<string, Record<string, string>> {
  return state.extension<Map<string, Record<string, string>>>(PROVISIONING_CONFIGS, () => new Map());
}

/**
 * Checks a UserProvisioningConfig the way its documentation describes it: masterLabel and connectedApp are required,
 * connectedApp is "the ID of the connected app" and namedCredential "the Salesforce ID of the named credential".
 * The problem texts are INFERRED (no captured failure exists).
 */
function provisioningConfigProblem(state: OrgState, fields: Record<string, string>): string | undefined {
  const id = (value: string): string => value.slice(0, 15);
  if (!fields.masterLabel) return 'Required field is missing: masterLabel';
  if (!fields.connectedApp) return 'Required field is missing: connectedApp';
  if (!state.db.where('ConnectedApplication', (r) => id(String(r.Id)) === id(fields.connectedApp))[0]) {
    return `connectedApp: invalid connected app ID: ${fields.connectedApp}`;
  }
  if (
    fields.namedCredential &&
    !state.db.where('NamedCredential', (r) => id(String(r.Id)) === id(fields.namedCredential))[0]
  ) {
    return `namedCredential: invalid named credential ID: ${fields.namedCredential}`;
  }
  return undefined;
}

function classify(path: string): { type: string; fullName: string } | undefined {
  const parts = path.split('/');
  const file = parts[parts.length - 1];
  const folder = parts[parts.length - 2];
  for (const t of TYPES) {
    if (folder !== t.folder) continue;
    for (const ext of [`${t.suffix}-meta.xml`, t.suffix]) {
      if (file.endsWith(ext)) return { type: t.type, fullName: file.slice(0, -ext.length) };
    }
  }
  return undefined;
}

/** Builds the deploy job: validates every component and prepares its effect on the org. */
function planDeploy(state: OrgState, files: Record<string, Buffer>, checkOnly: boolean, rollbackOnError: boolean) {
  const job: DeployJob = {
    id: state.ids.next('0Af'),
    checkOnly,
    polls: 0,
    createdDate: sfNow(),
    components: [],
    apply: [],
    rollbackOnError
  };
  const names = Object.keys(files);
  const packageXml = names.find((n) => n === 'package.xml' || n.endsWith('/package.xml'));
  if (!packageXml) {
    // REAL: fixtures/metadata/checkDeployStatus_Failed_no_package_xml__simple-salesforce.xml
    job.components.push({
      componentType: '',
      fileName: 'package.xml',
      fullName: 'package.xml',
      success: false,
      created: false,
      changed: false,
      problem: 'No package.xml found'
    });
    return job;
  }
  const ecaByName = new Map<string, Record<string, string>>();
  for (const name of names) {
    if (name === packageXml) continue;
    const kind = classify(name);
    const xml = files[name].toString('utf8');
    const base = { fileName: name, fullName: kind?.fullName ?? name, created: false, changed: false };
    if (!kind) {
      job.components.push({
        ...base,
        componentType: '',
        success: false,
        problem: `The local org emulator does not model the metadata in ${name}.`
      });
      continue;
    }
    const result: ComponentResult = { ...base, componentType: kind.type, success: true };
    if (kind.type === 'ConnectedApp' && state.settings.connectedAppCreationBlocked) {
      // INFERRED problem text: KB 005228017 says API creation is blocked like the UI; the exact text is unconfirmed.
      result.success = false;
      result.problem = 'You can no longer create connected apps. Create an external client app instead.';
    } else if (kind.type.startsWith('ExtlClntApp') || kind.type === 'ExternalClientApplication') {
      if (!state.settings.externalClientAppsEnabled) {
        // INFERRED problem text (documented requirement: "Opt in to External Client Apps").
        result.success = false;
        result.problem = 'External client apps are not enabled in this org.';
      } else {
        const eca =
          kind.type === 'ExternalClientApplication'
            ? kind.fullName
            : (xmlValue(xml, 'externalClientApplication') ?? '');
        const entry = ecaByName.get(eca) ?? {};
        if (kind.type === 'ExternalClientApplication') entry.label = xmlValue(xml, 'label') ?? eca;
        if (kind.type === 'ExtlClntAppOauthConfigurablePolicies') {
          entry.runAs = xmlValue(xml, 'clientCredentialsFlowUser') ?? '';
          entry.ccEnabled = xmlValue(xml, 'isClientCredentialsFlowEnabled') ?? 'false';
          if (entry.runAs && !state.userByUsername(entry.runAs)) {
            result.success = false;
            result.problem = `Invalid clientCredentialsFlowUser: ${entry.runAs}`;
          }
        }
        ecaByName.set(eca, entry);
        const existing = state.tooling.where('ExternalClientApplication', (r) => r.DeveloperName === eca)[0];
        result.created = !existing && kind.type === 'ExternalClientApplication';
        result.changed = true;
      }
    } else if (kind.type === 'UserProvisioningConfig') {
      const fields: Record<string, string> = {};
      for (const field of PROVISIONING_CONFIG_FIELDS) {
        const value = xmlValue(xml, field);
        if (value !== undefined) fields[field] = value;
      }
      const problem = provisioningConfigProblem(state, fields);
      if (problem) {
        result.success = false;
        result.problem = problem;
      } else {
        const configs = provisioningConfigs(state);
        result.created = !configs.has(kind.fullName);
        result.changed = true;
        job.apply.push(() => configs.set(kind.fullName, fields));
      }
    } else if (kind.type === 'PermissionSet') {
      result.created = !state.db.where('PermissionSet', (p) => p.Name === kind.fullName)[0];
      result.changed = true;
    }
    job.components.push(result);
  }
  for (const [name, entry] of ecaByName) {
    job.apply.push(() => {
      let record = state.tooling.where('ExternalClientApplication', (r) => r.DeveloperName === name)[0];
      if (!record) {
        record = state.tooling.insert('ExternalClientApplication', {
          DeveloperName: name,
          MasterLabel: entry.label ?? name,
          DistributionState: 'Local'
        });
      }
      const clients = oauthClients(state);
      const existing = [...clients.values()].find((c) => c.appName === name);
      if (existing) {
        existing.runAsUsername = entry.ccEnabled === 'true' ? entry.runAs : undefined;
      } else {
        const clientId = `3MVG9${randomText(80)}`;
        clients.set(clientId, {
          clientId,
          clientSecret: randomText(64),
          appName: name,
          runAsUsername: entry.ccEnabled === 'true' ? entry.runAs : undefined
        });
      }
    });
  }
  return job;
}

function componentXml(tag: string, c: ComponentResult, createdDate: string): string {
  return (
    `<${tag}><changed>${c.changed}</changed><componentType>${xmlEscape(c.componentType)}</componentType>` +
    `<created>${c.created}</created><createdDate>${createdDate}</createdDate><deleted>false</deleted>` +
    `<fileName>${xmlEscape(c.fileName)}</fileName><fullName>${xmlEscape(c.fullName)}</fullName>` +
    (c.problem ? `<problem>${xmlEscape(c.problem)}</problem><problemType>Error</problemType>` : '') +
    `<success>${c.success}</success></${tag}>`
  );
}

function envelope(inner: string): EmulatorResponse {
  return {
    status: 200,
    headers: { 'Content-Type': 'text/xml;charset=UTF-8' },
    body:
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ENVELOPE_NS}" xmlns="${MD_NS}" ` +
      `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`
  };
}

/** checkDeployStatus result, in the element order of the captured samples (fixtures/metadata/checkDeployStatus_*). */
function statusXml(state: OrgState, job: DeployJob, includeDetails: boolean): string {
  const done = job.polls > state.settings.deployPollsBeforeDone;
  const failures = job.components.filter((c) => !c.success);
  const success = done && failures.length === 0;
  const status = !done ? 'InProgress' : success ? 'Succeeded' : 'Failed';
  if (done && !job.failure && !job.checkOnly && (success || !job.rollbackOnError)) {
    for (const apply of job.apply.splice(0)) apply();
  }
  const now = sfNow().replace('+0000', 'Z');
  // While in progress, the captured sample's details hold only runTestResult.
  const details = !done
    ? '<details><runTestResult><numFailures>0</numFailures><numTestsRun>0</numTestsRun><totalTime>0.0</totalTime></runTestResult></details>'
    : includeDetails
      ? '<details>' +
        job.components
          .filter((c) => c.success)
          .map((c) => componentXml('componentSuccesses', c, now))
          .join('') +
        failures.map((c) => componentXml('componentFailures', c, now)).join('') +
        '<runTestResult><numFailures>0</numFailures><numTestsRun>0</numTestsRun><totalTime>0.0</totalTime></runTestResult>' +
        '</details>'
      : '';
  return (
    '<checkDeployStatusResponse><result>' +
    `<checkOnly>${job.checkOnly}</checkOnly>` +
    (done ? `<completedDate>${now}</completedDate>` : '') +
    `<createdBy>${state.adminUserId.slice(0, 15)}</createdBy><createdByName>Ada Admin</createdByName>` +
    `<createdDate>${job.createdDate.replace('+0000', 'Z')}</createdDate>${details}` +
    `<done>${done}</done><id>${job.id}</id><ignoreWarnings>false</ignoreWarnings>` +
    `<lastModifiedDate>${now}</lastModifiedDate>` +
    `<numberComponentErrors>${done ? failures.length : 0}</numberComponentErrors>` +
    `<numberComponentsDeployed>${done ? job.components.length - failures.length : 0}</numberComponentsDeployed>` +
    `<numberComponentsTotal>${job.components.length}</numberComponentsTotal>` +
    '<numberTestErrors>0</numberTestErrors><numberTestsCompleted>0</numberTestsCompleted>' +
    `<numberTestsTotal>0</numberTestsTotal><rollbackOnError>${job.rollbackOnError}</rollbackOnError>` +
    `<runTestsEnabled>false</runTestsEnabled><startDate>${job.createdDate.replace('+0000', 'Z')}</startDate>` +
    `<status>${status}</status><success>${success}</success></result></checkDeployStatusResponse>`
  );
}

function readMetadata(state: OrgState, xml: string): string {
  const type = xmlValue(xml, 'type') ?? '';
  const names = xmlValues(xml, 'fullNames');
  const records = names.map((fullName) => {
    if (type === 'ExternalClientAppSettings' && fullName === 'ExternalClientApp') {
      return (
        '<records xsi:type="ExternalClientAppSettings"><fullName>ExternalClientApp</fullName>' +
        `<enableExternalClientApps>${state.settings.externalClientAppsEnabled}</enableExternalClientApps>` +
        '</records>'
      );
    }
    const config = type === 'UserProvisioningConfig' ? provisioningConfigs(state).get(fullName) : undefined;
    if (config) {
      const body = PROVISIONING_CONFIG_FIELDS.filter((f) => config[f] !== undefined)
        .map((f) => `<${f}>${xmlEscape(config[f])}</${f}>`)
        .join('');
      return `<records xsi:type="UserProvisioningConfig"><fullName>${xmlEscape(fullName)}</fullName>${body}</records>`;
    }
    const profile = type === 'Profile' ? state.profileByName(fullName) : undefined;
    if (profile) {
      // Only the parts the tooling reads: the profile's name and its login IP ranges.
      const ranges = (state.profileLoginIpRanges.get(profile.Id) ?? [])
        .map(
          (r) =>
            `<loginIpRanges>${r.description ? `<description>${xmlEscape(r.description)}</description>` : ''}` +
            `<endAddress>${r.end}</endAddress><startAddress>${r.start}</startAddress></loginIpRanges>`
        )
        .join('');
      return `<records xsi:type="Profile"><fullName>${xmlEscape(fullName)}</fullName>${ranges}</records>`;
    }
    return '<records xsi:nil="true"/>';
  });
  return `<readMetadataResponse><result>${records.join('')}</result></readMetadataResponse>`;
}

function metadataHandler(ctx: RouteContext): EmulatorResponse {
  const xml = ctx.text();
  const sessionId = xmlValue(xml, 'sessionId') ?? '';
  if (!ctx.state.sessions.has(sessionId)) {
    return soapFault(
      'INVALID_SESSION_ID',
      'Invalid Session ID found in SessionHeader: Illegal Session',
      'UnexpectedErrorFault',
      'http://soap.sforce.com/2006/08/apex'
    );
  }
  const state = ctx.state;
  if (/<(?:[\w-]+:)?deploy[\s>]/.test(xml)) {
    const zipBase64 = xmlValue(xml, 'ZipFile') ?? '';
    let files: Record<string, Buffer>;
    try {
      files = readZip(Buffer.from(zipBase64, 'base64'));
    } catch (error) {
      return soapFault('UNKNOWN_EXCEPTION', `Invalid zip: ${(error as Error).message}`, 'UnexpectedErrorFault');
    }
    const checkOnly = xmlValue(xml, 'checkOnly') === 'true';
    const rollbackOnError = xmlValue(xml, 'rollbackOnError') !== 'false';
    const job = planDeploy(state, files, checkOnly, rollbackOnError);
    jobs(state).set(job.id, job);
    // REAL shape: fixtures/metadata/deployResponse_Queued__simple-salesforce.xml
    return envelope(
      `<deployResponse><result><done>false</done><id>${job.id}</id><state>Queued</state></result></deployResponse>`
    );
  }
  if (/<(?:[\w-]+:)?checkDeployStatus[\s>]/.test(xml)) {
    const id = xmlValue(xml, 'asyncProcessId') ?? '';
    const job = jobs(state).get(id) ?? [...jobs(state).values()].find((j) => j.id.startsWith(id));
    if (!job) return soapFault('INVALID_ID_FIELD', `invalid id: ${id}`, 'InvalidIdFault');
    job.polls++;
    return envelope(statusXml(state, job, xmlValue(xml, 'includeDetails') === 'true'));
  }
  if (/<(?:[\w-]+:)?readMetadata[\s>]/.test(xml)) return envelope(readMetadata(state, xml));
  return soapFault(
    'UNKNOWN_EXCEPTION',
    'The emulator implements deploy, checkDeployStatus and readMetadata only.',
    'UnexpectedErrorFault'
  );
}

/** The Metadata API SOAP endpoint (`/services/Soap/m/NN.N[/orgId]`): deploy, checkDeployStatus, readMetadata. */
export function metadataModule(): EmulatorModule {
  return {
    name: 'metadata',
    routes: [
      { method: 'POST', path: '/services/Soap/m/:ver', auth: 'none', handler: metadataHandler },
      { method: 'POST', path: '/services/Soap/m/:ver/:orgId', auth: 'none', handler: metadataHandler }
    ]
  };
}
