/**
 * Fixture data for the browser check of the admin console: what the Apex controllers would return for a small org
 * with two targets, a pilot under way and a provisioning log of several hundred events. Deterministic, so the
 * browser test can assert on exact counts.
 */

export const USERS = [
  { userId: '005000000000001AAA', name: 'Ada Lovelace', username: 'ada@example.com', email: 'ada@example.com' },
  { userId: '005000000000002AAA', name: 'Alan Turing', username: 'alan@example.com', email: 'alan@example.com' },
  { userId: '005000000000003AAA', name: 'Grace Hopper', username: 'grace@example.com', email: 'grace@example.com' },
  { userId: '005000000000004AAA', name: 'Edsger Dijkstra', username: 'edsger@example.com', email: 'ed@example.com' },
  { userId: '005000000000005AAA', name: 'Barbara Liskov', username: 'barbara@example.com', email: 'bl@example.com' },
  { userId: '005000000000006AAA', name: 'Ken Thompson', username: 'ken@example.com', email: 'ken@example.com' }
].map((user) => ({ ...user, isActive: true }));

export const TARGETS = [
  {
    name: 'Slack',
    label: 'Slack',
    driver: 'Native',
    stage: 'Pilot',
    stageLabel: 'Pilot',
    isEnabled: true,
    health: 'Healthy',
    healthDetail: null
  },
  {
    name: 'Zoom',
    label: 'Zoom',
    driver: 'ConnectedApp',
    stage: 'DryRun',
    stageLabel: 'Dry run',
    isEnabled: true,
    health: 'Degraded',
    healthDetail: '3 failures in a row'
  }
];

export const RULES = [
  { name: 'Slack_userName', scimPath: 'userName', expression: 'Lower(Username)', required: true, triggersUpdate: true },
  {
    name: 'Slack_email',
    scimPath: 'emails[type eq "work"].value',
    expression: 'Email',
    required: true,
    triggersUpdate: true
  },
  {
    name: 'Slack_givenName',
    scimPath: 'name.givenName',
    expression: 'FirstName',
    required: false,
    triggersUpdate: true
  },
  {
    name: 'Slack_familyName',
    scimPath: 'name.familyName',
    expression: 'LastName',
    required: true,
    triggersUpdate: true
  },
  { name: 'Slack_title', scimPath: 'title', expression: 'Title', required: false, triggersUpdate: true }
].map((rule, index) => ({ ...rule, active: true, order: (index + 1) * 10 }));

export const HEALTH = {
  targetName: 'Slack',
  targetLabel: 'Slack',
  lastSuccessAt: '2026-11-24T21:05:00.000Z',
  lastFailureAt: '2026-11-24T20:00:00.000Z',
  lastError: 'HTTP 503 Service Unavailable (Retry-After: 30)',
  eventsLast24h: 240,
  failuresLast24h: 6,
  failureRatePercent: 2.5,
  consecutiveFailures: 0,
  isQuarantined: false,
  quarantinedUntil: null,
  isGuardTripped: false,
  guardTrippedAt: null,
  credentialIdleDays: 0,
  credentialWarning: null,
  stagedCount: 2
};

export const PILOT_CHECKLIST = [
  { key: 'duration', label: 'Pilot ran at least 48 hours', passed: true, detail: 'Running for 85 hours' },
  { key: 'failures', label: 'No failed events during the pilot', passed: false, detail: '2 failed of 37' },
  { key: 'deactivation', label: 'Deactivation path tested', passed: true, detail: '1 deactivation succeeded' }
];

const OPERATIONS = ['Create', 'Update', 'Update', 'Update', 'Deactivate', 'Reactivate'];
const NOW = Date.now();

/** 600 events, one every 6 minutes back from page load (60 hours), newest first; every 13th failed. */
export const EVENTS = Array.from({ length: 600 }, (unused, index) => {
  const user = USERS[index % USERS.length];
  const failed = index % 13 === 5;
  const operation = OPERATIONS[index % OPERATIONS.length];
  return {
    id: `a01${String(index).padStart(12, '0')}AAA`,
    createdDate: new Date(NOW - index * 6 * 60 * 1000).toISOString(),
    userId: user.userId,
    userName: user.name,
    userEmail: user.email,
    target: index % 4 === 3 ? 'Zoom' : 'Slack',
    operation,
    state: failed ? 'Failed' : 'Succeeded',
    httpStatus: failed ? 409 : operation === 'Create' ? 201 : 200,
    attempt: failed ? 3 : 1,
    correlationId: `corr-${index}`,
    durationMs: 80 + (index % 7) * 10,
    error: failed ? 'uniqueness: userName already exists on the target' : null
  };
});
