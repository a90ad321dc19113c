/* eslint-disable @typescript-eslint/no-base-to-string -- the values rendered here are Apex Strings and Ids */
/**
 * System, Assert, Limits, Test, Type, UserInfo, FeatureManagement and the async entry points (Apex Reference;
 * Apex Developer Guide "Queueable Apex", "Transaction Finalizers", "Apex Scheduler", "Testing Asynchronous Apex").
 *
 * Test.stopTest runs, in order: every Queueable, @future and scheduled job collected since Test.startTest, each in
 * its own transaction; the finalizer of each Queueable; then the published platform events (through the
 * `eventDelivery` slot the EventBus native sets). A job a running Queueable chains is run as well only when it was
 * enqueued with AsyncOptions.MaximumQueueableStackDepth ("chained queueables can be tested by using appropriate
 * stack depths"); otherwise it stays queued, as the older documentation ("you can't chain queueable jobs in an Apex
 * test") describes. An unhandled exception in a job without a finalizer surfaces at stopTest and fails the test.
 */
import {
  ApexThrow,
  AsyncJob,
  LimitExceeded,
  LimitName,
  NativeClass,
  NativeRegistry,
  Runtime,
  SYNC_LIMITS,
  UnsupportedError
} from '../../runtime';
import {
  ApexDate,
  ApexDatetime,
  ApexEnumValue,
  ApexLong,
  ApexObject,
  ApexTypeToken,
  NativeObject,
  Value
} from '../../values';

type Fns = Record<string, (rt: Runtime, args: Value[], self: Value) => Value>;

const lower = (t: Fns): Fns => Object.fromEntries(Object.entries(t).map(([k, v]) => [k.toLowerCase(), v]));

function unsupported(rt: Runtime, what: string): never {
  throw new UnsupportedError(what, rt.currentPos());
}

// ---------------------------------------------------------------- assertions

function assertFail(rt: Runtime, detail: string, msg: Value | undefined): never {
  const prefix = msg === undefined || msg === null ? '' : `${rt.stringify(msg)}`;
  const text = prefix && detail ? `${prefix}: ${detail}` : prefix || detail;
  rt.throwApex('System.AssertException', `Assertion Failed${text ? `: ${text}` : ''}`);
}

const expected = (rt: Runtime, e: Value, a: Value): string =>
  `Expected: ${rt.stringify(e)}, Actual: ${rt.stringify(a)}`;

const systemStatics: Fns = {
  debug: (rt, a) => {
    const v = a.length === 2 ? a[1] : a[0];
    const level = a.length === 2 && a[0] instanceof ApexEnumValue ? a[0].name : 'DEBUG';
    rt.debug(`${level}|${rt.stringify(v)}`);
    return null;
  },
  assert: (rt, [c, m]) => (c === true ? null : assertFail(rt, '', m)),
  assertEquals: (rt, [e, a, m]) => (rt.equals(e, a) ? null : assertFail(rt, expected(rt, e, a), m)),
  assertNotEquals: (rt, [e, a, m]) => (rt.equals(e, a) ? assertFail(rt, `Same value: ${rt.stringify(a)}`, m) : null),
  now: (rt) => new ApexDatetime(rt.org.now()),
  today: (rt) => {
    const p = new Intl.DateTimeFormat('en-CA', { timeZone: rt.userTimeZone() }).format(new Date(rt.org.now()));
    const [y, mo, d] = p.split('-').map(Number);
    return new ApexDate(y, mo, d);
  },
  currentTimeMillis: (rt) => new ApexLong(BigInt(rt.org.now())),
  isRunningTest: (rt) => rt.ctx.inTest,
  isBatch: (rt) => rt.ctx.currentJob?.kind === 'BatchApex',
  isFuture: (rt) => rt.ctx.currentJob?.kind === 'Future',
  isQueueable: (rt) => rt.ctx.currentJob?.kind === 'Queueable',
  isScheduled: (rt) => rt.ctx.currentJob?.kind === 'ScheduledApex',
  enqueueJob: (rt, [job, opts]) => enqueueQueueable(rt, job, opts),
  attachFinalizer: (rt, [f]) => {
    const job = rt.ctx.currentJob;
    if (!job || job.kind !== 'Queueable')
      rt.throwApex('System.AsyncException', 'Finalizers can only be attached from a Queueable job');
    const state = jobState(job!);
    if (state.finalizer) rt.throwApex('System.AsyncException', 'Only one finalizer can be attached to a Queueable job');
    state.finalizer = f;
    return null;
  },
  schedule: (rt, [name, cron, target]) => scheduleJob(rt, name, cron, target),
  abortJob: (rt, [id]) => {
    const jobId = String(id);
    const row = rt.org.findRecord(jobId);
    if (!row) rt.throwApex('System.StringException', `Invalid id: ${jobId}`);
    if (row!.type === 'CronTrigger') rt.org.updateSystemRow(jobId, { State: 'DELETED' });
    else rt.org.updateSystemRow(jobId, { Status: 'Aborted' });
    rt.ctx.asyncQueue = rt.ctx.asyncQueue.filter((j) => j.id !== jobId);
    return null;
  }
};

const assertStatics: Fns = {
  areEqual: (rt, [e, a, m]) => (rt.equals(e, a) ? null : assertFail(rt, expected(rt, e, a), m)),
  areNotEqual: (rt, [e, a, m]) =>
    rt.equals(e, a) ? assertFail(rt, `Not expected: ${rt.stringify(e)}, Actual: ${rt.stringify(a)}`, m) : null,
  isTrue: (rt, [c, m]) => (c === true ? null : assertFail(rt, 'Expected: true, Actual: ' + rt.stringify(c), m)),
  isFalse: (rt, [c, m]) => (c === false ? null : assertFail(rt, 'Expected: false, Actual: ' + rt.stringify(c), m)),
  isNull: (rt, [v, m]) => (v === null ? null : assertFail(rt, `Expected: null, Actual: ${rt.stringify(v)}`, m)),
  isNotNull: (rt, [v, m]) => (v !== null ? null : assertFail(rt, 'Expected: not null, Actual: null', m)),
  isInstanceOfType: (rt, [v, t, m]) =>
    rt.isInstance(v, (t as ApexTypeToken).type)
      ? null
      : assertFail(rt, `Expected instance of ${rt.stringify(t)}, Actual: ${rt.stringify(v)}`, m),
  isNotInstanceOfType: (rt, [v, t, m]) =>
    rt.isInstance(v, (t as ApexTypeToken).type)
      ? assertFail(rt, `Expected not an instance of ${rt.stringify(t)}`, m)
      : null,
  fail: (rt, [m]) => assertFail(rt, '', m)
};

// ---------------------------------------------------------------- limits

const LIMIT_METHODS: Record<string, LimitName> = {
  Queries: 'queries',
  QueryRows: 'queryRows',
  DmlStatements: 'dmlStatements',
  DmlRows: 'dmlRows',
  Callouts: 'callouts',
  QueueableJobs: 'queueableJobs',
  FutureCalls: 'futureCalls',
  EmailInvocations: 'emailInvocations',
  PublishImmediateDML: 'publishImmediateDml'
};

const limitsStatics: Fns = {
  getCpuTime: (rt) => Math.max(0, Date.now() - rt.ctx.limits.cpuStartedAt),
  getLimitCpuTime: (rt) => (rt.ctx.isAsync ? 60000 : 10000),
  getHeapSize: () => 0,
  getLimitHeapSize: (rt) => (rt.ctx.isAsync ? 12000000 : 6000000)
};
for (const [method, name] of Object.entries(LIMIT_METHODS)) {
  limitsStatics[`get${method}`] = (rt) => rt.ctx.limits[name];
  limitsStatics[`getLimit${method}`] = (rt) => rt.ctx.limitSet[name];
}

// ---------------------------------------------------------------- async

interface JobState {
  target: Value;
  finalizer?: Value;
  runsInTest: boolean;
  maxDepth?: number;
  isFinalizer?: boolean;
  error?: ApexObject;
}

const jobStates = new WeakMap<AsyncJob, JobState>();
const jobState = (job: AsyncJob): JobState => jobStates.get(job)!;

function context(typeName: string, jobId: string): NativeObject {
  return new NativeObject(typeName, { jobId });
}

function apexClassId(rt: Runtime, target: Value): Value {
  const top = rt.typeOf(target).name.split('.')[0];
  const rows = rt.org.query(rt, `SELECT Id FROM ApexClass WHERE Name = '${top}'`, () => null, { mode: 'system' });
  const list = rows as { items?: Array<{ get(n: string): Value }> };
  return list.items?.[0]?.get('Id') ?? null;
}

function asyncRow(rt: Runtime, jobType: string, target: Value): string {
  let classId: Value = null;
  try {
    classId = apexClassId(rt, target);
  } catch {
    classId = null;
  }
  rt.ctx.limits.queries = Math.max(0, rt.ctx.limits.queries - 1);
  // The job's submitter is its CreatedById (Object Reference, AsyncApexJob).
  const row = rt.org.insertSystemRow('AsyncApexJob', {
    JobType: jobType,
    Status: 'Queued',
    ApexClassId: classId,
    CreatedById: rt.runningUserId
  });
  return row.get('Id') as string;
}

function enqueueQueueable(rt: Runtime, job: Value, opts: Value | undefined): Value {
  if (job === null) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
  if (!rt.isInstance(job, { name: 'Queueable', args: [] }))
    rt.throwApex('System.AsyncException', 'Argument must be a Queueable');
  const parent = rt.ctx.currentJob;
  const depth = parent ? parent.depth + 1 : 0;
  let maxDepth: number | undefined;
  if (opts instanceof NativeObject && typeof opts.data.MaximumQueueableStackDepth === 'number')
    maxDepth = opts.data.MaximumQueueableStackDepth;
  else if (parent) maxDepth = jobState(parent).maxDepth;
  // Apex Developer Guide, Queueable Apex: "You can't chain queueable jobs in an Apex test. Doing so results in an
  // error." A job enqueued from a running Queueable's execute in a test, without an AsyncOptions stack depth, fails
  // as the platform reports it; a finalizer's re-enqueue is not a chain of its job.
  const chainsInTest = parent?.kind === 'Queueable' && rt.ctx.inTest && !jobState(parent).isFinalizer;
  if ((maxDepth !== undefined && depth >= maxDepth) || (chainsInTest && maxDepth === undefined)) {
    rt.throwApex('System.AsyncException', `Maximum stack depth has been reached.`);
  }
  // System.enqueueJob(job, delay) and AsyncOptions.MinimumQueueableDelayInMinutes: 0-10 minutes (Apex Reference,
  // System class, enqueueJob(queueable, delay); AsyncOptions class).
  const delay =
    typeof opts === 'number'
      ? opts
      : opts instanceof NativeObject && typeof opts.data.MinimumQueueableDelayInMinutes === 'number'
        ? opts.data.MinimumQueueableDelayInMinutes
        : 0;
  // The documented range is 0-10; what the platform throws outside it is not documented, so it is not guessed.
  if (delay < 0 || delay > 10) unsupported(rt, `a queueable delay of ${delay} minutes (documented range 0-10)`);
  rt.ctx.consume('queueableJobs');
  const id = asyncRow(rt, 'Queueable', job);
  // An async job (Queueable, @future, scheduled) runs as the user who queued it, whoever runs the queue later.
  const owner = rt.runningUserId;
  const entry: AsyncJob = {
    kind: 'Queueable',
    id,
    depth,
    userId: owner,
    run: () => rt.runAs(owner, () => runQueueable(rt, entry))
  };
  if (delay > 0) entry.notBefore = rt.org.now() + delay * 60000;
  jobStates.set(entry, {
    target: job,
    runsInTest: !parent || maxDepth !== undefined,
    maxDepth
  });
  rt.ctx.asyncQueue.push(entry);
  return id;
}

function runQueueable(rt: Runtime, job: AsyncJob): void {
  const state = jobState(job);
  let failure: ApexThrow | undefined;
  let limitFailure: LimitExceeded | undefined;
  try {
    rt.inNewTransaction(true, () => {
      rt.ctx.currentJob = job;
      rt.callMethod(state.target, 'execute', [context('QueueableContext', job.id)]);
    });
  } catch (error) {
    if (!(error instanceof ApexThrow) && !(error instanceof LimitExceeded)) throw error;
    // The transaction was rolled back (inNewTransaction); the finalizer runs after that (Apex Developer Guide,
    // "Transaction Finalizers"), and sees a limit as a System.LimitException.
    if (error instanceof LimitExceeded) {
      limitFailure = error;
      const message = error.message.replace(/^System\.LimitException: /, '');
      failure = new ApexThrow(rt.newException('System.LimitException', message), error.message);
    } else failure = error;
  }
  rt.org.updateSystemRow(job.id, {
    Status: failure ? 'Failed' : 'Completed',
    ExtendedStatus: failure ? failure.message : null
  });
  if (state.finalizer) {
    const fctx = new NativeObject('FinalizerContext', {
      jobId: job.id,
      result: failure ? 'UNHANDLED_EXCEPTION' : 'SUCCESS',
      exception: failure?.exception ?? null
    });
    const finalizerJob: AsyncJob = { kind: 'Queueable', id: job.id, depth: job.depth, run: () => undefined };
    jobStates.set(finalizerJob, {
      target: state.finalizer,
      runsInTest: true,
      maxDepth: state.maxDepth,
      isFinalizer: true
    });
    rt.inNewTransaction(false, () => {
      rt.ctx.currentJob = finalizerJob;
      rt.callMethod(state.finalizer!, 'execute', [fctx]);
    });
    return;
  }
  if (limitFailure) throw limitFailure;
  if (failure) throw failure;
}

/** Queues an @future call (the interpreter calls this for methods annotated @future). */
export function enqueueFuture(rt: Runtime, run: () => void): void {
  if (rt.ctx.currentJob?.kind === 'Future' || (rt.ctx.isAsync && rt.ctx.currentJob?.kind === 'BatchApex')) {
    rt.throwApex('System.AsyncException', 'Future method cannot be called from a future or batch method');
  }
  rt.ctx.consume('futureCalls');
  const id = rt.org.insertSystemRow('AsyncApexJob', { JobType: 'Future', Status: 'Queued' }).get('Id') as string;
  const owner = rt.runningUserId;
  const job: AsyncJob = {
    kind: 'Future',
    id,
    depth: 0,
    userId: owner,
    run: () =>
      rt.runAs(owner, () => {
        rt.inNewTransaction(true, () => {
          rt.ctx.currentJob = job;
          run();
        });
        rt.org.updateSystemRow(id, { Status: 'Completed' });
      })
  };
  jobStates.set(job, { target: null, runsInTest: true });
  rt.ctx.asyncQueue.push(job);
}

function scheduleJob(rt: Runtime, name: Value, cron: Value, target: Value): Value {
  if (typeof name !== 'string' || typeof cron !== 'string')
    rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
  if (!rt.isInstance(target, { name: 'Schedulable', args: [] }))
    rt.throwApex('System.AsyncException', 'Argument must be Schedulable');
  if (cron.trim().split(/\s+/).length < 6) rt.throwApex('System.StringException', `Unexpected end of expression.`);
  const existing = rt.org.query(
    rt,
    `SELECT Id, State FROM CronTrigger WHERE CronJobDetail.Name = '${name.replace(/'/g, "\\'")}'`,
    () => null,
    {
      mode: 'system'
    }
  ) as { items: Array<{ get(n: string): Value }> };
  rt.ctx.limits.queries = Math.max(0, rt.ctx.limits.queries - 1);
  if (existing.items.some((r) => r.get('State') !== 'DELETED')) {
    rt.throwApex('System.AsyncException', `The Apex job named "${name}" is already scheduled for execution.`);
  }
  const detail = rt.org.insertSystemRow('CronJobDetail', { Name: name, JobType: '7' });
  const trigger = rt.org.insertSystemRow('CronTrigger', {
    CronJobDetailId: detail.get('Id') ?? null,
    CronExpression: cron,
    State: 'WAITING',
    TimesTriggered: 0
  });
  const id = trigger.get('Id') as string;
  const owner = rt.runningUserId;
  const job: AsyncJob = {
    kind: 'ScheduledApex',
    id,
    depth: 0,
    userId: owner,
    run: () =>
      rt.runAs(owner, () => {
        rt.inNewTransaction(true, () => {
          rt.ctx.currentJob = job;
          rt.callMethod(target, 'execute', [context('SchedulableContext', id)]);
        });
        rt.org.updateSystemRow(id, { TimesTriggered: 1 });
      })
  };
  jobStates.set(job, { target, runsInTest: true });
  rt.ctx.asyncQueue.push(job);
  return id;
}

// ---------------------------------------------------------------- Test

const testStatics: Fns = {
  startTest: (rt) => {
    if (rt.ctx.startTestCalled) rt.throwApex('System.FinalException', 'Testing already started');
    rt.ctx.startTestCalled = true;
    // "DML then callout in one test": DML before Test.startTest() does not block a callout inside the block
    // (Apex Developer Guide, "Performing DML Operations and Mock Callouts").
    rt.ctx.uncommittedWork = false;
    rt.ctx.slots.queueBeforeStart = rt.ctx.asyncQueue.length;
    const saved = rt.ctx.limits;
    rt.ctx.slots.limitsBeforeStart = saved;
    rt.ctx.limits = {
      ...saved,
      queries: 0,
      queryRows: 0,
      dmlStatements: 0,
      dmlRows: 0,
      callouts: 0,
      queueableJobs: 0,
      futureCalls: 0,
      emailInvocations: 0,
      publishImmediateDml: 0,
      cpuStartedAt: Date.now()
    };
    return null;
  },
  stopTest: (rt) => {
    if (rt.ctx.stopTestCalled) rt.throwApex('System.FinalException', 'Testing already stopped');
    rt.ctx.stopTestCalled = true;
    drainAsync(rt, (rt.ctx.slots.queueBeforeStart as number | undefined) ?? 0);
    deliverEvents(rt);
    const before = rt.ctx.slots.limitsBeforeStart as typeof rt.ctx.limits | undefined;
    if (before) rt.ctx.limits = before;
    return null;
  },
  isRunningTest: (rt) => rt.ctx.inTest,
  setMock: (rt, [type, mock]) => {
    if (mock === null) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
    const name = type instanceof ApexTypeToken ? type.type.name.toLowerCase() : '';
    rt.ctx.slots[name.includes('webservice') ? 'webServiceMock' : 'httpMock'] = mock;
    return null;
  },
  getEventBus: () => new NativeObject('EventBus.TestBroker', {}),
  setCreatedDate: (rt, [id, dt]) => {
    rt.org.updateSystemRow(String(id), { CreatedDate: dt });
    return null;
  },
  calculatePermissionSetGroup: () => null,
  enableChangeDataCapture: () => null,
  loadData: (rt) => unsupported(rt, 'Test.loadData'),
  createStub: (rt) => unsupported(rt, 'Test.createStub (StubProvider)')
};

/** Runs the jobs queued since `from` (and what they queue, as far as they may run in a test), in order. */
export function drainAsync(rt: Runtime, from = 0): void {
  const queue = rt.ctx.asyncQueue;
  const ran = new Set<AsyncJob>();
  for (let i = from; i < rt.ctx.asyncQueue.length; i++) {
    const job = rt.ctx.asyncQueue[i];
    if (ran.has(job)) continue;
    ran.add(job);
    const state = jobStates.get(job);
    if (state && !state.runsInTest) continue;
    job.run();
  }
  rt.ctx.asyncQueue = queue.filter((j) => !ran.has(j) || jobStates.get(j)?.runsInTest === false);
}

/** Delivers published platform events through the EventBus native's hook (a no-op when none were published). */
export function deliverEvents(rt: Runtime): void {
  const deliver = rt.ctx.slots.eventDelivery as ((rt: Runtime) => void) | undefined;
  if (deliver && rt.ctx.eventBus.length) deliver(rt);
}

// ---------------------------------------------------------------- Type, UserInfo, FeatureManagement

/** TimeZone.getTimeZone follows java.util.TimeZone: an id it does not know is GMT. */
export function knownZone(id: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: id });
    return id;
  } catch {
    return 'GMT';
  }
}

const typeStatics: Fns = {
  forName: (rt, a) => {
    const name =
      a.length === 2 ? `${a[0] === null ? '' : `${rt.stringify(a[0])}.`}${rt.stringify(a[1])}` : rt.stringify(a[0]);
    const t = rt.resolveType(name);
    return t ? new ApexTypeToken(t) : null;
  }
};
const typeMethods: Fns = {
  getName: (rt, _a, self) => rt.stringify(self),
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self),
  newInstance: (rt, _a, self) => rt.newInstance((self as ApexTypeToken).type, []),
  equals: (rt, [o], self) => rt.equals(self, o),
  hashCode: (rt, _a, self) => rt.stringify(self).length,
  isAssignableFrom: (rt) => unsupported(rt, 'Type.isAssignableFrom')
};

function runningUser(rt: Runtime): { get(n: string): Value | undefined } {
  const u = rt.org.findRecord(rt.runningUserId);
  if (!u) rt.throwApex('System.UnexpectedException', `no User ${rt.runningUserId}`);
  return u;
}

const userInfoStatics: Fns = {
  getUserId: (rt) => rt.runningUserId,
  getUserName: (rt) => runningUser(rt).get('Username') ?? null,
  getName: (rt) => {
    const u = runningUser(rt);
    return [u.get('FirstName'), u.get('LastName')].filter((x) => typeof x === 'string' && x).join(' ');
  },
  getFirstName: (rt) => runningUser(rt).get('FirstName') ?? null,
  getLastName: (rt) => runningUser(rt).get('LastName') ?? null,
  getUserEmail: (rt) => runningUser(rt).get('Email') ?? null,
  getProfileId: (rt) => runningUser(rt).get('ProfileId') ?? null,
  getUserRoleId: (rt) => runningUser(rt).get('UserRoleId') ?? null,
  getUserType: (rt) => runningUser(rt).get('UserType') ?? 'Standard',
  getLocale: (rt) => runningUser(rt).get('LocaleSidKey') ?? null,
  getLanguage: (rt) => runningUser(rt).get('LanguageLocaleKey') ?? null,
  getTimeZone: (rt) => new NativeObject('TimeZone', { id: rt.userTimeZone() }),
  getOrganizationId: (rt) => {
    const rows = rt.org.query(rt, 'SELECT Id FROM Organization', () => null, { mode: 'system' }) as {
      items: Array<{ get(n: string): Value }>;
    };
    rt.ctx.limits.queries = Math.max(0, rt.ctx.limits.queries - 1);
    return rows.items[0]?.get('Id') ?? null;
  },
  getOrganizationName: (rt) => {
    const rows = rt.org.query(rt, 'SELECT Name FROM Organization', () => null, { mode: 'system' }) as {
      items: Array<{ get(n: string): Value }>;
    };
    rt.ctx.limits.queries = Math.max(0, rt.ctx.limits.queries - 1);
    return rows.items[0]?.get('Name') ?? null;
  },
  isMultiCurrencyOrganization: () => false
};

const iface = (name: string, namespace: string, abstractMethods: string[]): NativeClass => ({
  name,
  namespace,
  kind: 'interface',
  abstractMethods
});

const contextClass = (name: string, getter: string): NativeClass => ({
  name,
  namespace: 'System',
  kind: 'class',
  methods: { [getter.toLowerCase()]: (_rt, _a, self) => (self as NativeObject).data.jobId as Value }
});

export const systemClasses: NativeClass[] = [
  { name: 'System', namespace: 'System', kind: 'class', statics: lower(systemStatics) },
  { name: 'Assert', namespace: 'System', kind: 'class', statics: lower(assertStatics) },
  { name: 'Limits', namespace: 'System', kind: 'class', statics: lower(limitsStatics) },
  { name: 'Test', namespace: 'System', kind: 'class', statics: lower(testStatics) },
  { name: 'Type', namespace: 'System', kind: 'class', statics: lower(typeStatics), methods: lower(typeMethods) },
  { name: 'UserInfo', namespace: 'System', kind: 'class', statics: lower(userInfoStatics) },
  {
    name: 'FeatureManagement',
    namespace: 'System',
    kind: 'class',
    statics: lower({
      checkPermission: (rt, [p]) => rt.org.hasCustomPermission(rt.runningUserId, rt.stringify(p))
    })
  },
  {
    name: 'TimeZone',
    namespace: 'System',
    kind: 'class',
    statics: lower({ getTimeZone: (rt, [id]) => new NativeObject('TimeZone', { id: knownZone(rt.stringify(id)) }) }),
    methods: lower({
      getID: (_rt, _a, self) => (self as NativeObject).data.id as string,
      toString: (_rt: Runtime, _a: Value[], self: Value) => (self as NativeObject).data.id as string
    })
  },
  {
    name: 'AsyncOptions',
    namespace: 'System',
    kind: 'class',
    construct: () => new NativeObject('AsyncOptions', {}),
    props: {
      maximumqueueablestackdepth: {
        get: (_rt, self) => ((self as NativeObject).data.MaximumQueueableStackDepth as number) ?? null,
        set: (_rt, self, v) => void ((self as NativeObject).data.MaximumQueueableStackDepth = v)
      },
      minimumqueueabledelayinminutes: {
        get: (_rt, self) => ((self as NativeObject).data.MinimumQueueableDelayInMinutes as number) ?? null,
        set: (_rt, self, v) => void ((self as NativeObject).data.MinimumQueueableDelayInMinutes = v)
      }
    }
  },
  {
    name: 'AsyncInfo',
    namespace: 'System',
    kind: 'class',
    statics: lower({
      getCurrentQueueableStackDepth: (rt) => (rt.ctx.currentJob ? rt.ctx.currentJob.depth + 1 : 0),
      getMaximumQueueableStackDepth: (rt) =>
        rt.ctx.currentJob ? (jobStates.get(rt.ctx.currentJob)?.maxDepth ?? null) : null,
      hasMaxStackDepth: (rt) =>
        rt.ctx.currentJob !== undefined && jobStates.get(rt.ctx.currentJob)?.maxDepth !== undefined
    })
  },
  {
    name: 'FinalizerContext',
    namespace: 'System',
    kind: 'class',
    methods: lower({
      getAsyncApexJobId: (_rt, _a, self) => (self as NativeObject).data.jobId as Value,
      getResult: (_rt, _a, self) => {
        const r = (self as NativeObject).data.result as string;
        return new ApexEnumValue('ParentJobResult', r, r === 'SUCCESS' ? 0 : 1);
      },
      getException: (_rt, _a, self) => (self as NativeObject).data.exception as Value,
      getRequestId: (_rt, _a, self) => `req-${String((self as NativeObject).data.jobId)}`
    })
  },
  { name: 'ParentJobResult', namespace: 'System', kind: 'enum', enumValues: ['SUCCESS', 'UNHANDLED_EXCEPTION'] },
  {
    name: 'LoggingLevel',
    namespace: 'System',
    kind: 'enum',
    enumValues: ['NONE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'FINE', 'FINER', 'FINEST']
  },
  {
    name: 'TriggerOperation',
    namespace: 'System',
    kind: 'enum',
    enumValues: [
      'BEFORE_INSERT',
      'BEFORE_UPDATE',
      'BEFORE_DELETE',
      'AFTER_INSERT',
      'AFTER_UPDATE',
      'AFTER_DELETE',
      'AFTER_UNDELETE'
    ]
  },
  contextClass('QueueableContext', 'getJobId'),
  contextClass('SchedulableContext', 'getTriggerId'),
  iface('Queueable', 'System', ['execute']),
  iface('Schedulable', 'System', ['execute']),
  iface('Finalizer', 'System', ['execute']),
  iface('Comparable', 'System', ['compareTo']),
  iface('Comparator', 'System', ['compare']),
  iface('AllowsCallouts', 'Database', []),
  iface('Stateful', 'Database', []),
  iface('Batchable', 'Database', ['start', 'execute', 'finish']),
  iface('StubProvider', 'System', ['handleMethodCall'])
];

export function registerSystem(registry: NativeRegistry): void {
  for (const cls of systemClasses) registry.register(cls);
}

export { SYNC_LIMITS };
