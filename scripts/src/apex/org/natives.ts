/* eslint-disable @typescript-eslint/no-base-to-string -- the values rendered here are Apex Strings and Ids */
/**
 * The org's platform classes: Database (DML with results, dynamic SOQL, savepoints), the SObject instance
 * methods, Schema describe (SObjectType and SObjectField tokens, DescribeSObjectResult, DescribeFieldResult,
 * PicklistEntry), AccessLevel and the StatusCode enum (Apex Reference, "Database Class", "SObject Class",
 * "Schema Namespace").
 */
import { BindResolver, DmlOp, DmlRowResult, NativeClass, NativeRegistry, Runtime, UnsupportedError } from '../runtime';
import { ApexEnumValue, ApexList, ApexMap, ApexSObject, NativeObject, typeRef, Value } from '../values';
import { to18 } from './ids';
import type { LocalOrg } from './org';
import { addRecordError, isQueried } from './org';
import { FieldDef, ObjectDef } from './schema';

type Fns = Record<string, (rt: Runtime, args: Value[], self: Value) => Value>;
const lower = (t: Fns): Fns => Object.fromEntries(Object.entries(t).map(([k, v]) => [k.toLowerCase(), v]));
const local = (rt: Runtime): LocalOrg => rt.org as LocalOrg;
const data = (v: Value): Record<string, unknown> => (v as NativeObject).data;

export const STATUS_CODES = [
  'ALREADY_IN_PROCESS',
  'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY',
  'DELETE_FAILED',
  'DUPLICATE_DEVELOPER_NAME',
  'DUPLICATE_EXTERNAL_ID',
  'DUPLICATE_USERNAME',
  'DUPLICATE_VALUE',
  'ENTITY_IS_DELETED',
  'ENTITY_IS_LOCKED',
  'FIELD_CUSTOM_VALIDATION_EXCEPTION',
  'FIELD_INTEGRITY_EXCEPTION',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INVALID_CROSS_REFERENCE_KEY',
  'INVALID_EMAIL_ADDRESS',
  'INVALID_FIELD',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'INVALID_ID_FIELD',
  'INVALID_NEW_USERNAME',
  'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
  'INVALID_TYPE_ON_FIELD_IN_RECORD',
  'LIMIT_EXCEEDED',
  'MALFORMED_ID',
  'MISSING_ARGUMENT',
  'MIXED_DML_OPERATION',
  'REQUIRED_FIELD_MISSING',
  'STRING_TOO_LONG',
  'UNABLE_TO_LOCK_ROW',
  'UNDELETE_FAILED',
  'UNKNOWN_EXCEPTION'
];

// ---------------------------------------------------------------- Database

function records(rt: Runtime, v: Value): { list: ApexSObject[]; single: boolean } {
  if (v === null) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
  if (v instanceof ApexSObject) return { list: [v], single: true };
  if (v instanceof ApexList) return { list: v.items as ApexSObject[], single: false };
  if (typeof v === 'string') return { list: [rt.org.newSObject(rt, objectForId(rt, v), [['Id', v]])], single: true };
  throw new UnsupportedError(`Database DML on ${rt.typeOf(v).name}`, rt.currentPos());
}

function objectForId(rt: Runtime, id: string): string {
  const o = local(rt).objectForId(id);
  if (!o) rt.throwApex('System.StringException', `Invalid id: ${id}`);
  return o;
}

const RESULT_TYPE: Record<DmlOp, string> = {
  insert: 'Database.SaveResult',
  update: 'Database.SaveResult',
  upsert: 'Database.UpsertResult',
  delete: 'Database.DeleteResult',
  undelete: 'Database.UndeleteResult'
};

/** Database.insert(records, allOrNone | DMLOptions, accessLevel): reads the allOrNone argument as documented. */
function allOrNoneOf(v: Value | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'boolean') return v;
  if (v instanceof NativeObject && v.typeName === 'Database.DMLOptions') return v.data.optAllOrNone !== false;
  return true;
}

function dml(rt: Runtime, op: DmlOp, args: Value[]): Value {
  const { list, single } = records(rt, args[0]);
  let externalIdField: string | undefined;
  let rest = args.slice(1);
  if (op === 'upsert' && rest[0] instanceof NativeObject && rest[0].typeName === 'Schema.SObjectField') {
    externalIdField = data(rest[0]).field as string;
    rest = rest.slice(1);
  }
  const results = rt.org.dml(rt, op, list, { allOrNone: allOrNoneOf(rest[0]), externalIdField, pos: rt.currentPos() });
  const wrap = (r: DmlRowResult): NativeObject => new NativeObject(RESULT_TYPE[op], { ...r });
  return single ? wrap(results[0]) : new ApexList(typeRef(RESULT_TYPE[op]), results.map(wrap));
}

function bindsFromMap(rt: Runtime, m: Value): BindResolver {
  if (!(m instanceof ApexMap)) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
  return (name) => {
    const key = name.trim();
    for (const [, [k, v]] of m.entries) if (typeof k === 'string' && k.toLowerCase() === key.toLowerCase()) return v;
    return rt.throwApex('System.QueryException', `Variable does not exist: ${key}`);
  };
}

const modeOf = (v: Value | undefined): 'user' | 'system' =>
  v instanceof NativeObject && v.data.mode === 'user' ? 'user' : 'system';

const databaseStatics: Fns = {
  insert: (rt, a) => dml(rt, 'insert', a),
  update: (rt, a) => dml(rt, 'update', a),
  upsert: (rt, a) => dml(rt, 'upsert', a),
  delete: (rt, a) => dml(rt, 'delete', a),
  undelete: (rt, a) => dml(rt, 'undelete', a),
  query: (rt, [q, mode]) =>
    rt.org.query(rt, rt.stringify(q), (expr) => rt.evaluateBind(expr), { mode: modeOf(mode), pos: rt.currentPos() }),
  queryWithBinds: (rt, [q, binds, mode]) =>
    rt.org.query(rt, rt.stringify(q), bindsFromMap(rt, binds), { mode: modeOf(mode), pos: rt.currentPos() }),
  countQuery: (rt, [q, mode]) =>
    rt.org.query(rt, rt.stringify(q), (expr) => rt.evaluateBind(expr), { mode: modeOf(mode), pos: rt.currentPos() }),
  countQueryWithBinds: (rt, [q, binds, mode]) =>
    rt.org.query(rt, rt.stringify(q), bindsFromMap(rt, binds), { mode: modeOf(mode), pos: rt.currentPos() }),
  setSavepoint: (rt) => {
    rt.ctx.consume('dmlStatements');
    return new NativeObject('Database.Savepoint', { token: rt.org.savepoint() });
  },
  rollback: (rt, [sp]) => {
    if (!(sp instanceof NativeObject)) rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
    rt.ctx.consume('dmlStatements');
    rt.org.rollback((sp as NativeObject).data.token);
    return null;
  }
};

const errorsOf = (self: Value): NativeObject[] =>
  ((data(self).errors as DmlRowResult['errors']) ?? []).map((e) => new NativeObject('Database.Error', { ...e }));

const resultMethods: Fns = {
  getId: (_rt, _a, self) => (data(self).id as string | null) ?? null,
  isSuccess: (_rt, _a, self) => data(self).success === true,
  isCreated: (_rt, _a, self) => data(self).created === true,
  getErrors: (_rt, _a, self) => new ApexList(typeRef('Database.Error'), errorsOf(self))
};

const statusCode = (code: string): ApexEnumValue => new ApexEnumValue('StatusCode', code, STATUS_CODES.indexOf(code));

// ---------------------------------------------------------------- SObject instance methods

const rec = (rt: Runtime, v: Value): ApexSObject => {
  if (!(v instanceof ApexSObject)) rt.throwApex('System.NullPointerException', 'Attempt to de-reference a null object');
  return v;
};

function fieldArg(rt: Runtime, f: Value): string {
  if (f instanceof NativeObject && f.typeName === 'Schema.SObjectField') return data(f).field as string;
  if (typeof f !== 'string') rt.throwApex('System.NullPointerException', 'Argument cannot be null.');
  if (f.includes('.')) rt.throwApex('System.SObjectException', `Invalid field ${f} for ${''}`);
  return f;
}

const sobjectMethods: Fns = {
  get: (rt, [f], self) => rt.org.getField(rt, rec(rt, self), fieldArg(rt, f)),
  put: (rt, [f, v], self) => {
    const r = rec(rt, self);
    const name = fieldArg(rt, f);
    const old = r.has(name) ? (r.get(name) ?? null) : null;
    rt.org.setField(rt, r, name, v);
    return old;
  },
  getSObject: (rt, [f], self) => rt.org.getField(rt, rec(rt, self), fieldArg(rt, f)),
  getSObjects: (rt, [f], self) => rt.org.getField(rt, rec(rt, self), fieldArg(rt, f)),
  putSObject: (rt, [f, v], self) => {
    rt.org.setField(rt, rec(rt, self), fieldArg(rt, f), v);
    return null;
  },
  getSObjectType: (rt, _a, self) => sobjectType(rt.org.objectName(rec(rt, self).type) ?? rec(rt, self).type),
  isSet: (rt, [f], self) => rec(rt, self).has(fieldArg(rt, f)),
  getPopulatedFieldsAsMap: (rt, _a, self) => {
    const r = rec(rt, self);
    const m = new ApexMap(typeRef('String'), typeRef('Object'));
    for (const f of r.fields.values()) m.entries.set(rt.key(f.name), [f.name, f.value]);
    return m;
  },
  addError: (rt, [msg], self) => {
    addRecordError(rec(rt, self), rt.stringify(msg));
    return null;
  },
  clone: (rt, [preserveId, deep], self) => {
    const r = rec(rt, self);
    const c = new ApexSObject(r.type);
    for (const [k, f] of r.fields) {
      if (k === 'id' && preserveId !== true) continue;
      let v = f.value;
      if (deep === true && v instanceof ApexSObject) v = sobjectMethods.clone(rt, [true, true], v);
      c.fields.set(k, { name: f.name, value: v });
    }
    return c;
  },
  getQueried: (_rt, _a, self) => isQueried(self as ApexSObject),
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self)
};

// ---------------------------------------------------------------- Schema

const sobjectType = (object: string): NativeObject => new NativeObject('Schema.SObjectType', { object });
const fieldToken = (object: string, field: string): NativeObject =>
  new NativeObject('Schema.SObjectField', { object, field });

function objectDef(rt: Runtime, v: Value): ObjectDef {
  const name = data(v).object as string;
  const def = local(rt).object(name);
  if (!def) rt.throwApex('System.NoDataFoundException', `No such object ${name}`);
  return def;
}
function fieldDef(rt: Runtime, v: Value): FieldDef {
  const f = local(rt).field(data(v).object as string, data(v).field as string);
  if (!f) rt.throwApex('System.SObjectException', `Invalid field ${String(data(v).field)}`);
  return f;
}

function fieldMap(rt: Runtime, object: string): ApexMap {
  const def = local(rt).object(object)!;
  const m = new ApexMap(typeRef('String'), typeRef('Schema.SObjectField'));
  for (const f of def.fields.values())
    m.entries.set(rt.key(f.name.toLowerCase()), [f.name.toLowerCase(), fieldToken(def.name, f.name)]);
  return m;
}

const DISPLAY_TYPES = [
  'ADDRESS',
  'ANYTYPE',
  'BASE64',
  'BOOLEAN',
  'COMBOBOX',
  'COMPLEXVALUE',
  'CURRENCY',
  'DATACATEGORYGROUPREFERENCE',
  'DATE',
  'DATETIME',
  'DOUBLE',
  'EMAIL',
  'ENCRYPTEDSTRING',
  'ID',
  'INTEGER',
  'JSON',
  'LOCATION',
  'LONG',
  'MULTIPICKLIST',
  'PERCENT',
  'PHONE',
  'PICKLIST',
  'REFERENCE',
  'SOBJECT',
  'STRING',
  'TEXTAREA',
  'TIME',
  'URL'
];

const describeObjectMethods: Fns = {
  getName: (rt, _a, self) => objectDef(rt, self).name,
  getLocalName: (rt, _a, self) => objectDef(rt, self).name,
  getLabel: (rt, _a, self) => objectDef(rt, self).label,
  getLabelPlural: (rt, _a, self) => objectDef(rt, self).pluralLabel,
  getKeyPrefix: (rt, _a, self) => objectDef(rt, self).keyPrefix ?? null,
  getSObjectType: (rt, _a, self) => sobjectType(objectDef(rt, self).name),
  isAccessible: () => true,
  isCreateable: (rt, _a, self) => objectDef(rt, self).calls.includes('create'),
  isUpdateable: (rt, _a, self) => objectDef(rt, self).calls.includes('update'),
  isDeletable: (rt, _a, self) => objectDef(rt, self).calls.includes('delete'),
  isQueryable: () => true,
  isCustom: (rt, _a, self) => objectDef(rt, self).kind !== 'standard',
  isCustomSetting: () => false
};

const describeFieldMethods: Fns = {
  getName: (rt, _a, self) => fieldDef(rt, self).name,
  getLocalName: (rt, _a, self) => fieldDef(rt, self).name,
  getLabel: (rt, _a, self) => fieldDef(rt, self).label,
  getType: (rt, _a, self) => {
    const t = fieldDef(rt, self).displayType;
    return new ApexEnumValue('Schema.DisplayType', t, DISPLAY_TYPES.indexOf(t));
  },
  getSoapType: (rt, _a, self) => fieldDef(rt, self).apexType.toUpperCase(),
  getLength: (rt, _a, self) => fieldDef(rt, self).length,
  getPrecision: (rt, _a, self) => fieldDef(rt, self).precision,
  getScale: (rt, _a, self) => fieldDef(rt, self).scale,
  isNillable: (rt, _a, self) => fieldDef(rt, self).nillable,
  isAccessible: () => true,
  isCreateable: (rt, _a, self) => fieldDef(rt, self).createable,
  isUpdateable: (rt, _a, self) => fieldDef(rt, self).updateable,
  isCustom: (rt, _a, self) => fieldDef(rt, self).custom,
  isCalculated: (rt, _a, self) => fieldDef(rt, self).calculated,
  isAutoNumber: (rt, _a, self) => fieldDef(rt, self).autoNumber,
  isExternalId: (rt, _a, self) => fieldDef(rt, self).externalId,
  isUnique: (rt, _a, self) => fieldDef(rt, self).unique,
  isCaseSensitive: (rt, _a, self) => fieldDef(rt, self).caseSensitive,
  isNameField: (rt, _a, self) => fieldDef(rt, self).name === 'Name',
  isIdLookup: (rt, _a, self) => fieldDef(rt, self).name === 'Id' || fieldDef(rt, self).externalId,
  isRestrictedPicklist: (rt, _a, self) => fieldDef(rt, self).picklist?.restricted === true,
  getRelationshipName: (rt, _a, self) => fieldDef(rt, self).relationshipName ?? null,
  getReferenceTo: (rt, _a, self) =>
    new ApexList(
      typeRef('Schema.SObjectType'),
      fieldDef(rt, self).referenceTo.map((o) => sobjectType(rt.org.objectName(o) ?? o))
    ),
  getDefaultValue: (rt, _a, self) => (fieldDef(rt, self).defaultValue as Value | undefined) ?? null,
  getSObjectField: (_rt, _a, self) => fieldToken(data(self).object as string, data(self).field as string),
  getPicklistValues: (rt, _a, self) =>
    new ApexList(
      typeRef('Schema.PicklistEntry'),
      (fieldDef(rt, self).picklist?.values ?? []).map((p) => new NativeObject('Schema.PicklistEntry', { ...p }))
    )
};

function staticGet(rt: Runtime, name: string): Value | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) {
    // Schema.SObjectType.Account: the object's describe.
    const object = rt.org.objectName(name);
    return object ? new NativeObject('Schema.DescribeSObjectResult', { object }) : undefined;
  }
  const object = rt.org.objectName(name.slice(0, dot))!;
  const member = name.slice(dot + 1);
  if (member.toLowerCase() === 'sobjecttype') return sobjectType(object);
  const field = rt.org.fieldName(object, member);
  return field ? fieldToken(object, field) : undefined;
}

export const orgClasses: NativeClass[] = [
  { name: 'Database', namespace: 'System', kind: 'class', statics: lower(databaseStatics) },
  { name: 'SaveResult', namespace: 'Database', kind: 'class', methods: lower(resultMethods) },
  { name: 'UpsertResult', namespace: 'Database', kind: 'class', methods: lower(resultMethods) },
  { name: 'DeleteResult', namespace: 'Database', kind: 'class', methods: lower(resultMethods) },
  { name: 'UndeleteResult', namespace: 'Database', kind: 'class', methods: lower(resultMethods) },
  { name: 'Savepoint', namespace: 'Database', kind: 'class' },
  {
    name: 'DMLOptions',
    namespace: 'Database',
    kind: 'class',
    construct: () => new NativeObject('Database.DMLOptions', { optAllOrNone: true }),
    props: {
      optallornone: {
        get: (_rt, self) => (data(self).optAllOrNone as boolean) ?? null,
        set: (_rt, self, v) => void (data(self).optAllOrNone = v)
      }
    }
  },
  {
    name: 'Error',
    namespace: 'Database',
    kind: 'class',
    methods: lower({
      getMessage: (_rt, _a, self) => data(self).message as string,
      getStatusCode: (_rt, _a, self) => statusCode(data(self).statusCode as string),
      getFields: (_rt, _a, self) => new ApexList(typeRef('String'), [...(data(self).fields as string[])])
    })
  },
  { name: 'StatusCode', namespace: 'System', kind: 'enum', enumValues: STATUS_CODES },
  {
    name: 'AccessLevel',
    namespace: 'System',
    kind: 'class',
    staticProps: {
      user_mode: () => new NativeObject('AccessLevel', { mode: 'user' }),
      system_mode: () => new NativeObject('AccessLevel', { mode: 'system' })
    }
  },
  { name: 'SObject', namespace: 'System', kind: 'class', methods: lower(sobjectMethods) },
  {
    name: 'Schema',
    namespace: 'Schema',
    kind: 'class',
    statics: lower({
      getGlobalDescribe: (rt) => {
        const m = new ApexMap(typeRef('String'), typeRef('Schema.SObjectType'));
        for (const o of local(rt).schema.allObjectNames())
          m.entries.set(rt.key(o.toLowerCase()), [o.toLowerCase(), sobjectType(o)]);
        return m;
      }
    })
  },
  {
    name: 'SObjectType',
    namespace: 'Schema',
    kind: 'class',
    staticGet,
    statics: lower({
      forId: (rt, [id]) => {
        const o = local(rt).objectForId(to18(String(id)) ?? String(id));
        return o ? sobjectType(o) : null;
      },
      forName: (rt, [name]) => {
        const o = rt.org.objectName(String(name));
        return o ? sobjectType(o) : null;
      }
    }),
    methods: lower({
      getDescribe: (_rt, _a, self) => new NativeObject('Schema.DescribeSObjectResult', { object: data(self).object }),
      newSObject: (rt, [id], self) => {
        const r = rt.org.newSObject(rt, data(self).object as string, []);
        if (typeof id === 'string') r.set('Id', id);
        return r;
      },
      toString: (_rt: Runtime, _a: Value[], self: Value) => data(self).object as string,
      equals: (_rt, [o], self) =>
        o instanceof NativeObject && o.typeName === 'Schema.SObjectType' && o.data.object === data(self).object,
      hashCode: (rt, _a, self) => rt.stringify(data(self).object as string).length
    })
  },
  {
    name: 'DescribeSObjectResult',
    namespace: 'Schema',
    kind: 'class',
    methods: lower(describeObjectMethods),
    props: {
      fields: {
        get: (_rt, self) => new NativeObject('Schema.SObjectTypeFields', { object: data(self).object })
      }
    }
  },
  {
    name: 'SObjectTypeFields',
    namespace: 'Schema',
    kind: 'class',
    methods: lower({ getMap: (rt, _a, self) => fieldMap(rt, data(self).object as string) }),
    getProp: (rt, self, name) => {
      const object = data(self).object as string;
      const field = rt.org.fieldName(object, name);
      return field ? new NativeObject('Schema.DescribeFieldResult', { object, field }) : undefined;
    }
  },
  {
    name: 'SObjectField',
    namespace: 'Schema',
    kind: 'class',
    methods: lower({
      getDescribe: (_rt, _a, self) => new NativeObject('Schema.DescribeFieldResult', { ...data(self) }),
      toString: (_rt: Runtime, _a: Value[], self: Value) => data(self).field as string,
      equals: (_rt, [o], self) =>
        o instanceof NativeObject &&
        o.typeName === 'Schema.SObjectField' &&
        o.data.object === data(self).object &&
        o.data.field === data(self).field,
      hashCode: (_rt, _a, self) => String(data(self).field).length
    })
  },
  { name: 'DescribeFieldResult', namespace: 'Schema', kind: 'class', methods: lower(describeFieldMethods) },
  {
    name: 'PicklistEntry',
    namespace: 'Schema',
    kind: 'class',
    methods: lower({
      getValue: (_rt, _a, self) => data(self).value as string,
      getLabel: (_rt, _a, self) => data(self).label as string,
      isActive: (_rt, _a, self) => data(self).active as boolean,
      isDefaultValue: (_rt, _a, self) => data(self).isDefault as boolean
    })
  },
  { name: 'DisplayType', namespace: 'Schema', kind: 'enum', enumValues: DISPLAY_TYPES },
  { name: 'SObjectDescribeOptions', namespace: 'System', kind: 'enum', enumValues: ['DEFAULT', 'DEFERRED', 'FULL'] }
];

export function registerOrgClasses(registry: NativeRegistry): void {
  for (const cls of orgClasses) registry.register(cls);
}
