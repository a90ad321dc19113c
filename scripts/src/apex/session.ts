/**
 * An org session: the project's Apex loaded into the local org and run as an org runs it, outside any test. Each
 * `execute` is one synchronous transaction of anonymous Apex as a chosen user (its triggers fire, an unhandled
 * exception rolls it back); what it queues (Queueables with their finalizers, @future, published platform events)
 * runs afterwards, each in its own asynchronous transaction, as the platform would run it after the commit, until
 * nothing due is left. A Queueable enqueued with a delay waits for the session's clock: `advance(minutes)` moves it
 * (System.now, Date.today and SOQL date literals read it). Outside a test, callouts are real: `callout:` endpoints go
 * through the callout bridge (bridge/callouts.ts) to the URLs configured per Named Credential.
 *
 * Used by the outbound end-to-end scenarios and the demo; never by the Apex test gate (tests keep their isolation
 * and mocks).
 */
import { Interpreter } from './interpreter';
import { buildRegistry } from './natives';
import { deliverEvents } from './natives/platform/system';
import { LocalOrg } from './org/org';
import { ApexSource, LineCoverage, projectSources } from './runner/run';
import { ApexThrow, AsyncJob, ExecContext, LimitExceeded } from './runtime';
import {
  ApexDate,
  ApexDatetime,
  ApexDecimal,
  ApexDouble,
  ApexList,
  ApexLong,
  ApexSObject,
  NativeObject,
  Value
} from './values';
import { calloutBridge, CalloutExchange, NamedCredentialRoute } from './bridge/callouts';
import { SyncHttpClient } from './bridge/syncHttp';

export interface OrgSessionOptions {
  projectRoot: string;
  /** The Apex to load; by default every class and trigger of the project's package directories. */
  sources?: ApexSource[];
  /** Where each Named Credential's callouts go. */
  namedCredentials?: Record<string, NamedCredentialRoute>;
  /** Statements one transaction may run before it is stopped (a runaway loop). */
  stepBudget?: number;
  /** Async executions one `execute`/`advance` may run before the session stops and reports a runaway chain. */
  maxJobsPerStep?: number;
}

/** How one transaction (or async execution) ended. */
export interface TransactionOutcome {
  kind: 'anonymous' | 'Queueable' | 'Future' | 'ScheduledApex' | 'BatchApex' | 'PlatformEvent';
  id?: string;
  ok: boolean;
  /** The unhandled exception, as the platform prints it. */
  error?: string;
  /** Callouts, SOQL queries and DML statements of this transaction (for a Queueable: of its execute). */
  limits?: { callouts: number; queries: number; dmlStatements: number };
  /** User the transaction ran as (not set for an event delivery: each trigger runs as its own subscriber user). */
  userId?: string;
}

export interface StepReport {
  /** The anonymous transaction first, then every async execution it led to, in the order they ran. */
  transactions: TransactionOutcome[];
  /** Callouts made during the step. */
  callouts: CalloutExchange[];
  /** System.debug lines of the step. */
  debug: string[];
}

export class SessionError extends Error {}

const DEFAULT_MAX_JOBS = 200;

export class OrgSession {
  readonly org: LocalOrg;
  /** Every callout of the session, in order. */
  readonly callouts: CalloutExchange[] = [];
  private readonly interpreter: Interpreter;
  private readonly http = new SyncHttpClient();
  private readonly slots: Record<string, unknown>;
  private readonly maxJobs: number;
  private pending: AsyncJob[] = [];
  private offsetMs = 0;
  private anonymousCount = 0;
  private debugLines: string[] = [];
  private ended: ExecContext[] = [];

  constructor(options: OrgSessionOptions) {
    this.org = new LocalOrg(options.projectRoot);
    this.org.now = () => Date.now() + this.offsetMs;
    this.maxJobs = options.maxJobsPerStep ?? DEFAULT_MAX_JOBS;
    this.interpreter = new Interpreter({
      natives: buildRegistry(),
      org: this.org,
      coverage: new LineCoverage(),
      stepBudget: options.stepBudget,
      debug: (line) => this.debugLines.push(line)
    });
    this.interpreter.load(options.sources ?? projectSources(options.projectRoot));
    this.slots = {
      calloutBridge: calloutBridge({
        routes: options.namedCredentials ?? {},
        client: this.http,
        record: (exchange) => this.callouts.push(exchange)
      }),
      transactionEnded: (ctx: ExecContext) => this.ended.push(ctx)
    };
  }

  /** Id of the org's seeded System Administrator (the user anonymous Apex runs as by default). */
  get adminUserId(): string {
    return this.org.defaultUserId();
  }

  /** The session's clock (epoch ms). */
  now(): number {
    return this.org.now();
  }

  /**
   * Runs anonymous Apex as `asUser` (default: the admin) in one transaction, then every async execution due as a
   * result. Throws SessionError only for a runaway (more than maxJobsPerStep executions); an Apex failure is reported
   * in the step's transactions, as the platform reports it.
   */
  execute(apex: string, options: { asUser?: string } = {}): StepReport {
    const name = `AnonymousApex${++this.anonymousCount}`;
    this.interpreter.load([
      { path: `anonymous/${name}.cls`, text: `public class ${name} {\n public static void run() {\n${apex}\n }\n}` }
    ]);
    const calloutsBefore = this.callouts.length;
    this.debugLines = [];
    const transactions: TransactionOutcome[] = [];
    const userId = options.asUser ?? this.adminUserId;
    this.interpreter.resetStatics();
    this.interpreter.resetSteps();
    const ctx = this.newContext();
    this.interpreter.ctx = ctx;
    this.interpreter.runningUserId = userId;
    const start = this.org.savepoint();
    const outcome: TransactionOutcome = { kind: 'anonymous', ok: true, userId };
    try {
      this.interpreter.runStatic(name, 'run');
      this.org.commit();
      this.pending.push(...ctx.asyncQueue);
      this.deliver(ctx, transactions);
    } catch (error) {
      this.org.rollback(start);
      outcome.ok = false;
      outcome.error = describe(error);
    }
    outcome.limits = limitsOf(ctx);
    transactions.unshift(outcome);
    this.runDue(transactions);
    return { transactions, callouts: this.callouts.slice(calloutsBefore), debug: this.debugLines };
  }

  /** Moves the clock forward and runs what became due (delayed Queueables). */
  advance(minutes: number): StepReport {
    const calloutsBefore = this.callouts.length;
    this.debugLines = [];
    this.offsetMs += minutes * 60000;
    const transactions: TransactionOutcome[] = [];
    this.runDue(transactions);
    return { transactions, callouts: this.callouts.slice(calloutsBefore), debug: this.debugLines };
  }

  /** Jobs queued and not yet run (delayed ones wait for the clock). */
  queued(): Array<{ kind: AsyncJob['kind']; id: string; notBefore?: number }> {
    return this.pending.map((job) => ({ kind: job.kind, id: job.id, notBefore: job.notBefore }));
  }

  /**
   * Messages handed to Messaging.sendEmail so far. The org sends no mail: they are kept here, as an org's email log
   * would show them (a rolled-back transaction's messages included: the runtime does not model delivery).
   */
  emails(): Array<{ subject: string | null; body: string | null; targetObjectId: string | null }> {
    const outbox = (this.slots.emailOutbox as NativeObject[] | undefined) ?? [];
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return outbox.map((m) => ({
      subject: text(m.data.Subject),
      body: text(m.data.PlainTextBody),
      targetObjectId: text(m.data.TargetObjectId)
    }));
  }

  /** Runs SOQL in system mode (no limits counted) and returns the rows as plain objects. */
  query(soql: string): Array<Record<string, unknown>> {
    const saved = this.interpreter.ctx;
    this.interpreter.ctx = this.newContext();
    try {
      const result = this.org.query(this.interpreter, soql, () => null, { mode: 'system' });
      if (!(result instanceof ApexList)) throw new SessionError(`not a row query: ${soql}`);
      return result.items.map((row) => plain(row as ApexSObject));
    } finally {
      this.interpreter.ctx = saved;
    }
  }

  /** Stops the HTTP worker. */
  close(): void {
    this.http.close();
  }

  private newContext(): ExecContext {
    const ctx = new ExecContext();
    ctx.inTest = false;
    ctx.slots = this.slots;
    return ctx;
  }

  /** Runs every due job FIFO (and what they queue), each as the platform would: a failure fails only that job. */
  private runDue(transactions: TransactionOutcome[]): void {
    let ran = 0;
    for (;;) {
      // A scheduled job waits for its cron (fireScheduled); a delayed Queueable for the clock.
      const index = this.pending.findIndex(
        (job) => job.kind !== 'ScheduledApex' && (job.notBefore === undefined || job.notBefore <= this.org.now())
      );
      if (index < 0) return;
      if (++ran > this.maxJobs) {
        throw new SessionError(
          `more than ${this.maxJobs} async executions in one step: a runaway chain (${this.pending.length} still queued)`
        );
      }
      const [job] = this.pending.splice(index, 1);
      const ctx = this.newContext();
      this.interpreter.ctx = ctx;
      this.interpreter.resetStatics();
      this.interpreter.resetSteps();
      const outcome: TransactionOutcome = {
        kind: job.kind,
        id: job.id,
        ok: true,
        userId: job.userId ?? this.interpreter.runningUserId
      };
      this.ended = [];
      try {
        // A job that fails has rolled its own transaction back (inNewTransaction).
        job.run();
      } catch (error) {
        outcome.ok = false;
        outcome.error = describe(error);
      }
      // The job's own execution is the first transaction it ran (a finalizer's follows it).
      if (this.ended[0]) outcome.limits = limitsOf(this.ended[0]);
      transactions.push(outcome);
      this.pending.push(...ctx.asyncQueue);
      this.deliver(ctx, transactions);
    }
  }

  /** Delivers the platform events a transaction published: each batch's triggers run in a new transaction. */
  private deliver(ctx: ExecContext, transactions: TransactionOutcome[]): void {
    if (ctx.eventBus.length === 0) return;
    this.interpreter.ctx = ctx;
    const outcome: TransactionOutcome = { kind: 'PlatformEvent', ok: true };
    try {
      deliverEvents(this.interpreter);
    } catch (error) {
      outcome.ok = false;
      outcome.error = describe(error);
    }
    transactions.push(outcome);
    this.pending.push(...ctx.asyncQueue.filter((job) => !this.pending.includes(job)));
  }
}

function limitsOf(ctx: ExecContext): TransactionOutcome['limits'] {
  return { callouts: ctx.limits.callouts, queries: ctx.limits.queries, dmlStatements: ctx.limits.dmlStatements };
}

function describe(error: unknown): string {
  if (error instanceof ApexThrow || error instanceof LimitExceeded) return error.message;
  return `interpreter error: ${error instanceof Error ? error.message : String(error)}`;
}

/** An SObject as a plain object: field values, parent relationships as nested objects. */
function plain(row: ApexSObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { name, value } of row.fields.values()) out[name] = toPlain(value);
  return out;
}

function toPlain(value: Value): unknown {
  if (value instanceof ApexSObject) return plain(value);
  if (value instanceof ApexList) return value.items.map(toPlain);
  if (value instanceof ApexDecimal) return value.v.toNumber();
  if (value instanceof ApexLong) return Number(value.v);
  if (value instanceof ApexDouble) return value.v;
  if (value instanceof ApexDatetime) return new Date(value.ms);
  if (value instanceof ApexDate) return `${value.year}-${pad(value.month)}-${pad(value.day)}`;
  return value;
}

const pad = (n: number): string => String(n).padStart(2, '0');
