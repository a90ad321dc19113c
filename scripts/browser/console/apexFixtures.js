/* global window */
/**
 * Browser stand-in for `@salesforce/apex/*`: every imported Apex method is a function (imperative call) that is
 * also a wire adapter (`fn.adapter`), like on the platform. Answers come from fixtures.js through handlers that
 * behave like the real controllers (server-side filter and keyset paging of the log, pilot membership changes).
 * Every call is recorded in `window.__apexCalls` for the browser test.
 */
import { EVENTS, HEALTH, PILOT_CHECKLIST, RULES, TARGETS, USERS } from './fixtures';

const PAGE_SIZE = 50;
const state = {
  pilotMembers: [
    { ...USERS[0], assignedAt: '2026-11-21T09:00:00.000Z', linkStatus: 'Active', lastState: 'Succeeded' },
    { ...USERS[1], assignedAt: '2026-11-21T09:05:00.000Z', linkStatus: 'Active', lastState: 'Failed' }
  ]
};

const calls = [];
window.__apexCalls = calls;

function fail(message) {
  return { body: { message }, ok: false, status: 400, statusText: 'Bad Request' };
}

function matchesUser(event, query) {
  const needle = query.toLowerCase();
  const user = USERS.find((candidate) => candidate.userId === event.userId);
  return [user.name, user.username, user.email].some((value) => value.toLowerCase().includes(needle));
}

function filterEvents(filter) {
  return EVENTS.filter(
    (event) =>
      (!filter.targetName || event.target === filter.targetName) &&
      (!filter.operation || event.operation === filter.operation) &&
      (!filter.state || event.state === filter.state) &&
      (!filter.correlationId || event.correlationId === filter.correlationId) &&
      (!filter.fromDate || event.createdDate >= new Date(filter.fromDate).toISOString()) &&
      (!filter.toDate || event.createdDate <= new Date(filter.toDate).toISOString()) &&
      (!filter.userQuery || matchesUser(event, filter.userQuery))
  );
}

function logPage({ filter, cursor }) {
  const rows = filterEvents(filter || {});
  const start = cursor ? rows.findIndex((event) => event.id === cursor.split('|')[1]) + 1 : 0;
  const page = rows.slice(start, start + PAGE_SIZE);
  const hasMore = start + PAGE_SIZE < rows.length;
  const last = page[page.length - 1];
  return { rows: page, hasMore, nextCursor: hasMore ? `${last.createdDate}|${last.id}` : null };
}

function preview({ userId }) {
  const user = USERS.find((candidate) => candidate.userId === userId);
  const [givenName, familyName] = user.name.split(' ');
  const resource = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: user.username,
    name: { givenName, familyName },
    emails: [{ type: 'work', value: user.email, primary: true }],
    title: 'Engineer',
    active: true
  };
  return {
    userId,
    operation: 'Update',
    state: 'DryRun',
    steps: [`Linked account U-${userId.slice(-6)}`, 'Dry run: 1 request(s) planned'],
    externalId: `U-${userId.slice(-6)}`,
    matchingValue: user.username,
    errors: [],
    resourceJson: JSON.stringify(resource, null, 2),
    patchOperations: [{ op: 'replace', path: 'title', valueJson: '"Engineer"' }]
  };
}

function provision({ userId }) {
  const externalId = `U-${userId.slice(-6)}`;
  return {
    state: 'Succeeded',
    eventId: 'a01000000000999AAA',
    steps: [
      { key: 'mapped', label: 'Mapped', status: 'success', detail: '5 attributes from 5 rules' },
      { key: 'request', label: 'Request', status: 'success', detail: `PATCH /Users/${externalId}` },
      { key: 'response', label: 'Response', status: 'success', detail: 'HTTP 200 in 112 ms' },
      { key: 'result', label: 'Result', status: 'success', detail: 'Account updated' }
    ]
  };
}

const handlers = {
  'ConsoleTargetController.getConsoleContext': () =>
    window.location.search.includes('access=none')
      ? { hasAccess: false, targets: [] }
      : { hasAccess: true, targets: TARGETS },
  'ConsoleTargetController.getHealth': () => HEALTH,
  'ConsoleTargetController.testConnection': () => ({ ok: true, message: 'Connected: HTTP 200 in 85 ms.' }),
  'ConsoleTargetController.setStage': () => ({ jobId: '0Af000000000001' }),
  'ConsoleMappingController.getRules': () => RULES,
  'ConsoleMappingController.validateRule': ({ scimPath, expression }) =>
    expression && expression.includes('Lowr(')
      ? [{ field: 'SourceExpression__c', position: 0, message: "Unknown function 'Lowr'" }]
      : scimPath
        ? []
        : [{ field: 'ScimPath__c', position: null, message: 'Target path is required' }],
  'ConsoleMappingController.saveRules': () => ({ jobId: '0Af000000000002' }),
  'ConsolePreviewController.searchUsers': ({ term }) =>
    USERS.filter((user) => `${user.name} ${user.username} ${user.email}`.toLowerCase().includes(term.toLowerCase())),
  'ConsolePreviewController.previewUser': preview,
  'ConsolePreviewController.provisionUser': provision,
  'ConsolePilotController.getPilot': () => ({
    permissionSetName: 'ProvisioningPilot',
    stage: 'Pilot',
    pilotStartedAt: '2026-11-21T09:00:00.000Z',
    members: state.pilotMembers,
    checklist: PILOT_CHECKLIST,
    canPromote: false
  }),
  'ConsolePilotController.addPilotMember': ({ userId }) => {
    if (state.pilotMembers.some((member) => member.userId === userId)) {
      throw fail('This user is already in the pilot group.');
    }
    const user = USERS.find((candidate) => candidate.userId === userId);
    state.pilotMembers = [
      ...state.pilotMembers,
      { ...user, assignedAt: new Date().toISOString(), linkStatus: 'Not linked', lastState: 'Queued' }
    ];
  },
  'ConsolePilotController.removePilotMember': ({ userId }) => {
    state.pilotMembers = state.pilotMembers.filter((member) => member.userId !== userId);
  },
  'ConsolePilotController.promoteToLive': () => {
    throw fail('The pilot checklist is not met: 2 failed events during the pilot.');
  },
  'ConsoleLogController.getLogPage': logPage,
  'ConsoleLogController.getEventDetail': ({ eventId }) => {
    const event = EVENTS.find((candidate) => candidate.id === eventId);
    return {
      ...event,
      externalId: 'U-000001',
      request: JSON.stringify({ userName: event.userEmail, password: '********' }, null, 2),
      response: JSON.stringify({ status: String(event.httpStatus) }, null, 2)
    };
  },
  'ConsoleLogController.retryEvent': () => ({ id: 'a01000000000998AAA', state: 'Queued' }),
  'ConsoleLogController.exportLogCsv': () => ({
    csv: 'Time,User\n',
    fileName: 'log.csv',
    rowCount: 0,
    truncated: false
  }),
  'ConsoleLogController.getStagedEvents': () =>
    EVENTS.slice(0, 2).map((event) => ({ ...event, operation: 'Deactivate', error: 'Guard: 30 in 60 minutes' })),
  'ConsoleLogController.decideStaged': ({ eventIds }) => eventIds.length
};

function invoke(name, params) {
  calls.push({ name, params: JSON.parse(JSON.stringify(params || {})) });
  const handler = handlers[name];
  if (!handler) {
    return Promise.reject(fail(`No fixture for Apex method ${name}`));
  }
  try {
    return Promise.resolve(handler(params || {}));
  } catch (error) {
    return Promise.reject(error);
  }
}

const wired = new WeakMap();

/**
 * @param {string} name `Class.method`
 * @returns {Function} the stand-in, callable and usable with `@wire`
 */
export function apexMethod(name) {
  const method = (params) => invoke(name, params);
  method.adapter = class FixtureWireAdapter {
    constructor(dataCallback) {
      this.dataCallback = dataCallback;
      this.emit({ data: undefined, error: undefined });
    }

    emit(value) {
      wired.set(value, this);
      this.dataCallback(value);
    }

    connect() {}

    disconnect() {}

    update(config) {
      this.config = config;
      return this.refresh();
    }

    refresh() {
      return invoke(name, this.config).then(
        (data) => this.emit({ data, error: undefined }),
        (error) => this.emit({ data: undefined, error })
      );
    }
  };
  return method;
}

/**
 * Same contract as `refreshApex` from `@salesforce/apex`: re-runs the wire whose value is given.
 * @param {object} value what the wire emitted
 * @returns {Promise<void>}
 */
export function refreshApex(value) {
  const adapter = wired.get(value);
  return adapter ? adapter.refresh() : Promise.resolve();
}
