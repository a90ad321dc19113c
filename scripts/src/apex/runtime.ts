/**
 * The contracts between the parts of the local Apex runtime: the interpreter (language), the natives (platform
 * classes written in TypeScript), the in-memory org (schema, SOQL, DML) and the test runner. Every part imports
 * these interfaces, never another part's internals.
 */
import { ApexObject, ApexSObject, TypeRef, Value } from './values';

/** Where a piece of Apex is: for messages ("at Foo.cls:12") and the Apex stack. */
export interface SourcePos {
  file: string;
  line: number;
}

export const posText = (pos: SourcePos | undefined): string => (pos ? `${pos.file}:${pos.line}` : 'unknown position');

/** An Apex exception in flight (catchable by Apex `catch`). Thrown as a JS exception. */
export class ApexThrow extends Error {
  constructor(
    readonly exception: ApexObject,
    message: string
  ) {
    super(message);
  }
}

/**
 * A feature the runtime does not implement. Never caught by Apex code: the test stops and is reported as
 * "unsupported: <feature> at <file:line>", never as a pass.
 */
export class UnsupportedError extends Error {
  constructor(
    readonly feature: string,
    readonly pos?: SourcePos
  ) {
    super(`unsupported: ${feature} at ${posText(pos)}`);
  }
}

/** A defect of the runtime itself (as opposed to of the Apex under test); reported with the Apex stack. */
export class InterpreterError extends Error {
  constructor(
    message: string,
    readonly apexStack: string[] = []
  ) {
    super(message);
  }
}

/** The per-test step budget ran out: an endless loop or runaway recursion. */
export class StepBudgetExceeded extends Error {}

/** A governor limit hit: System.LimitException cannot be caught by Apex code, so it is its own JS error. */
export class LimitExceeded extends Error {}

/** A native function: receives the runtime, the receiver (instance methods) and the evaluated arguments. */
export type NativeFn = (rt: Runtime, args: Value[], self: Value) => Value;

/**
 * A platform type written in TypeScript. Names are matched case-insensitively, with or without the namespace
 * (`System.HttpRequest` and `HttpRequest`). Overloads are resolved inside the function by argument count and runtime
 * type; a call whose shape a native does not handle must throw UnsupportedError naming the signature.
 */
export interface NativeClass {
  /** Simple name as the platform spells it: 'String', 'HttpRequest', 'SaveResult'. */
  name: string;
  /** 'System', 'Database', 'Schema', 'Messaging', 'UserProvisioning', 'Process', 'Metadata', 'Auth'... */
  namespace: string;
  kind: 'class' | 'interface' | 'enum';
  /** Static methods by lower-case name. */
  statics?: Record<string, NativeFn>;
  /** Static properties/constants by lower-case name (read-only), evaluated on access. */
  staticProps?: Record<string, (rt: Runtime) => Value>;
  /** Instance methods by lower-case name. `self` is the receiver. */
  methods?: Record<string, NativeFn>;
  /** Instance properties (get; set;) by lower-case name, for platform classes that expose them (e.g. Metadata.CustomMetadata.values). */
  props?: Record<
    string,
    { get: (rt: Runtime, self: Value) => Value; set?: (rt: Runtime, self: Value, v: Value) => void }
  >;
  /** Dynamic static property (`Schema.SObjectType.User`): consulted after staticProps; undefined = no such property. */
  staticGet?: (rt: Runtime, name: string) => Value | undefined;
  /** Dynamic instance property (`describe.fields.Email`): consulted after props; undefined = no such property. */
  getProp?: (rt: Runtime, self: Value, name: string) => Value | undefined;
  /** `new X(args)`; typeArgs for generic platform types. Absent = not constructible. */
  construct?: (rt: Runtime, args: Value[], typeArgs: TypeRef[]) => Value;
  /** Runtime membership test for values the native creates (NativeObject typeName match is the default). */
  isInstance?: (v: Value) => boolean;
  /** Canonical names of super types / interfaces (e.g. 'Process.Plugin'). */
  superTypes?: string[];
  /** For kind 'enum': the constants in ordinal order. */
  enumValues?: string[];
  /** For abstract platform classes or interfaces user code extends: methods a subclass must provide (lower-case). */
  abstractMethods?: string[];
}

/** All platform classes by lower-case simple name and lower-case `namespace.name`. */
export class NativeRegistry {
  private readonly byName = new Map<string, NativeClass>();
  private readonly qualified = new Map<string, NativeClass>();

  register(cls: NativeClass): void {
    const q = `${cls.namespace}.${cls.name}`.toLowerCase();
    if (this.qualified.has(q)) throw new Error(`native ${q} registered twice`);
    this.qualified.set(q, cls);
    // A simple name belongs to the System namespace first (String, Type), then to the first registered.
    const simple = cls.name.toLowerCase();
    const existing = this.byName.get(simple);
    if (!existing || (cls.namespace === 'System' && existing.namespace !== 'System')) this.byName.set(simple, cls);
  }

  /** Looks up 'HttpRequest', 'System.HttpRequest', 'Database.SaveResult', 'Metadata.DeployStatus'. */
  find(name: string): NativeClass | undefined {
    const lower = name.toLowerCase();
    return this.qualified.get(lower) ?? (lower.includes('.') ? undefined : this.byName.get(lower));
  }

  /** True when a namespace of that name exists (so `Database.insert` resolves Database as a namespace or class). */
  hasNamespace(ns: string): boolean {
    const lower = `${ns.toLowerCase()}.`;
    for (const key of this.qualified.keys()) if (key.startsWith(lower)) return true;
    return false;
  }

  all(): NativeClass[] {
    return [...this.qualified.values()];
  }
}

/** Governor limits of one transaction (Apex Developer Guide, "Execution Governors and Limits"). */
export interface LimitCounters {
  queries: number;
  queryRows: number;
  dmlStatements: number;
  dmlRows: number;
  callouts: number;
  queueableJobs: number;
  futureCalls: number;
  emailInvocations: number;
  publishImmediateDml: number;
  cpuStartedAt: number;
}

export const SYNC_LIMITS = {
  queries: 100,
  queryRows: 50000,
  dmlStatements: 150,
  dmlRows: 10000,
  callouts: 100,
  queueableJobs: 50,
  futureCalls: 50,
  emailInvocations: 10,
  publishImmediateDml: 150
} as const;

/** Async (Queueable, future, batch) transactions: 200 SOQL, queueable enqueue limited to 1. */
export const ASYNC_LIMITS = { ...SYNC_LIMITS, queries: 200, queueableJobs: 1 } as const;

export type LimitName = keyof typeof SYNC_LIMITS;

/** A queued asynchronous unit of work (Queueable, @future, scheduled job, batch) waiting for Test.stopTest. */
export interface AsyncJob {
  kind: 'Queueable' | 'Future' | 'ScheduledApex' | 'BatchApex';
  /** Id of the AsyncApexJob row the org holds for it. */
  id: string;
  /** Runs the job in a new transaction; supplied by whoever enqueued it. */
  run: () => void;
  /** Chaining depth (0 for a job enqueued from a test method). */
  depth: number;
  /**
   * Earliest time (org clock, epoch ms) the job may start: a Queueable enqueued with a delay. Test.stopTest runs
   * every queued job regardless; an org session (scripts/src/apex/session.ts) waits for its clock to pass it.
   */
  notBefore?: number;
  /** The user who queued it, whom it runs as. */
  userId?: string;
}

/**
 * Transaction state. One per Apex transaction; a test method is one transaction, `Test.startTest` gives it fresh
 * limits, and each async job runs in a new one.
 */
export class ExecContext {
  limits: LimitCounters = ExecContext.freshLimits();
  limitSet: Record<LimitName, number> = { ...SYNC_LIMITS };
  /** Set by DML, cleared at commit/rollback: a callout now is "You have uncommitted work pending". */
  uncommittedWork = false;
  /** Object names (lower-case) touched by DML in this transaction, split by setup/non-setup for MIXED_DML. */
  setupDml = new Set<string>();
  nonSetupDml = new Set<string>();
  inTest = false;
  startTestCalled = false;
  stopTestCalled = false;
  isAsync = false;
  /** The job running now (for Queueable chaining depth and System.attachFinalizer). */
  currentJob: AsyncJob | undefined;
  /** Work queued for Test.stopTest (or the end of the test when stopTest is never called: then it does not run). */
  asyncQueue: AsyncJob[] = [];
  /** Platform events published and not yet delivered. */
  eventBus: ApexSObject[] = [];
  /** Free slots for platform natives (mock in force, finalizer attached, email outbox, ...). */
  slots: Record<string, unknown> = {};

  static freshLimits(): LimitCounters {
    return {
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
  }

  /** Counts `by` against a limit; over the limit throws the uncatchable System.LimitException. */
  consume(limit: LimitName, by = 1): void {
    if (limit === 'queryRows' || limit === 'dmlRows') this.limits[limit] += by;
    else this.limits[limit] += by;
    const max = this.limitSet[limit];
    if (this.limits[limit] > max) {
      throw new LimitExceeded(`System.LimitException: Too many ${LIMIT_LABEL[limit]}: ${this.limits[limit]}`);
    }
  }
}

const LIMIT_LABEL: Record<LimitName, string> = {
  queries: 'SOQL queries',
  queryRows: 'query rows',
  dmlStatements: 'DML statements',
  dmlRows: 'DML rows',
  callouts: 'callouts',
  queueableJobs: 'queueable jobs added to the queue',
  futureCalls: 'future calls',
  emailInvocations: 'Email Invocations',
  publishImmediateDml: 'Immediate DML'
};

/** One row of a DML outcome (Database.SaveResult / UpsertResult / DeleteResult / UndeleteResult). */
export interface DmlRowResult {
  id: string | null;
  success: boolean;
  created?: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
}

export type DmlOp = 'insert' | 'update' | 'upsert' | 'delete' | 'undelete';

/** Resolves a bind variable (`:name`, `:obj.field`, `:list`) of a SOQL query to its value. */
export type BindResolver = (expression: string) => Value;

export interface QueryOptions {
  /** WITH USER_MODE / AccessLevel.USER_MODE: sharing and FLS are not modelled beyond the running user's presence. */
  mode: 'user' | 'system';
  pos?: SourcePos;
}

/**
 * The in-memory org: schema, records, SOQL and DML. DML fires triggers through `triggerHook` (set by the
 * interpreter); limits and the mixed-DML / uncommitted-work flags are kept on `ctx`.
 */
export interface Org {
  /** The org's clock (epoch ms): System.now, Date.today, SOQL date literals and audit fields read it. */
  now(): number;
  /**
   * Setup > Email > Deliverability: 'all' (All email), 'system' (System email only: the default of a new sandbox
   * and scratch org) or 'none' (No access). Apex email is refused unless 'all'.
   */
  emailDeliverability: 'all' | 'system' | 'none';
  /** Runs a SOQL query: a List<SObject> (typed to the FROM object), an Integer for `SELECT COUNT() ...`, or a List<AggregateResult>. */
  query(rt: Runtime, soql: string, binds: BindResolver, options: QueryOptions): Value;
  /** Executes a DML statement; with allOrNone a failure throws System.DmlException (through rt.throwApex) after rolling back the statement. */
  dml(
    rt: Runtime,
    op: DmlOp,
    records: ApexSObject[],
    options: { allOrNone: boolean; externalIdField?: string; pos?: SourcePos; eventDelivery?: boolean }
  ): DmlRowResult[];
  /** Creates an SObject of a type (`new Account(Name = 'x')`), validating field names; throws for an unknown type. */
  newSObject(rt: Runtime, type: string, fields: Array<[string, Value]>): ApexSObject;
  /** Canonical name of an SObject type, or undefined when no such object exists. */
  objectName(name: string): string | undefined;
  /** Canonical field name on an object (for `acc.name` → `Name`) or undefined when the field does not exist. */
  fieldName(object: string, field: string): string | undefined;
  /** Static type of a field (for coercion on assignment): 'String', 'Id', 'Boolean', 'Integer', 'Decimal', 'Double', 'Date', 'Datetime', 'Time', 'Blob', or a parent SObject name for relationship names. */
  fieldType(object: string, field: string): TypeRef | undefined;
  /** Reads `record.Field` or `record.Parent.Field` semantics: SObjectException for a field not queried, unknown fields refused. */
  getField(rt: Runtime, record: ApexSObject, field: string): Value;
  /** Writes `record.Field = v` with coercion to the field type (Id validation, Integer→Decimal); refuses unknown and read-only-by-nature fields as the platform does, except with `unchecked` (JSON.deserialize may set read-only fields). */
  setField(rt: Runtime, record: ApexSObject, field: string, value: Value, options?: { unchecked?: boolean }): void;
  /** Static calls on an SObject type: `Foo__mdt.getInstance('X')`, `Foo__mdt.getAll()`, `Setting__c.getOrgDefaults()`. */
  sobjectStatic(rt: Runtime, object: string, method: string, args: Value[]): Value;
  /** Snapshot for Database.setSavepoint / test isolation; returns an opaque token. */
  savepoint(): unknown;
  rollback(token: unknown): void;
  /** Marks the transaction committed (end of a test-side async job): clears uncommitted work. */
  commit(): void;
  /** Id of the User a test runs as when no System.runAs is in force (an active System Administrator seeded by the org). */
  defaultUserId(): string;
  /** IANA time zone (TimeZoneSidKey) of a user, for Datetime formatting and Date conversions. */
  userTimeZone(userId: string): string;
  /** FeatureManagement.checkPermission: granted through a permission set assigned to the user. */
  hasCustomPermission(userId: string, permission: string): boolean;
  /** A stored record by Id (a copy), for platform classes that read setup rows (UserInfo reads the running User). */
  findRecord(id: string): ApexSObject | undefined;
  /** Inserts a row with no DML semantics (AsyncApexJob and CronTrigger rows the platform itself writes). */
  insertSystemRow(object: string, fields: Record<string, Value>): ApexSObject;
  /** Updates a stored row with no DML semantics (job status, Test.setCreatedDate). */
  updateSystemRow(id: string, fields: Record<string, Value>): void;
  /**
   * The user a platform event trigger runs as: the user its PlatformEventSubscriberConfig names, else the
   * Automated Process user (Platform Events Developer Guide, "Configure the User and Batch Size for Your Platform
   * Event Trigger with PlatformEventSubscriberConfig").
   */
  eventTriggerUserId(triggerName: string): string;
  /** Called by DML for each trigger event: 'before insert', 'after update', ... */
  triggerHook?: (
    event: TriggerEvent,
    object: string,
    newList: ApexSObject[] | null,
    oldList: ApexSObject[] | null
  ) => void;
}

export type TriggerEvent =
  | 'before insert'
  | 'after insert'
  | 'before update'
  | 'after update'
  | 'before delete'
  | 'after delete'
  | 'after undelete';

/** Records which lines ran: coverable lines are declared at load time, hits at run time. */
export interface CoverageRecorder {
  coverable(file: string, line: number): void;
  hit(file: string, line: number): void;
}

/**
 * What the interpreter offers natives and the org. Implemented by the interpreter; natives never reach into its
 * internals.
 */
export interface Runtime {
  readonly natives: NativeRegistry;
  readonly org: Org;
  /** The current transaction; replaced by the test runner per test method and by async job execution. */
  ctx: ExecContext;
  /** Id of the running user (System.runAs changes it); UserInfo reads the User record through the org. */
  runningUserId: string;
  /** IANA time zone of the running user (Datetime.format, Date conversions). */
  userTimeZone(): string;

  /** Throws a catchable Apex exception of a platform type ('System.CalloutException', 'DmlException'...). */
  throwApex(typeName: string, message: string, extra?: Record<string, unknown>): never;
  /** Creates (does not throw) an exception object of a platform or user type. */
  newException(typeName: string, message: string, extra?: Record<string, unknown>): ApexObject;

  /** Virtual dispatch of an instance method on an Apex object (HttpCalloutMock.respond, Queueable.execute, compareTo). */
  callMethod(target: Value, name: string, args: Value[]): Value;
  /** True when the value's class (user or native) has a method of that name and arity. */
  hasMethod(target: Value, name: string, arity: number): boolean;
  /** Constructs any type by name, as `new T(args)` would (used by Type.newInstance and typed JSON.deserialize). */
  newInstance(type: TypeRef, args: Value[]): Value;
  /** Resolves a type name as written in Apex (`Foo`, `Outer.Inner`, `List<String>`, `Account`), or undefined. */
  resolveType(name: string): TypeRef | undefined;
  /** True when the type names a user class (not a native, SObject or primitive). */
  isUserClass(type: TypeRef): boolean;
  /** Declared instance fields of a user class instance, in declaration order (for JSON; excludes static and transient). */
  instanceFields(type: TypeRef): Array<{ name: string; type: TypeRef }>;
  getField(target: Value, name: string): Value;
  setField(target: Value, name: string, value: Value): void;

  /** `value instanceof type`, with Apex rules (null is never an instance). */
  isInstance(value: Value, type: TypeRef): boolean;
  /** Assignment conversion to a declared type (Integer→Long/Decimal/Double, String→Id validation); throws System.TypeException when not assignable. */
  coerce(value: Value, type: TypeRef): Value;
  /** Runtime type of a value. */
  typeOf(value: Value): TypeRef;
  /** Apex `==` (case-insensitive for strings, value equality for collections and SObjects, equals() for user classes). */
  equals(a: Value, b: Value): boolean;
  /** Key for Set membership and Map keys (case-sensitive strings; user equals/hashCode honoured). */
  key(value: Value): string;
  /** String.valueOf / concatenation rendering (user toString() honoured). */
  stringify(value: Value): string;
  /** Default ordering of List.sort (numbers, strings, dates, enums by ordinal, SObjects as documented, Comparable). */
  compare(a: Value, b: Value): number;

  /** Runs fn in a new transaction (async job, delivered platform event trigger): fresh limits, its own flags. */
  inNewTransaction(isAsync: boolean, fn: () => void): void;
  /** Runs fn as another user (System.runAs): new mixed-DML scope, running user and its time zone. */
  runAs(userId: string, fn: () => void): void;
  /** Evaluates a bind expression (`acc.Id`, `ids`) in the scope of the innermost Apex frame (dynamic SOQL binds). */
  evaluateBind(expression: string): Value;
  /** The Apex call stack for messages, innermost first ("Class.method: line N"). */
  stackTrace(): string[];
  /** The Apex position being executed now. */
  currentPos(): SourcePos | undefined;
  /** Writes one System.debug line to the test's debug log (level already applied by the caller). */
  debug(line: string): void;
}
