/* eslint-disable @typescript-eslint/no-base-to-string, @typescript-eslint/restrict-template-expressions -- messages render Ids and names, which are strings */
/**
 * The in-memory org: schema, seeded records, field access, DML with platform validation and triggers, SOQL through
 * the engine in ./soql, savepoints.
 */
import {
  BindResolver,
  DmlOp,
  DmlRowResult,
  InterpreterError,
  Org,
  QueryOptions,
  Runtime,
  SourcePos,
  TriggerEvent,
  UnsupportedError
} from '../runtime';
import {
  ApexBlob,
  ApexMap,
  ApexDatetime,
  ApexList,
  ApexObject,
  ApexSObject,
  ApexDecimal,
  ApexDouble,
  ApexLong,
  Decimal,
  TypeRef,
  typeRef,
  Value
} from '../values';
import { IdGenerator, to18 } from './ids';
import { FieldDef, ObjectDef, Schema } from './schema';
import { runSoqlEngine, SoqlSource } from './soqlContract';
import { copyRecord, Store, StoreState } from './store';
import { seedOrg } from './seed';

export interface RowError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** Errors added with SObject.addError, by record (the DML in progress reads them). */
const addedErrors = new WeakMap<ApexSObject, RowError[]>();
/** Records that came out of SOQL: reading a field they were not queried with is an SObjectException. */
const queriedRecords = new WeakSet<ApexSObject>();

export function addRecordError(record: ApexSObject, message: string, field?: string): void {
  const list = addedErrors.get(record) ?? [];
  list.push({ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message, fields: field ? [field] : [] });
  addedErrors.set(record, list);
}
export const recordErrors = (record: ApexSObject): RowError[] => addedErrors.get(record) ?? [];
export const isQueried = (r: ApexSObject): boolean => queriedRecords.has(r);
export function markQueried(r: ApexSObject): void {
  queriedRecords.add(r);
  for (const { value } of r.fields.values()) {
    if (value instanceof ApexSObject) markQueried(value);
    else if (value instanceof ApexList) for (const c of value.items) if (c instanceof ApexSObject) markQueried(c);
  }
}

const OP_LABEL: Record<DmlOp, string> = {
  insert: 'Insert',
  update: 'Update',
  upsert: 'Upsert',
  delete: 'Delete',
  undelete: 'Undelete'
};

const MIXABLE_USER_FIELDS = ['UserRoleId', 'IsActive', 'ForecastEnabled', 'IsPortalEnabled', 'Username', 'ProfileId'];

interface Row {
  index: number;
  input: ApexSObject;
  work: ApexSObject;
  old?: ApexSObject;
  created: boolean;
  errors: RowError[];
}

/** Objects user mode refuses to a user lacking all of the listed user permissions (see requireUserModeRead). */
const USER_MODE_READ_RULES: Record<string, string[]> = {
  permissionsetassignment: ['ViewSetup', 'AssignPermissionSets', 'ManageUsers'],
  setupentityaccess: ['ViewSetup']
};

export class LocalOrg implements Org {
  readonly schema: Schema;
  readonly store = new Store();
  readonly ids = new IdGenerator();
  triggerHook?: (
    event: TriggerEvent,
    object: string,
    newList: ApexSObject[] | null,
    oldList: ApexSObject[] | null
  ) => void;
  adminUserId = '';
  /** Custom permissions granted by each seeded PermissionSet (by its Id), lower-case names. */
  readonly customPermissions = new Map<string, Set<string>>();
  automatedProcessUserId = '';
  /** PlatformEventSubscriberConfig: the running user (Id) of a platform event trigger, by lower-case trigger name. */
  readonly eventSubscriberUsers = new Map<string, string>();
  organizationId = '';
  /** Email deliverability of the org: the test runner keeps 'all'; an org session may turn it down. */
  emailDeliverability: 'all' | 'system' | 'none' = 'all';
  /** Clock for CreatedDate/LastModifiedDate (tests may pin it). */
  now: () => number = () => Date.now();
  /** Races armed by raceNextUpsert, by lower-case object name. */
  private readonly races = new Map<string, () => Record<string, Value>>();

  constructor(projectRoot: string) {
    this.schema = new Schema(projectRoot);
    seedOrg(this);
  }

  // ---------------------------------------------------------------- schema

  object(name: string): ObjectDef | undefined {
    return this.schema.object(name);
  }

  requireObject(rt: Runtime | undefined, name: string): ObjectDef {
    const def = this.schema.object(name);
    if (!def) {
      if (rt) rt.throwApex('System.TypeException', `Invalid sObject type: ${name}`);
      throw new InterpreterError(`Invalid sObject type: ${name}`);
    }
    return def;
  }

  objectName(name: string): string | undefined {
    return this.schema.object(name)?.name;
  }

  field(object: string, field: string): FieldDef | undefined {
    return this.schema.object(object)?.fields.get(field.toLowerCase());
  }

  fieldName(object: string, field: string): string | undefined {
    const def = this.schema.object(object);
    if (!def) return undefined;
    const f = def.fields.get(field.toLowerCase());
    if (f) return f.name;
    return this.parentRel(def, field)?.name ?? def.children.get(field.toLowerCase())?.name;
  }

  /** The lookup field behind a parent relationship name (`Owner`, `Target__r`). */
  parentRel(def: ObjectDef, relName: string): { name: string; field: FieldDef } | undefined {
    const lower = relName.toLowerCase();
    for (const f of def.fields.values()) {
      if (f.relationshipName && f.relationshipName.toLowerCase() === lower)
        return { name: f.relationshipName, field: f };
    }
    return undefined;
  }

  childRel(def: ObjectDef, relName: string): { name: string; childObject: string; field: string } | undefined {
    const rel = def.children.get(relName.toLowerCase());
    if (!rel) return undefined;
    let field = rel.field;
    if (!field) {
      const childDef = this.schema.object(rel.childObject);
      const candidates = childDef
        ? [...childDef.fields.values()].filter((f) =>
            f.referenceTo.some((t) => t.toLowerCase() === def.name.toLowerCase())
          )
        : [];
      const own = candidates.filter((f) => !f.system);
      const pick = own.length === 1 ? own : candidates.length === 1 ? candidates : [];
      if (!pick.length) {
        throw new UnsupportedError(
          `child relationship ${def.name}.${rel.name} (which ${rel.childObject} field is unknown)`
        );
      }
      field = pick[0].name;
      rel.field = field;
    }
    return { name: rel.name, childObject: rel.childObject, field };
  }

  fieldType(object: string, field: string): TypeRef | undefined {
    const def = this.schema.object(object);
    if (!def) return undefined;
    const f = def.fields.get(field.toLowerCase());
    if (f) return typeRef(f.apexType);
    const p = this.parentRel(def, field);
    if (p)
      return typeRef(
        p.field.referenceTo.length === 1 ? (this.objectName(p.field.referenceTo[0]) ?? 'SObject') : 'SObject'
      );
    const c = def.children.get(field.toLowerCase());
    if (c) return typeRef('List', typeRef(c.childObject));
    return undefined;
  }

  objectForId(id: string): string | undefined {
    return this.schema.objectForPrefix(id.slice(0, 3));
  }

  // ---------------------------------------------------------------- records and fields

  newSObject(rt: Runtime, type: string, fields: Array<[string, Value]>): ApexSObject {
    const def = this.requireObject(rt, type);
    const r = new ApexSObject(def.name);
    for (const [f, v] of fields) this.setField(rt, r, f, v);
    return r;
  }

  getField(rt: Runtime, record: ApexSObject, field: string): Value {
    // AggregateResult columns are the query's aliases (expr0, expr1... for unaliased aggregates).
    if (record.type === 'AggregateResult') {
      if (!record.has(field)) rt.throwApex('System.SObjectException', `Invalid field ${field} for AggregateResult`);
      return record.get(field) ?? null;
    }
    if (field.includes('.')) {
      let cur: Value = record;
      for (const part of field.split('.')) {
        if (cur === null) rt.throwApex('System.NullPointerException', 'Attempt to de-reference a null object');
        if (!(cur instanceof ApexSObject)) rt.throwApex('System.SObjectException', `Invalid relationship ${part}`);
        cur = this.getField(rt, cur, part);
      }
      return cur;
    }
    const def = this.requireObject(rt, record.type);
    const canonical = this.fieldName(def.name, field);
    if (!canonical) rt.throwApex('System.SObjectException', `Invalid field ${field} for ${def.name}`);
    if (record.has(canonical)) return record.get(canonical) ?? null;
    if (queriedRecords.has(record)) {
      rt.throwApex(
        'System.SObjectException',
        `SObject row was retrieved via SOQL without querying the requested field: ${def.name}.${canonical}`
      );
    }
    return null;
  }

  setField(rt: Runtime, record: ApexSObject, field: string, value: Value, options?: { unchecked?: boolean }): void {
    if (options?.unchecked) {
      this.setFieldUnchecked(rt, record, field, value);
      return;
    }
    const def = this.requireObject(rt, record.type);
    const f = def.fields.get(field.toLowerCase());
    if (!f) {
      const p = this.parentRel(def, field);
      if (p) {
        if (value !== null && !(value instanceof ApexSObject)) {
          rt.throwApex('System.SObjectException', `Illegal assignment to relationship ${def.name}.${p.name}`);
        }
        record.set(p.name, value);
        return;
      }
      const c = def.children.get(field.toLowerCase());
      if (c) rt.throwApex('System.SObjectException', `Field is not writeable: ${def.name}.${c.name}`);
      rt.throwApex('System.SObjectException', `Invalid field ${field} for ${def.name}`);
    }
    // Custom metadata records are read-only to DML but their fields may be set in memory (Apex Developer Guide,
    // "Custom Metadata Types": records can be created and edited in memory, not saved by DML).
    if (f.name !== 'Id' && !f.createable && !f.updateable && def.kind !== 'mdt') {
      rt.throwApex('System.SObjectException', `Field is not writeable: ${def.name}.${f.name}`);
    }
    record.set(f.name, this.coerceField(rt, def, f, value));
  }

  /** Sets a field with no writeability check (JSON deserialization, system rows, Test.setCreatedDate). */
  setFieldUnchecked(rt: Runtime | undefined, record: ApexSObject, field: string, value: Value): void {
    const def = this.requireObject(rt, record.type);
    const f = def.fields.get(field.toLowerCase());
    if (!f) {
      const p = this.parentRel(def, field);
      const c = def.children.get(field.toLowerCase());
      if (!p && !c) throw new InterpreterError(`Invalid field ${field} for ${def.name}`);
      record.set(p?.name ?? c?.name ?? field, value);
      return;
    }
    record.set(f.name, rt ? this.coerceField(rt, def, f, value) : value);
  }

  coerceField(rt: Runtime, def: ObjectDef, f: FieldDef, value: Value): Value {
    if (value === null) return null;
    if (f.apexType === 'Id') {
      const id = typeof value === 'string' ? to18(value) : undefined;
      if (!id) {
        if (typeof value !== 'string')
          rt.throwApex('System.TypeException', `Illegal assignment to ${def.name}.${f.name}`);
        rt.throwApex('System.StringException', `Invalid id: ${value}`);
      }
      return id;
    }
    if (f.apexType === 'Address' || f.apexType === 'Location' || f.apexType === 'Object') return value;
    return rt.coerce(value, typeRef(f.apexType));
  }

  // ---------------------------------------------------------------- SOQL

  soqlSource(): SoqlSource {
    return {
      rows: (object) =>
        [...this.store.table(this.requireObject(undefined, object).name).values()].map((r) => copyRecord(r)),
      deletedRows: (object) => {
        const name = this.requireObject(undefined, object).name.toLowerCase();
        return [...this.store.state.bin.values()]
          .filter((r) => r.type.toLowerCase() === name)
          .map((r) => copyRecord(r));
      },
      objectName: (n) => this.objectName(n),
      fieldName: (o, f) => {
        const def = this.schema.object(o);
        return def?.fields.get(f.toLowerCase())?.name;
      },
      fieldType: (o, f) => this.field(o, f)?.displayType,
      parentRelationship: (o, rel) => {
        const def = this.schema.object(o);
        const p = def && this.parentRel(def, rel);
        return p
          ? { field: p.field.name, targets: p.field.referenceTo.map((t) => this.objectName(t) ?? t) }
          : undefined;
      },
      childRelationship: (o, rel) => {
        const def = this.schema.object(o);
        const c = def && this.childRel(def, rel);
        return c ? { childObject: c.childObject, field: c.field } : undefined;
      },
      record: (id) => {
        const r = this.store.get(to18(id) ?? id);
        return r ? copyRecord(r) : undefined;
      }
    };
  }

  query(rt: Runtime, soql: string, binds: BindResolver, options: QueryOptions): Value {
    rt.ctx.consume('queries');
    const src = this.soqlSource();
    if (options.mode === 'user') {
      const all = this.soqlSource();
      src.rows = (object) => {
        this.requireUserModeRead(rt, object);
        return all.rows(object);
      };
    }
    const res = runSoqlEngine(rt, soql, binds, src);
    if (res.kind === 'count') {
      rt.ctx.consume('queryRows', res.count);
      return res.count;
    }
    rt.ctx.consume('queryRows', res.rows.length);
    for (const r of res.rows) markQueried(r);
    if (res.kind === 'aggregate') return new ApexList(typeRef('AggregateResult'), res.rows);
    return new ApexList(typeRef(res.object), res.rows);
  }

  // ---------------------------------------------------------------- custom metadata and settings

  sobjectStatic(rt: Runtime, object: string, method: string, args: Value[]): Value {
    const def = this.requireObject(rt, object);
    const m = method.toLowerCase();
    if (def.kind !== 'mdt')
      throw new UnsupportedError(`${def.name}.${method} (custom settings are not modelled)`, rt.currentPos());
    const rows = [...this.store.table(def.name).values()];
    const byName = (name: string): ApexSObject | undefined => {
      const r = rows.find(
        (x) => x.get('DeveloperName') === name || x.get('QualifiedApiName') === name || x.get('Id') === to18(name)
      );
      return r ? copyRecord(r) : undefined;
    };
    if (m === 'getinstance' && args.length === 1) {
      if (typeof args[0] !== 'string') rt.throwApex('System.TypeException', `${def.name}.getInstance expects a String`);
      return byName(args[0]) ?? null;
    }
    if (m === 'getall' && args.length === 0) {
      const map = new ApexMap(typeRef('String'), typeRef(def.name));
      for (const r of rows) {
        const k = String(r.get('DeveloperName'));
        map.entries.set(rt.key(k), [k, copyRecord(r)]);
      }
      return map;
    }
    throw new UnsupportedError(`${def.name}.${method}/${args.length}`, rt.currentPos());
  }

  // ---------------------------------------------------------------- transactions

  savepoint(): unknown {
    return this.store.snapshot();
  }
  rollback(token: unknown): void {
    this.store.restore(token as StoreState);
  }
  commit(): void {
    // The runtime keeps the flag on the transaction context; the store is already durable.
  }
  eventTriggerUserId(triggerName: string): string {
    return this.eventSubscriberUsers.get(triggerName.toLowerCase()) ?? this.automatedProcessUserId;
  }
  defaultUserId(): string {
    return this.adminUserId;
  }
  userTimeZone(userId: string): string {
    const u = this.store.table('User').get(to18(userId) ?? userId);
    const tz = u?.get('TimeZoneSidKey');
    if (typeof tz !== 'string') throw new InterpreterError(`userTimeZone: no user ${userId}`);
    return tz;
  }

  /** The aggregate PermissionSet of a permission set group, created on first use. */
  private aggregatePermissionSet(groupId: string): string {
    for (const ps of this.store.table('PermissionSet').values()) {
      if (ps.get('PermissionSetGroupId') === groupId) return ps.get('Id') as string;
    }
    const group = this.store.get(groupId);
    const fields: Record<string, Value> = {
      Name: `${String(group?.get('DeveloperName') ?? 'Group')}_aggregate`,
      Label: String(group?.get('MasterLabel') ?? 'Group'),
      IsOwnedByProfile: false,
      Type: 'Group',
      PermissionSetGroupId: groupId
    };
    const def = this.object('PermissionSet')!;
    for (const k of Object.keys(fields)) if (!def.fields.has(k.toLowerCase())) delete fields[k];
    const row = this.insertSystemRow('PermissionSet', fields);
    return row.get('Id') as string;
  }

  /**
   * User mode enforces the special access rules of setup objects (Object Reference, "Special Access Rules"):
   * PermissionSetAssignment needs View Setup and Configuration, Assign Permission Sets or Manage Users (Summer '20);
   * SetupEntityAccess needs View Setup and Configuration (Spring '20). Sharing, object CRUD and FLS of other objects
   * are not modelled.
   */
  private requireUserModeRead(rt: Runtime, object: string): void {
    const needs = USER_MODE_READ_RULES[object.toLowerCase()];
    if (!needs) return;
    const user = rt.runningUserId || this.adminUserId;
    if (needs.some((p) => this.hasUserPermission(user, p))) return;
    rt.throwApex('System.QueryException', `sObject type '${this.objectName(object) ?? object}' is not supported.`);
  }

  /** A user permission (`ViewSetup`, ...) from the user's profile or an assigned permission set (or group). */
  hasUserPermission(userId: string, permission: string): boolean {
    const field = `Permissions${permission}`;
    const user = this.store.get(to18(userId) ?? userId);
    const profile = user && this.store.get(user.get('ProfileId') as string);
    if (profile?.get(field) === true) return true;
    for (const psa of this.store.table('PermissionSetAssignment').values()) {
      if (psa.get('AssigneeId') !== user?.get('Id')) continue;
      if (this.store.get(psa.get('PermissionSetId') as string)?.get(field) === true) return true;
    }
    return false;
  }

  /** FeatureManagement.checkPermission: a custom permission granted to the user through an assigned permission set. */
  hasCustomPermission(userId: string, permission: string): boolean {
    const want = permission.toLowerCase();
    const user = to18(userId) ?? userId;
    for (const psa of this.store.table('PermissionSetAssignment').values()) {
      if (psa.get('AssigneeId') !== user) continue;
      if (this.customPermissions.get(psa.get('PermissionSetId') as string)?.has(want)) return true;
    }
    return false;
  }

  findRecord(id: string): ApexSObject | undefined {
    const r = this.store.get(to18(id) ?? id);
    return r ? copyRecord(r) : undefined;
  }

  /** Inserts a row with no DML semantics (seed data, AsyncApexJob/CronTrigger rows, connected apps for tests). */
  insertSystemRow(object: string, fields: Record<string, Value>): ApexSObject {
    const def = this.requireObject(undefined, object);
    if (!def.keyPrefix) throw new UnsupportedError(`rows of ${def.name} (its key prefix is not known)`);
    const r = new ApexSObject(def.name);
    const id = typeof fields.Id === 'string' ? fields.Id : this.ids.next(def.keyPrefix);
    r.set('Id', id);
    const now = new ApexDatetime(this.now());
    for (const [name, dv] of [
      ['CreatedDate', now],
      ['LastModifiedDate', now],
      ['SystemModstamp', now],
      ['CreatedById', this.adminUserId || id],
      ['LastModifiedById', this.adminUserId || id],
      ['IsDeleted', false]
    ] as Array<[string, Value]>) {
      if (def.fields.has(name.toLowerCase())) r.set(name, dv);
    }
    for (const f of def.fields.values()) {
      if (f.defaultValue !== undefined && !r.has(f.name)) r.set(f.name, f.defaultValue);
    }
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'Id') continue;
      const f = def.fields.get(k.toLowerCase());
      if (!f) throw new InterpreterError(`insertSystemRow: no field ${def.name}.${k}`);
      r.set(f.name, v);
    }
    this.store.table(def.name).set(id, r);
    return copyRecord(r);
  }

  /**
   * Arms a race the single-threaded runtime cannot otherwise show: another transaction commits a row of `object`
   * just after the next upsert of that object looked for its key and found none, and before that upsert's insert.
   * On the platform the insert then meets the unique index and fails with DUPLICATE_VALUE ("The Unique attribute
   * prevents the creation of duplicates": REST API Developer Guide, Upsert Records Using sObject Rows by External
   * ID); a rollback of the running transaction keeps the other one's row. One upsert consumes the race.
   */
  raceNextUpsert(object: string, row: () => Record<string, Value>): void {
    this.races.set(this.requireObject(undefined, object).name.toLowerCase(), row);
  }

  private runRace(def: ObjectDef): void {
    const race = this.races.get(def.name.toLowerCase());
    if (!race) return;
    this.races.delete(def.name.toLowerCase());
    this.store.commitElsewhere(this.insertSystemRow(def.name, race()));
  }

  /** Updates a stored row in place with no DML semantics (job status changes, Test.setCreatedDate). */
  updateSystemRow(id: string, fields: Record<string, Value>): void {
    const r = this.store.get(to18(id) ?? id);
    if (!r) throw new InterpreterError(`updateSystemRow: no record ${id}`);
    const def = this.requireObject(undefined, r.type);
    for (const [k, v] of Object.entries(fields)) {
      const f = def.fields.get(k.toLowerCase());
      if (!f) throw new InterpreterError(`updateSystemRow: no field ${def.name}.${k}`);
      r.set(f.name, v);
    }
  }

  // ---------------------------------------------------------------- DML

  dml(
    rt: Runtime,
    op: DmlOp,
    records: ApexSObject[],
    options: { allOrNone: boolean; externalIdField?: string; pos?: SourcePos; eventDelivery?: boolean }
  ): DmlRowResult[] {
    records.forEach((r, i) => {
      if (!(r instanceof ApexSObject))
        rt.throwApex('System.ListException', `DML statement found null SObject at position ${i}`);
    });
    rt.ctx.consume('dmlStatements');
    rt.ctx.consume('dmlRows', records.length);
    rt.ctx.uncommittedWork = true;
    for (const r of records) this.checkDmlAllowed(rt, op, this.requireObject(rt, r.type), options.eventDelivery);
    const before = this.store.snapshot();
    const excluded = new Map<number, RowError[]>();
    let results: DmlRowResult[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const out = this.runStatement(rt, op, records, options.externalIdField, excluded);
      results = out.results;
      if (options.allOrNone || !out.afterErrors) break;
      // Errors added in after triggers: the platform rolls back and retries with the rows that succeeded.
      this.store.restore(before);
      results.forEach((res, i) => {
        if (!res.success && !excluded.has(i)) excluded.set(i, res.errors);
      });
    }
    const failed = results.findIndex((r) => !r.success);
    if (options.allOrNone && failed >= 0) {
      this.store.restore(before);
      const first = results[failed];
      const e = first.errors[0];
      const withId = first.id && op !== 'insert' ? ` with id ${first.id}` : '';
      rt.throwApex(
        'System.DmlException',
        `${OP_LABEL[op]} failed. First exception on row ${failed}${withId}; first error: ${e.statusCode}, ${e.message}: [${e.fields.join(', ')}]`,
        { dml: results.map((r, i) => ({ ...r, index: i })), dmlOp: op }
      );
    }
    return results;
  }

  private checkDmlAllowed(rt: Runtime, op: DmlOp, def: ObjectDef, eventDelivery = false): void {
    // Platform events are published with EventBus.publish, never by DML; the event bus itself "inserts" them
    // when it delivers them to their subscribers (eventDelivery).
    if (def.kind === 'event' && eventDelivery && op === 'insert') return;
    if (def.kind === 'mdt' || def.kind === 'event') {
      rt.throwApex('System.TypeException', `DML operation ${OP_LABEL[op]} not allowed on ${def.name}`);
    }
    const need = op === 'insert' ? ['create'] : op === 'upsert' ? ['create', 'update'] : [op];
    const ok = need.every((c) => def.calls.includes(c as never));
    if (!ok) {
      if (def.kind === 'standard' && !def.facts) {
        throw new UnsupportedError(`DML ${op} on ${def.name} (no standard facts for it)`, rt.currentPos());
      }
      rt.throwApex('System.TypeException', `DML operation ${OP_LABEL[op]} not allowed on ${def.name}`);
    }
  }

  private runStatement(
    rt: Runtime,
    op: DmlOp,
    records: ApexSObject[],
    externalIdField: string | undefined,
    excluded: Map<number, RowError[]>
  ): { results: DmlRowResult[]; afterErrors: boolean } {
    const results: DmlRowResult[] = records.map((r) => ({
      id: typeof r.get('Id') === 'string' ? (r.get('Id') as string) : null,
      success: false,
      errors: [],
      ...(op === 'upsert' ? { created: false } : {})
    }));
    let afterErrors = false;
    // Group by object type in order of first appearance (a List<SObject> may mix types).
    const groups = new Map<string, number[]>();
    records.forEach((r, i) => {
      const k = r.type.toLowerCase();
      groups.set(k, [...(groups.get(k) ?? []), i]);
    });
    for (const indexes of groups.values()) {
      const def = this.requireObject(rt, records[indexes[0]].type);
      const rows: Row[] = [];
      for (const i of indexes) {
        const pre = excluded.get(i);
        if (pre) {
          results[i].errors = pre;
          continue;
        }
        rows.push({ index: i, input: records[i], work: records[i], created: false, errors: [] });
      }
      if (op === 'upsert') {
        const ins: Row[] = [];
        const upd: Row[] = [];
        for (const row of rows) {
          const target = this.upsertTarget(rt, def, row.input, externalIdField);
          if (target.error) row.errors.push(target.error);
          else if (target.id) {
            row.work = copyRecord(row.input);
            row.work.set('Id', target.id);
            upd.push(row);
          } else ins.push(row);
        }
        if (ins.length) this.runRace(def);
        afterErrors = this.runOp(rt, 'insert', def, ins) || afterErrors;
        afterErrors = this.runOp(rt, 'update', def, upd) || afterErrors;
      } else {
        afterErrors = this.runOp(rt, op, def, rows) || afterErrors;
      }
      for (const row of rows) {
        const res = results[row.index];
        res.errors = row.errors;
        res.success = row.errors.length === 0;
        if (op === 'upsert') res.created = row.created && res.success;
        const id = row.work.get('Id');
        if (res.success && typeof id === 'string') res.id = id;
        else if (op === 'insert' || (op === 'upsert' && row.created)) res.id = null;
      }
    }
    return { results, afterErrors };
  }

  private upsertTarget(
    rt: Runtime,
    def: ObjectDef,
    rec: ApexSObject,
    externalIdField: string | undefined
  ): { id?: string; error?: RowError } {
    if (!externalIdField || externalIdField.toLowerCase() === 'id') {
      const id = rec.get('Id');
      return typeof id === 'string' ? { id } : {};
    }
    const f = def.fields.get(externalIdField.toLowerCase());
    if (!f || !(f.externalId || f.name === 'Id')) {
      rt.throwApex(
        'System.SObjectException',
        `Invalid field for upsert, must be an External Id custom or standard indexed field: ${externalIdField}`
      );
    }
    const v = rec.get(f.name);
    if (v === null || v === undefined || v === '') return {};
    const matches = [...this.store.table(def.name).values()].filter((r) =>
      sameValue(r.get(f.name), v, f.caseSensitive)
    );
    if (matches.length > 1) {
      return {
        error: {
          statusCode: 'DUPLICATE_EXTERNAL_ID',
          message: `${f.label}: more than one record found for external id field: [${matches.map((m) => m.get('Id')).join(', ')}]`,
          fields: [f.name]
        }
      };
    }
    return matches.length ? { id: matches[0].get('Id') as string } : {};
  }

  /** Runs one operation on rows of one object; returns true when after triggers added errors. */
  private runOp(rt: Runtime, op: DmlOp, def: ObjectDef, rows: Row[]): boolean {
    if (!rows.length) return false;
    const table = this.store.table(def.name);
    const now = new ApexDatetime(this.now());
    const user = rt.runningUserId || this.adminUserId;
    // 1. Row preparation and the checks that come before triggers.
    for (const row of rows) {
      const rec = row.input;
      const id = rec.get('Id');
      if (op === 'insert') {
        if (typeof id === 'string') {
          row.errors.push({
            statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
            message: 'cannot specify Id in an insert call',
            fields: ['Id']
          });
          continue;
        }
        row.work = this.prepareInsert(rt, def, rec);
        row.created = true;
      } else {
        const rid = typeof row.work.get('Id') === 'string' ? (row.work.get('Id') as string) : undefined;
        if (!rid) {
          row.errors.push({ statusCode: 'MISSING_ARGUMENT', message: `Id not specified in an ${op} call`, fields: [] });
          continue;
        }
        const inBin = this.store.state.bin.get(rid);
        const existing = table.get(rid);
        if (op === 'undelete') {
          if (!inBin) {
            row.errors.push({
              statusCode: existing ? 'UNDELETE_FAILED' : 'INVALID_CROSS_REFERENCE_KEY',
              message: existing ? 'Entity is not in the recycle bin' : 'invalid cross reference id',
              fields: []
            });
            continue;
          }
          row.old = copyRecord(inBin);
          row.work = copyRecord(inBin);
          continue;
        }
        if (!existing) {
          row.errors.push(
            inBin
              ? { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }
              : { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }
          );
          continue;
        }
        if (existing.type !== def.name) {
          row.errors.push({
            statusCode: 'INVALID_CROSS_REFERENCE_KEY',
            message: 'invalid cross reference id',
            fields: []
          });
          continue;
        }
        row.old = copyRecord(existing);
        if (op === 'update') {
          row.work = copyRecord(existing);
          const err = this.overlay(def, row.work, row.input === row.work ? row.input : row.input, existing);
          if (err) row.errors.push(err);
        } else row.work = copyRecord(existing);
      }
    }
    // 2. Mixed DML.
    this.checkMixedDml(rt, op, def, rows);
    const live = (): Row[] => rows.filter((r) => r.errors.length === 0);
    // 3. Before triggers.
    const beforeEvent =
      op === 'insert'
        ? 'before insert'
        : op === 'update'
          ? 'before update'
          : op === 'delete'
            ? 'before delete'
            : undefined;
    if (beforeEvent && live().length && this.triggerHook) {
      const ls = live();
      if (op === 'delete')
        this.triggerHook(
          beforeEvent,
          def.name,
          null,
          ls.map((r) => r.old as ApexSObject)
        );
      else
        this.triggerHook(
          beforeEvent,
          def.name,
          ls.map((r) => r.work),
          op === 'update' ? ls.map((r) => r.old as ApexSObject) : null
        );
      for (const r of ls) {
        const errs = recordErrors(op === 'delete' ? (r.old as ApexSObject) : r.work);
        if (errs.length) r.errors.push(...errs);
      }
    }
    for (const r of live()) {
      const errs = recordErrors(r.input);
      if (errs.length && op !== 'delete') r.errors.push(...errs);
    }
    // 4. System validation after before triggers.
    if (op === 'insert' || op === 'update') {
      const batch = live();
      for (const r of batch)
        r.errors.push(
          ...this.validate(
            def,
            r.work,
            op,
            r.old,
            batch.map((b) => b.work),
            r.input
          )
        );
    }
    if (op === 'delete') for (const r of live()) r.errors.push(...this.deleteBlockers(def, r.old as ApexSObject));
    // 5. Save.
    const saved = live();
    for (const r of saved) {
      const id = r.work.get('Id') as string;
      if (op === 'insert' || op === 'update') {
        if (op === 'update') {
          r.work.set('LastModifiedDate', now);
          r.work.set('LastModifiedById', user);
          r.work.set('SystemModstamp', now);
        }
        if (def.name === 'User') r.work.set('Name', fullName(r.work));
        table.set(id, copyRecord(r.work));
        if (op === 'insert') {
          r.input.set('Id', id);
          if (def.name === 'User') this.afterUserInsert(id);
        }
      } else if (op === 'upsert') {
        throw new InterpreterError('upsert is split into insert and update');
      } else if (op === 'delete') {
        table.delete(id);
        const binned = copyRecord(r.work);
        binned.set('IsDeleted', true);
        this.store.state.bin.set(id, binned);
        this.cascadeDelete(rt, def, id);
      } else if (op === 'undelete') {
        this.store.state.bin.delete(id);
        r.work.set('IsDeleted', false);
        table.set(id, copyRecord(r.work));
      }
    }
    // 6. After triggers.
    const afterEvent: TriggerEvent =
      op === 'insert'
        ? 'after insert'
        : op === 'update'
          ? 'after update'
          : op === 'delete'
            ? 'after delete'
            : 'after undelete';
    let afterErrors = false;
    if (saved.length && this.triggerHook) {
      const fresh = saved.map((r) => {
        const stored = table.get(r.work.get('Id') as string);
        return stored ? copyRecord(stored) : copyRecord(r.work);
      });
      if (op === 'delete')
        this.triggerHook(
          afterEvent,
          def.name,
          null,
          saved.map((r) => r.old as ApexSObject)
        );
      else
        this.triggerHook(afterEvent, def.name, fresh, op === 'update' ? saved.map((r) => r.old as ApexSObject) : null);
      saved.forEach((r, i) => {
        const errs = recordErrors(op === 'delete' ? (r.old as ApexSObject) : fresh[i]);
        if (errs.length) {
          r.errors.push(...errs);
          afterErrors = true;
        }
      });
    }
    return afterErrors;
  }

  private prepareInsert(rt: Runtime, def: ObjectDef, rec: ApexSObject): ApexSObject {
    if (!def.keyPrefix)
      throw new UnsupportedError(`insert of ${def.name} (its key prefix is not known)`, rt.currentPos());
    const w = new ApexSObject(def.name);
    for (const f of def.fields.values()) if (f.defaultValue !== undefined) w.set(f.name, f.defaultValue);
    for (const [k, v] of rec.fields) {
      if (v.value instanceof ApexSObject || v.value instanceof ApexList) {
        const p = this.parentRel(def, v.name);
        if (
          p &&
          v.value instanceof ApexSObject &&
          (rec.get(p.field.name) === null || rec.get(p.field.name) === undefined)
        ) {
          const pid = v.value.get('Id');
          if (typeof pid !== 'string') {
            throw new UnsupportedError(
              `DML with a parent given by external id (${def.name}.${p.name})`,
              rt.currentPos()
            );
          }
          w.set(p.field.name, pid);
        }
        continue;
      }
      w.fields.set(k, { name: v.name, value: v.value });
    }
    const user = rt.runningUserId || this.adminUserId;
    const now = new ApexDatetime(this.now());
    const id = this.ids.next(def.keyPrefix);
    w.set('Id', id);
    for (const [n, v] of [
      ['CreatedDate', now],
      ['LastModifiedDate', now],
      ['SystemModstamp', now],
      ['CreatedById', user],
      ['LastModifiedById', user],
      ['IsDeleted', false]
    ] as Array<[string, Value]>) {
      if (def.fields.has(n.toLowerCase())) w.set(n, v);
    }
    if (def.fields.has('ownerid') && (w.get('OwnerId') === null || w.get('OwnerId') === undefined))
      w.set('OwnerId', user);
    if (def.autoNumberFormat) {
      const n = (this.store.state.autoNumbers.get(def.name) ?? 0) + 1;
      this.store.state.autoNumbers.set(def.name, n);
      w.set('Name', formatAutoNumber(def.autoNumberFormat, n));
    }
    if (def.name === 'User') {
      if (!w.get('CommunityNickname') && typeof w.get('Username') === 'string') {
        w.set('CommunityNickname', String(w.get('Username')).split('@')[0].slice(0, 40));
      }
      if (!w.get('UserType')) w.set('UserType', 'Standard');
    }
    // Assigning a permission set group: the platform's row points PermissionSetId at the group's aggregate
    // permission set (Type 'Group'), which is not owned by a profile (Object Reference, PermissionSetAssignment).
    if (
      def.name === 'PermissionSetAssignment' &&
      !w.get('PermissionSetId') &&
      typeof w.get('PermissionSetGroupId') === 'string'
    ) {
      w.set('PermissionSetId', this.aggregatePermissionSet(w.get('PermissionSetGroupId') as string));
    }
    if (def.name === 'Group' && !w.get('DeveloperName') && typeof w.get('Name') === 'string') {
      w.set('DeveloperName', String(w.get('Name')).replace(/[^A-Za-z0-9_]/g, '_'));
    }
    return w;
  }

  /** Copies the caller's field values onto the stored copy for an update; read-only fields that changed are refused. */
  private overlay(def: ObjectDef, work: ApexSObject, input: ApexSObject, existing: ApexSObject): RowError | undefined {
    const refused: string[] = [];
    for (const v of input.fields.values()) {
      if (v.value instanceof ApexSObject || v.value instanceof ApexList) continue;
      const f = def.fields.get(v.name.toLowerCase());
      if (!f || f.name === 'Id') continue;
      if (!f.updateable) {
        if (!sameValue(existing.get(f.name) ?? null, v.value, true) && !f.system && f.createable) refused.push(f.name);
        continue;
      }
      work.set(f.name, v.value);
    }
    if (refused.length) {
      return {
        statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: `Unable to create/update fields: ${refused.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: refused
      };
    }
    return undefined;
  }

  private checkMixedDml(rt: Runtime, op: DmlOp, def: ObjectDef, rows: Row[]): void {
    const ctx = rt.ctx;
    const live = rows.filter((r) => r.errors.length === 0);
    if (!live.length) return;
    let setup = def.setup;
    if (setup && def.name === 'Group' && (op === 'insert' || op === 'update')) setup = false;
    if (setup && def.name === 'User' && op === 'insert') setup = live.some((r) => r.work.get('UserRoleId'));
    if (setup && def.name === 'User' && op === 'update') {
      setup = live.some((r) =>
        MIXABLE_USER_FIELDS.some((f) => !sameValue(r.old?.get(f) ?? null, r.work.get(f) ?? null, true))
      );
    }
    const mine = def.name.toLowerCase();
    if (!setup && def.setup) return; // a mixable change of a setup object counts on neither side
    const other = setup ? ctx.nonSetupDml : ctx.setupDml;
    const original = [...other].find((o) => o !== mine);
    if (original) {
      for (const r of live) {
        r.errors.push({
          statusCode: 'MIXED_DML_OPERATION',
          message: `DML operation on setup object is not permitted after you have updated a non-setup object (or vice versa): ${def.name}, original object: ${this.objectName(original) ?? original}`,
          fields: []
        });
      }
      return;
    }
    (setup ? ctx.setupDml : ctx.nonSetupDml).add(mine);
  }

  private validate(
    def: ObjectDef,
    rec: ApexSObject,
    op: DmlOp,
    old: ApexSObject | undefined,
    batch: ApexSObject[],
    input?: ApexSObject
  ): RowError[] {
    const errors: RowError[] = [];
    const missing: string[] = [];
    for (const f of def.fields.values()) {
      const v = rec.get(f.name) ?? null;
      if (
        op === 'insert' &&
        v !== null &&
        // Only a value the caller set is refused; the org's own defaults (UserType, IsProfilePhotoActive) are not.
        (!input || input.has(f.name)) &&
        !f.createable &&
        !f.system &&
        !f.autoNumber &&
        !(def.name === 'User' && f.name === 'Name')
      ) {
        if (!old) {
          errors.push({
            statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
            message: `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
            fields: [f.name]
          });
        }
      }
      if (f.required && (v === null || v === '')) missing.push(f.name);
      if (v === null) continue;
      if (
        typeof v === 'string' &&
        f.apexType === 'String' &&
        f.length > 0 &&
        v.length > f.length &&
        f.displayType !== 'MULTIPICKLIST'
      ) {
        errors.push({
          statusCode: 'STRING_TOO_LONG',
          message: `${f.label}: data value too large: ${v} (max length=${f.length})`,
          fields: [f.name]
        });
      }
      if (typeof v === 'string' && f.picklist?.restricted) {
        const parts = f.displayType === 'MULTIPICKLIST' ? v.split(';') : [v];
        const canon: string[] = [];
        for (const p of parts) {
          const hit = f.picklist.values.find((pv) => pv.active && pv.value.toLowerCase() === p.toLowerCase());
          if (hit) canon.push(hit.value);
          else {
            errors.push({
              statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
              message: `${f.label}: bad value for restricted picklist field: ${p}`,
              fields: [f.name]
            });
          }
        }
        if (canon.length === parts.length) rec.set(f.name, canon.join(';'));
      }
      if (typeof v === 'string' && f.displayType === 'EMAIL' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) {
        errors.push({
          statusCode: 'INVALID_EMAIL_ADDRESS',
          message: `${f.label}: invalid email address: ${v}`,
          fields: [f.name]
        });
      }
      if (typeof v === 'string' && f.displayType === 'REFERENCE' && !f.system) {
        const e = this.checkReference(def, f, v);
        if (e) errors.push(e);
      }
      if (f.unique || (f.externalId && f.unique)) {
        const dup = this.findDuplicate(def, f, rec, batch);
        if (dup) {
          errors.push({
            statusCode: 'DUPLICATE_VALUE',
            message: `duplicate value found: ${f.name} duplicates value on record with id: ${dup}`,
            fields: []
          });
        }
      }
    }
    if (missing.length) {
      errors.unshift({
        statusCode: 'REQUIRED_FIELD_MISSING',
        message: `Required fields are missing: [${missing.join(', ')}]`,
        fields: missing
      });
    }
    errors.push(...this.objectRules(def, rec, batch));
    return errors;
  }

  private checkReference(def: ObjectDef, f: FieldDef, id: string): RowError | undefined {
    const target = this.objectForId(id);
    const allowed = f.referenceTo.map((t) => t.toLowerCase());
    // OwnerId is polymorphic on owned objects: a User or a queue (Group) (Object Reference, "OwnerId").
    if (f.name === 'OwnerId' && allowed.length) allowed.push('user', 'group');
    if (!target || (allowed.length && !allowed.includes(target.toLowerCase()))) {
      return {
        statusCode: 'FIELD_INTEGRITY_EXCEPTION',
        message: `${f.label}: id value of incorrect type: ${id}`,
        fields: [f.name]
      };
    }
    if (!this.store.table(target).has(id)) {
      if (this.store.state.bin.has(id))
        return { statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [f.name] };
      return { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [f.name] };
    }
    void def;
    return undefined;
  }

  private findDuplicate(def: ObjectDef, f: FieldDef, rec: ApexSObject, batch: ApexSObject[]): string | undefined {
    const v = rec.get(f.name);
    if (v === null || v === undefined || v === '') return undefined;
    const self = rec.get('Id');
    for (const r of this.store.table(def.name).values()) {
      if (r.get('Id') !== self && sameValue(r.get(f.name), v, f.caseSensitive)) return r.get('Id') as string;
    }
    for (const r of batch) {
      if (r === rec) break;
      if (sameValue(r.get(f.name), v, f.caseSensitive)) return (r.get('Id') as string) ?? '<unknown>';
    }
    return undefined;
  }

  /** Rules of particular standard objects that the field model does not capture. */
  private objectRules(def: ObjectDef, rec: ApexSObject, batch: ApexSObject[]): RowError[] {
    const self = rec.get('Id');
    const others = (): ApexSObject[] => [
      ...[...this.store.table(def.name).values()].filter((r) => r.get('Id') !== self),
      ...batch.slice(0, batch.indexOf(rec))
    ];
    if (def.name === 'User') {
      const un = rec.get('Username');
      if (typeof un === 'string') {
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(un)) {
          return [{ statusCode: 'INVALID_NEW_USERNAME', message: 'Username: invalid value', fields: ['Username'] }];
        }
        if (others().some((r) => sameValue(r.get('Username'), un, false))) {
          return [
            {
              statusCode: 'DUPLICATE_USERNAME',
              message:
                "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match the user's email address). ",
              fields: ['Username']
            }
          ];
        }
      }
    }
    if (def.name === 'PermissionSetAssignment') {
      if (!rec.get('PermissionSetId') && !rec.get('PermissionSetGroupId')) {
        return [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [PermissionSetId]',
            fields: ['PermissionSetId']
          }
        ];
      }
      const same = others().find(
        (r) =>
          r.get('AssigneeId') === rec.get('AssigneeId') &&
          (r.get('PermissionSetId') ?? null) === (rec.get('PermissionSetId') ?? null) &&
          (r.get('PermissionSetGroupId') ?? null) === (rec.get('PermissionSetGroupId') ?? null)
      );
      if (same) {
        return [
          {
            statusCode: 'DUPLICATE_VALUE',
            message: `duplicate value found: <unknown> duplicates value on record with id: ${same.get('Id') ?? '<unknown>'}`,
            fields: []
          }
        ];
      }
    }
    if (def.name === 'GroupMember') {
      const same = others().find(
        (r) => r.get('GroupId') === rec.get('GroupId') && r.get('UserOrGroupId') === rec.get('UserOrGroupId')
      );
      if (same) {
        return [
          {
            statusCode: 'DUPLICATE_VALUE',
            message: `duplicate value found: <unknown> duplicates value on record with id: ${same.get('Id')}`,
            fields: []
          }
        ];
      }
    }
    if (def.name === 'PermissionSet') {
      const name = rec.get('Name');
      if (typeof name === 'string' && !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
        return [
          {
            statusCode: 'FIELD_INTEGRITY_EXCEPTION',
            message:
              'The API name can only contain underscores and alphanumeric characters. It must begin with a letter, not include spaces, not end with an underscore, and not contain two consecutive underscores.',
            fields: ['Name']
          }
        ];
      }
      if (typeof name === 'string' && others().some((r) => sameValue(r.get('Name'), name, false))) {
        return [
          { statusCode: 'DUPLICATE_DEVELOPER_NAME', message: 'The API name is already in use', fields: ['Name'] }
        ];
      }
    }
    return [];
  }

  private deleteBlockers(def: ObjectDef, rec: ApexSObject): RowError[] {
    const id = rec.get('Id') as string;
    for (const child of this.schema.customObjects()) {
      for (const f of child.fields.values()) {
        if (f.deleteConstraint !== 'Restrict' || !f.referenceTo.some((t) => t.toLowerCase() === def.name.toLowerCase()))
          continue;
        if ([...this.store.table(child.name).values()].some((r) => r.get(f.name) === id)) {
          return [
            {
              statusCode: 'DELETE_FAILED',
              message: `Your attempt to delete ${String(rec.get('Name') ?? id)} could not be completed because it is associated with the following ${child.pluralLabel}.`,
              fields: []
            }
          ];
        }
      }
    }
    return [];
  }

  private cascadeDelete(rt: Runtime, def: ObjectDef, id: string): void {
    void rt;
    for (const child of this.schema.customObjects()) {
      for (const f of child.fields.values()) {
        if (
          !f.referenceTo.some((t) => t.toLowerCase() === def.name.toLowerCase()) ||
          f.relationshipKind === 'MetadataRelationship'
        )
          continue;
        const table = this.store.table(child.name);
        for (const [cid, r] of [...table]) {
          if (r.get(f.name) !== id) continue;
          if (f.deleteConstraint === 'Cascade') {
            table.delete(cid);
            r.set('IsDeleted', true);
            this.store.state.bin.set(cid, r);
          } else if (f.deleteConstraint === 'SetNull') r.set(f.name, null);
        }
      }
    }
  }

  private afterUserInsert(userId: string): void {
    // The platform keeps one UserLogin row per user.
    this.insertSystemRow('UserLogin', { UserId: userId, IsFrozen: false, IsPasswordLocked: false });
  }
}

export function fullName(u: ApexSObject): string {
  const first = u.get('FirstName');
  const last = u.get('LastName');
  return [first, last].filter((x) => typeof x === 'string' && x).join(' ');
}

export function formatAutoNumber(format: string, n: number): string {
  return format.replace(/\{(0+)\}/, (_m, zeros: string) => String(n).padStart(zeros.length, '0'));
}

/** Field value equality for duplicate checks and change detection. */
export function sameValue(a: Value | undefined, b: Value | undefined, caseSensitive: boolean): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string')
    return caseSensitive ? a === b : a.toLowerCase() === b.toLowerCase();
  const num = (v: Value): number | undefined =>
    typeof v === 'number'
      ? v
      : v instanceof ApexDecimal
        ? v.v.toNumber()
        : v instanceof ApexDouble
          ? v.v
          : v instanceof ApexLong
            ? Number(v.v)
            : undefined;
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a instanceof ApexDatetime && b instanceof ApexDatetime) return a.ms === b.ms;
  if (a instanceof ApexBlob && b instanceof ApexBlob) return a.bytes.equals(b.bytes);
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object')
    return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

export { ApexObject, Decimal };
