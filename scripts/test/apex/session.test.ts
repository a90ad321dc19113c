/**
 * Conformance of the org session and the callout bridge (scripts/src/apex/session.ts, bridge/): what an org does
 * outside a test, each case with the documentation it follows. The project's schema is used (for a platform event
 * and permission sets); the Apex is only what each case loads. The callouts go to the local SCIM target in a child
 * process (it needs `npm run build`, which `npm test` does first).
 */
import { resolve } from 'node:path';
import { OrgSession } from '../../src/apex/session';
import { startScimTargetProcess, ScimTargetProcess } from '../../src/scim/process';

const ROOT = resolve(__dirname, '..', '..', '..');
const TOKEN = `session-test-${Date.now().toString(36)}`;

const SOURCES = [
  {
    path: 'session/Later.cls',
    text: `public class Later implements Queueable {
  public void execute(QueueableContext ctx) { System.debug('later ran at ' + System.now().getTime()); }
}`
  },
  {
    path: 'session/WhoHandles.trigger',
    text: `trigger WhoHandles on ProvisioningRequest__e (after insert) { System.debug('event trigger as ' + UserInfo.getUserId()); }`
  }
];

const callout = (endpoint: string, timeout = 10000): string =>
  `HttpRequest r = new HttpRequest(); r.setEndpoint('${endpoint}'); r.setMethod('GET'); r.setTimeout(${timeout});
   HttpResponse res = new Http().send(r);
   System.debug('status ' + res.getStatusCode());`;

let target: ScimTargetProcess;
let session: OrgSession;

beforeAll(async () => {
  target = await startScimTargetProcess({ token: TOKEN });
  session = new OrgSession({
    projectRoot: ROOT,
    sources: SOURCES,
    namedCredentials: {
      Open: { url: target.url, token: TOKEN },
      Guarded: {
        url: target.url,
        token: TOKEN,
        externalCredential: { name: 'Guarded_Auth', principalPermissionSets: ['ProvisioningAdmin'] }
      }
    }
  });
}, 60000);

afterAll(async () => {
  session?.close();
  await target?.stop();
});

describe('callout bridge', () => {
  test('a callout: endpoint reaches its Named Credential URL with the credential token (Apex never sets it)', () => {
    const step = session.execute(callout('callout:Open/Users'));
    expect(step.transactions[0]).toMatchObject({ ok: true });
    expect(step.debug).toContain('DEBUG|status 200');
    expect(step.callouts[0]).toMatchObject({ namedCredential: 'Open', method: 'GET', status: 200 });
  });

  test('an endpoint outside callout: is refused as outside the Remote Site Settings (none exist here)', () => {
    const step = session.execute(callout('https://example.com/x'));
    expect(step.transactions[0].error).toBe(
      'System.CalloutException: Unauthorized endpoint, please check Setup->Security->Remote site settings. endpoint = https://example.com/x'
    );
    expect(step.callouts).toEqual([]);
  });

  test('an unknown Named Credential is refused', () => {
    const step = session.execute(callout('callout:Nope/Users'));
    expect(step.transactions[0].error).toContain('the named credential "Nope" might not exist');
  });

  test('a user without principal access to the External Credential is refused (Help: Enable External Credential Principals)', () => {
    const refused = session.execute(callout('callout:Guarded/ServiceProviderConfig'));
    expect(refused.transactions[0].error).toContain('the external credential "Guarded_Auth" might not exist');
    session.execute(`insert new PermissionSetAssignment(AssigneeId = UserInfo.getUserId(),
      PermissionSetId = [SELECT Id FROM PermissionSet WHERE Name = 'ProvisioningAdmin'].Id);`);
    expect(session.execute(callout('callout:Guarded/ServiceProviderConfig')).debug).toContain('DEBUG|status 200');
  });

  test("no answer within the request's timeout is a CalloutException 'Read timed out'", async () => {
    await target.admin('POST', '/faults', { kind: 'timeout', ms: 3000, method: 'GET', path: '/Users', count: 1 });
    const step = session.execute(callout('callout:Open/Users', 500));
    expect(step.transactions[0].error).toBe('System.CalloutException: Read timed out');
    expect(step.callouts[0]).toMatchObject({ status: 0, error: 'Read timed out' });
  });
});

describe('org session', () => {
  test('an unhandled exception rolls the anonymous transaction back', () => {
    const step = session.execute(`insert new Account(Name = 'rolled back'); Integer z = 0; Integer x = 1 / z;`);
    expect(step.transactions[0].error).toBe('System.MathException: Divide by 0');
    expect(session.query("SELECT Id FROM Account WHERE Name = 'rolled back'")).toEqual([]);
  });

  test('a delayed Queueable waits for the clock (System.enqueueJob(job, delay)); System.now follows the clock', () => {
    const before = session.now();
    const step = session.execute('System.enqueueJob(new Later(), 5);');
    expect(step.transactions.map((t) => t.kind)).toEqual(['anonymous']);
    expect(session.queued()).toEqual([expect.objectContaining({ kind: 'Queueable' })]);
    expect(session.advance(4).transactions).toEqual([]);
    const later = session.advance(2);
    expect(later.transactions).toEqual([expect.objectContaining({ kind: 'Queueable', ok: true })]);
    const ranAt = Number(/later ran at (\d+)/.exec(later.debug.join('\n'))?.[1]);
    expect(ranAt - before).toBeGreaterThanOrEqual(6 * 60000);
  });

  test('an upsert racing a concurrent commit of its unique key fails DUPLICATE_VALUE; the other row outlives the rollback', () => {
    const key = `race-${Date.now().toString(36)}`;
    const upsert = (externalId: string): string =>
      `upsert new ProvisioningLink__c(Key__c = '${key}', Target__c = 'Acme', ExternalId__c = '${externalId}') Key__c;`;
    session.org.raceNextUpsert('ProvisioningLink__c', () => ({
      Key__c: key,
      Target__c: 'Acme',
      ExternalId__c: 'theirs'
    }));
    const raced = session.execute(upsert('mine'));
    expect(raced.transactions[0].error).toMatch(
      /^System\.DmlException: Upsert failed\. First exception on row 0; first error: DUPLICATE_VALUE, duplicate value found: Key__c duplicates value on record with id: a\w+/
    );
    const links = (): unknown[] =>
      session.query(`SELECT ExternalId__c FROM ProvisioningLink__c WHERE Key__c = '${key}'`);
    expect(links()).toEqual([expect.objectContaining({ ExternalId__c: 'theirs' })]);
    // No race armed now: the same upsert matches the committed row and updates it.
    expect(session.execute(upsert('mine')).transactions[0]).toMatchObject({ ok: true });
    expect(links()).toEqual([expect.objectContaining({ ExternalId__c: 'mine' })]);
  });

  test('Apex email is refused unless deliverability is All email (Help, knowledge article 000384750)', () => {
    const send = `Messaging.SingleEmailMessage m = new Messaging.SingleEmailMessage();
      m.setTargetObjectId(UserInfo.getUserId()); m.setSubject('s'); m.setPlainTextBody('b'); m.setSaveAsActivity(false);
      Messaging.sendEmail(new List<Messaging.SingleEmailMessage>{ m });`;
    session.org.emailDeliverability = 'system';
    try {
      expect(session.execute(send).transactions[0].error).toBe(
        'System.EmailException: SendEmail failed. First exception on row 0; first error: NO_MASS_MAIL_PERMISSION, Single email is not enabled for your organization or profile. Single email must be enabled for you to use this feature.: []'
      );
    } finally {
      session.org.emailDeliverability = 'all';
    }
    const before = session.emails().length;
    expect(session.execute(send).transactions[0]).toMatchObject({ ok: true });
    expect(session.emails()).toHaveLength(before + 1);
  });

  test('a platform event trigger runs as the Automated Process user, or as its PlatformEventSubscriberConfig user', () => {
    const publish = "EventBus.publish(new ProvisioningRequest__e(Works__c = '[]'));";
    const asDefault = session.execute(publish);
    expect(asDefault.debug).toContain(`DEBUG|event trigger as ${session.org.automatedProcessUserId}`);
    const [other] = session.query(
      "SELECT Id FROM User WHERE Id != '" + session.adminUserId + "' AND IsActive = true LIMIT 1"
    );
    session.org.eventSubscriberUsers.set('whohandles', other.Id as string);
    expect(session.execute(publish).debug).toContain(`DEBUG|event trigger as ${String(other.Id)}`);
  });
});
