/**
 * The outbound part of `npm run demo`: the product's Apex, run by the local Apex runtime, provisions Salesforce
 * users into the local SCIM target over real HTTP on 127.0.0.1 (apex/session.ts, outbound/world.ts). It plays a new
 * pilot user and one outside the pilot, an update, a deactivation and a reactivation, a 429 from the target that is
 * retried after its Retry-After, and a mass deactivation the guard stages until an admin approves it. Each step
 * records the Salesforce change (the anonymous Apex), the SCIM exchanges (bodies as sent; the token never reaches
 * Apex, so it is in none of them) and the target's state read back afterwards, checks that state, and writes the
 * evidence as HTML + JSON (reports/outbound-demo.*). Resolves to 0 when every check held.
 */
import { redactor } from '../cli/redact';
import { CalloutExchange } from '../apex/bridge/callouts';
import { OutboundWorld, newUserApex, RATE_LIMIT_ONCE, ScimUserView } from './world';
import { Evidence, EvidenceStep, writeEvidence } from './report';

export interface OutboundDemoOptions {
  projectRoot: string;
  reportDir: string;
  /** Progress lines (stdout by default). */
  log?: (line: string) => void;
}

interface Check {
  ok: boolean;
  what: string;
}

const exchangeView = (c: CalloutExchange) => ({
  request: `${c.method} ${c.endpoint}`,
  requestBody: c.requestBody ? tryJson(c.requestBody) : undefined,
  status: c.status,
  error: c.error,
  responseBody: c.responseBody ? tryJson(c.responseBody) : undefined,
  millis: c.millis
});

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.slice(0, 2000);
  }
}

const account = (u: ScimUserView | undefined) =>
  u ? { id: u.id, userName: u.userName, active: u.active, title: u.title, externalId: u.externalId } : null;

export async function runOutboundDemo(
  options: OutboundDemoOptions
): Promise<{ code: number; json: string; html: string }> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const startedAt = new Date().toISOString();
  const world = await OutboundWorld.start({
    projectRoot: options.projectRoot,
    stage: 'Pilot',
    target: { GuardPercent__c: 100, GuardMaxPerWindow__c: 1000 }
  });
  redactor.add(world.target.token);
  redactor.add(world.target.adminToken);
  const steps: EvidenceStep[] = [];
  const step = async (
    name: string,
    apex: string | (() => Promise<void> | void),
    checks: () => Promise<Check[]>,
    users: string[]
  ): Promise<void> => {
    const started = Date.now();
    const calloutsBefore = world.session.callouts.length;
    const apexBefore = world.apexLog.length;
    let error: string | undefined;
    try {
      if (typeof apex === 'string') world.apex(apex);
      else await apex();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const results = error ? [] : await checks();
    const failed = error ? [error] : results.filter((c) => !c.ok).map((c) => c.what);
    const targetAfter: Record<string, unknown> = {};
    for (const userName of users) targetAfter[userName] = account(await world.targetUser(userName));
    steps.push({
      name,
      status: failed.length === 0 ? 'passed' : 'failed',
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      detail: failed.length === 0 ? results.map((c) => c.what).join('; ') : `Failed: ${failed.join('; ')}`,
      evidence: {
        salesforceChange: world.apexLog.slice(apexBefore),
        scimExchanges: world.session.callouts.slice(calloutsBefore).map(exchangeView),
        targetAfter
      }
    });
    log(`  ${failed.length === 0 ? '✔' : '✘'} ${name}${failed.length ? `: ${failed.join('; ')}` : ''}`);
  };
  const check = (ok: boolean, what: string): Check => ({ ok, what });

  try {
    log(`Local SCIM target at ${world.target.url}; the project's Apex runs in the local Apex runtime.`);
    await step(
      'A new user in the pilot is created on the target; one outside the pilot is held back',
      `${newUserApex({ alias: 'ada', firstName: 'Ada', lastName: 'Lovelace', title: 'Analyst' })}\n` +
        newUserApex({ alias: 'bob', firstName: 'Bob', lastName: 'Outside', pilot: false, variable: 'bob' }),
      async () => {
        const ada = await world.targetUser('ada@example.com');
        return [
          check(ada?.active === true && ada.title === 'Analyst', 'ada@example.com is an active account titled Analyst'),
          check((await world.targetUser('bob@example.com')) === undefined, 'bob@example.com (no pilot) has no account')
        ];
      },
      ['ada@example.com', 'bob@example.com']
    );
    const ada = world.userId('ada@example.com');
    await step(
      'Title changed: one PATCH with the changed attribute',
      `User u = [SELECT Id FROM User WHERE Id = '${ada}']; u.Title = 'Lead Analyst'; update u;`,
      async () => [
        check(
          (await world.targetUser('ada@example.com'))?.title === 'Lead Analyst',
          'the account is titled Lead Analyst'
        )
      ],
      ['ada@example.com']
    );
    await step(
      'Deactivated in Salesforce: inactive on the target',
      `User u = [SELECT Id FROM User WHERE Id = '${ada}']; u.IsActive = false; update u;`,
      async () => [check((await world.targetUser('ada@example.com'))?.active === false, 'the account is inactive')],
      ['ada@example.com']
    );
    await step(
      'Reactivated: active again, same account',
      `User u = [SELECT Id FROM User WHERE Id = '${ada}']; u.IsActive = true; update u;`,
      async () => [check((await world.targetUser('ada@example.com'))?.active === true, 'the account is active')],
      ['ada@example.com']
    );
    await step(
      'The target answers 429 (Retry-After 120 s): the create waits and is retried from its event record',
      async () => {
        await world.target.admin('POST', '/faults', RATE_LIMIT_ONCE);
        world.apex(newUserApex({ alias: 'cy', firstName: 'Cy', lastName: 'Retry' }));
        if (await world.targetUser('cy@example.com')) throw new Error('created despite the 429');
        world.session.advance(3);
      },
      async () => {
        const states = world.events(world.userId('cy@example.com')).map((e) => String(e.State__c));
        return [
          check(
            (await world.targetUsers()).filter((u) => u.userName === 'cy@example.com').length === 1,
            'one account for cy@example.com after the retry'
          ),
          check(states.join(',') === 'Retrying,Succeeded', `event log: ${states.join(' then ')}`)
        ];
      },
      ['cy@example.com']
    );
    const leavers = ['dee', 'eli', 'fay'];
    await step(
      'Mass deactivation over the guard threshold: staged, not sent, until an admin approves',
      async () => {
        world.apex(leavers.map((alias) => newUserApex({ alias, firstName: alias, lastName: 'Leaver' })).join('\n'));
        world.session.advance(120);
        world.configureTarget({ GuardPercent__c: 5, GuardMaxPerWindow__c: 25 });
        const ids = leavers.map((alias) => `'${world.userId(`${alias}@example.com`)}'`).join(', ');
        world.apex(
          `List<User> us = [SELECT Id FROM User WHERE Id IN (${ids})]; for (User u : us) { u.IsActive = false; } update us;`
        );
        const staged = leavers
          .flatMap((alias) => world.events(world.userId(`${alias}@example.com`)))
          .filter((e) => e.State__c === 'Staged');
        if (staged.length === 0) throw new Error('nothing was staged');
        const stillActive = [];
        for (const alias of leavers)
          if ((await world.targetUser(`${alias}@example.com`))?.active) stillActive.push(alias);
        if (stillActive.length !== staged.length) throw new Error('a staged deactivation was sent');
        log(`    ${staged.length} deactivation(s) staged; approving them as the admin`);
        world.apex(
          `ProvisioningAdminService.approveStaged(new List<Id>{ ${staged.map((e) => `'${String(e.Id)}'`).join(', ')} }, 'Leavers list checked');`
        );
      },
      async () => {
        const checks: Check[] = [];
        for (const alias of leavers) {
          const u = await world.targetUser(`${alias}@example.com`);
          checks.push(check(u?.active === false, `${alias}@example.com is inactive after the approval`));
        }
        return checks;
      },
      leavers.map((alias) => `${alias}@example.com`)
    );
  } finally {
    await world.close();
  }
  const evidence: Evidence = {
    title: 'Provisio outbound demo: Salesforce users provisioned to a SCIM 2.0 target',
    kind: 'outbound-demo',
    subject: {
      target: `local SCIM target (${world.target.url})`,
      org: 'the local Apex runtime: the project force-app/main Apex with an in-memory org (not a real org)',
      driver: 'Native (User trigger, hand-off platform event, Queueable worker)'
    },
    mode: 'demo',
    startedAt,
    finishedAt: new Date().toISOString(),
    result: steps.every((s) => s.status === 'passed') ? 'passed' : 'failed',
    steps,
    leftBehind: []
  };
  const paths = writeEvidence(options.reportDir, 'outbound-demo', evidence);
  log(`Outbound evidence: ${paths.html} and ${paths.json}`);
  return { code: evidence.result === 'passed' ? 0 : 1, ...paths };
}
