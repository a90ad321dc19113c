/**
 * The outbound world: the product's Apex running in an org session (apex/session.ts) against the local SCIM target
 * in a child process, over real HTTP on 127.0.0.1. The ScimTarget Named Credential points at the target with its
 * bearer token; the ScimTarget custom metadata record is switched on in the stage asked for. What a scenario does
 * to Salesforce is anonymous Apex (as an admin would run it, or a delegated user), so the evidence shows the exact
 * change; what happened on the target is read back from the target itself.
 */
import { join } from 'node:path';
import { OrgSession, StepReport } from '../apex/session';
import { packageDirectories, projectSources } from '../apex/runner/run';
import { startScimTargetProcess, ScimTargetProcess } from '../scim/process';

export const TARGET = 'ScimTarget';
/** The platform event trigger that starts the worker (ProvisioningHandoff). */
export const HANDOFF_TRIGGER = 'ProvisioningRequestTrigger';
export const PRINCIPAL_PERMISSION_SET = 'ProvisioningAdmin';
export const INTEGRATION_USERNAME = 'provisio.integration@example.com';
/** A fault for the target's admin API: the next create answers 429 with Retry-After: 120. */
export const RATE_LIMIT_ONCE = {
  kind: 'status',
  status: 429,
  retryAfter: 120,
  method: 'POST',
  path: '/Users',
  count: 1
};

export interface ScimUserView {
  id: string;
  userName: string;
  externalId?: string;
  active?: boolean;
  title?: string;
  emails?: Array<{ value: string; type?: string; primary?: boolean }>;
  name?: { givenName?: string; familyName?: string };
  [key: string]: unknown;
}

export interface WorldOptions {
  projectRoot: string;
  /** Target stage: DryRun, Pilot (default) or Live. */
  stage?: 'DryRun' | 'Pilot' | 'Live';
  /** More target fields (custom metadata values) to set. */
  target?: Record<string, string | number | boolean | null>;
  /**
   * The permission set that gives principal access to the Named Credential's External Credential (setup outbound's
   * `--grant-to`, ProvisioningAdmin by default). Callouts by users without it fail as the platform fails them.
   */
  principalPermissionSet?: string;
  /** A token for the target (default: a random one). */
  token?: string;
}

/** Apex that inserts a standard user (and, for pilot users, assigns the pilot permission set). */
export function newUserApex(user: {
  alias: string;
  firstName: string;
  lastName: string;
  email?: string;
  title?: string;
  pilot?: boolean;
  variable?: string;
}): string {
  const v = user.variable ?? user.alias;
  const email = user.email ?? `${user.alias}@example.com`;
  const lines = [
    `Profile ${v}Profile = [SELECT Id FROM Profile WHERE Name = 'Standard User' LIMIT 1];`,
    `User ${v} = new User(FirstName = '${user.firstName}', LastName = '${user.lastName}', Email = '${email}',`,
    `    Username = '${email}', Alias = '${user.alias.slice(0, 8)}', Title = ${user.title ? `'${user.title}'` : 'null'},`,
    `    TimeZoneSidKey = 'Europe/London', LocaleSidKey = 'en_GB', EmailEncodingKey = 'UTF-8',`,
    `    LanguageLocaleKey = 'en_US', ProfileId = ${v}Profile.Id);`,
    `insert ${v};`
  ];
  if (user.pilot !== false) {
    lines.push(
      `insert new PermissionSetAssignment(AssigneeId = ${v}.Id,`,
      `    PermissionSetId = [SELECT Id FROM PermissionSet WHERE Name = 'ProvisioningPilot'].Id);`
    );
  }
  return lines.join('\n');
}

/** The product's own Apex (the default package directory), without the test classes. */
function productSources(projectRoot: string) {
  const main = join(packageDirectories(projectRoot)[0]);
  return projectSources(projectRoot).filter((s) => s.path.startsWith(main));
}

export class OutboundWorld {
  /** The user the hand-off trigger, and so the worker, runs as. */
  integrationUserId = '';
  /** Every piece of anonymous Apex run through apex(), in order (the demo's evidence of each Salesforce change). */
  readonly apexLog: string[] = [];

  private constructor(
    readonly session: OrgSession,
    readonly target: ScimTargetProcess,
    private readonly targetRowId: string
  ) {}

  static async start(options: WorldOptions): Promise<OutboundWorld> {
    const token = options.token ?? `e2e-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const target = await startScimTargetProcess({ token });
    try {
      const session = new OrgSession({
        projectRoot: options.projectRoot,
        sources: productSources(options.projectRoot),
        namedCredentials: {
          [TARGET]: {
            url: target.url,
            token,
            externalCredential: {
              name: `${TARGET}_Auth`,
              principalPermissionSets: [options.principalPermissionSet ?? PRINCIPAL_PERMISSION_SET]
            }
          }
        }
      });
      const [row] = session.query(`SELECT Id FROM ProvisioningTarget__mdt WHERE DeveloperName = '${TARGET}'`);
      if (!row) throw new Error(`the project has no ProvisioningTarget__mdt record ${TARGET}`);
      const world = new OutboundWorld(session, target, row.Id as string);
      world.configureTarget({ IsEnabled__c: true, Stage__c: options.stage ?? 'Pilot', ...options.target });
      world.setUpIntegrationUser(options.principalPermissionSet ?? PRINCIPAL_PERMISSION_SET);
      return world;
    } catch (error) {
      await target.stop();
      throw error;
    }
  }

  /**
   * What setup outbound does for the integration user: a dedicated user holding the principal's permission set, named
   * as the running user of ProvisioningRequestTrigger (its PlatformEventSubscriberConfig). The admin who runs the
   * scenarios holds the permission set too (it is also the console's admin permission set).
   */
  private setUpIntegrationUser(permissionSet: string): void {
    this.apex(`${newUserApex({
      alias: 'integ',
      firstName: 'Provisio',
      lastName: 'Integration',
      email: INTEGRATION_USERNAME,
      pilot: false,
      variable: 'integration'
    })}
      Id ps = [SELECT Id FROM PermissionSet WHERE Name = '${permissionSet}'].Id;
      insert new List<PermissionSetAssignment>{
        new PermissionSetAssignment(AssigneeId = integration.Id, PermissionSetId = ps),
        new PermissionSetAssignment(AssigneeId = UserInfo.getUserId(), PermissionSetId = ps)
      };`);
    this.integrationUserId = this.userId(INTEGRATION_USERNAME);
    this.session.org.eventSubscriberUsers.set(HANDOFF_TRIGGER.toLowerCase(), this.integrationUserId);
  }

  /** Changes the target's custom metadata values (as a deployment of the record would). */
  configureTarget(fields: Record<string, string | number | boolean | null>): void {
    this.session.org.updateSystemRow(this.targetRowId, fields);
  }

  /** Runs anonymous Apex and everything it queues; throws when the anonymous transaction itself failed. */
  apex(code: string, asUser?: string): StepReport {
    this.apexLog.push(code);
    const report = this.session.execute(code, { asUser });
    const first = report.transactions[0];
    if (!first.ok) throw new Error(`the Apex step failed: ${first.error}\n${code}`);
    return report;
  }

  userId(username: string): string {
    const [row] = this.session.query(`SELECT Id FROM User WHERE Username = '${username}'`);
    if (!row) throw new Error(`no user ${username}`);
    return row.Id as string;
  }

  events(userId?: string): Array<Record<string, unknown>> {
    const where = userId ? ` WHERE User__c = '${userId}'` : '';
    return this.session.query(
      `SELECT Id, User__c, Operation__c, State__c, Attempt__c, NextAttemptAt__c, Error__c, HttpStatus__c, Source__c, DecisionReason__c, Request__c FROM ProvisioningEvent__c${where} ORDER BY CreatedDate, Id`
    );
  }

  links(): Array<Record<string, unknown>> {
    return this.session.query('SELECT Id, User__c, ExternalId__c, Status__c, Target__c FROM ProvisioningLink__c');
  }

  /** Every user the target holds. */
  async targetUsers(): Promise<ScimUserView[]> {
    const users: ScimUserView[] = [];
    for (let start = 1; ;) {
      const result = await this.target.scim('GET', `/Users?startIndex=${start}&count=100`);
      if (result.status !== 200) throw new Error(`GET /Users: HTTP ${result.status}`);
      const page = result.body as { Resources?: ScimUserView[]; totalResults?: number };
      const resources = page.Resources ?? [];
      users.push(...resources);
      start += resources.length;
      if (resources.length === 0 || users.length >= (page.totalResults ?? 0)) return users;
    }
  }

  async targetUser(userName: string): Promise<ScimUserView | undefined> {
    return (await this.targetUsers()).find((u) => u.userName.toLowerCase() === userName.toLowerCase());
  }

  async close(): Promise<void> {
    this.session.close();
    await this.target.stop();
  }
}
