import { IdGenerator, KEY_PREFIX, to18 } from './ids';

/** A stored record: field name (canonical API name) to value. Relationship values are never stored, only ids. */
export type SRecord = Record<string, unknown> & { Id: string };

/** What the emulator knows about one sObject type: its fields and its lookup relationships. */
export interface SObjectSchema {
  name: string;
  /** Canonical field names (Id is added automatically). */
  fields: string[];
  /** Relationship name (for example `Profile`) to the id field that holds it and the target type. */
  relationships?: Record<string, { field: string; to: string }>;
  /** Key prefix for new ids; defaults to KEY_PREFIX[name] or `a0X`. */
  keyPrefix?: string;
}

interface CompiledSchema extends SObjectSchema {
  byLower: Map<string, string>;
  relByLower: Map<string, { name: string; field: string; to: string }>;
}

/** Now in Salesforce's datetime format: 2026-05-01T07:35:37.000+0000. */
export function sfNow(date: Date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}

/**
 * An in-memory table store with a schema per sObject type. Field and type names are matched case-insensitively,
 * like Salesforce, and always stored and returned in their canonical spelling.
 */
export class Database {
  private readonly schemas = new Map<string, CompiledSchema>();
  private readonly tables = new Map<string, Map<string, SRecord>>();

  constructor(readonly ids: IdGenerator = new IdGenerator()) {}

  /** Declares (or extends) an sObject type. Extending adds fields and relationships to an existing type. */
  define(schema: SObjectSchema): void {
    const existing = this.schemas.get(schema.name.toLowerCase());
    const fields = [...new Set(['Id', ...(existing?.fields ?? []), ...schema.fields])];
    const relationships = { ...(existing?.relationships ?? {}), ...(schema.relationships ?? {}) };
    const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
    const relByLower = new Map(
      Object.entries(relationships).map(([name, rel]) => [name.toLowerCase(), { name, ...rel }])
    );
    this.schemas.set(schema.name.toLowerCase(), {
      name: existing?.name ?? schema.name,
      fields,
      relationships,
      keyPrefix: schema.keyPrefix ?? existing?.keyPrefix,
      byLower,
      relByLower
    });
    if (!this.tables.has(existing?.name ?? schema.name)) this.tables.set(schema.name, new Map());
  }

  /** Removes a field from a type (to emulate orgs where a field does not exist yet). */
  dropField(type: string, field: string): void {
    const compiled = this.schemas.get(type.toLowerCase());
    if (!compiled) return;
    compiled.fields = compiled.fields.filter((f) => f.toLowerCase() !== field.toLowerCase());
    compiled.byLower.delete(field.toLowerCase());
  }

  /** The schema of a type, or undefined when the type is unknown. */
  schema(type: string): CompiledSchema | undefined {
    return this.schemas.get(type.toLowerCase());
  }

  /** Canonical name of a field, or undefined when the type has no such field. */
  fieldName(type: string, field: string): string | undefined {
    return this.schema(type)?.byLower.get(field.toLowerCase());
  }

  /** A relationship of a type by name (case-insensitive). */
  relationship(type: string, name: string): { name: string; field: string; to: string } | undefined {
    return this.schema(type)?.relByLower.get(name.toLowerCase());
  }

  private table(type: string): Map<string, SRecord> {
    const schema = this.schema(type);
    if (!schema) throw new Error(`Unknown sObject type ${type}`);
    let table = this.tables.get(schema.name);
    if (!table) {
      table = new Map();
      this.tables.set(schema.name, table);
    }
    return table;
  }

  /** Inserts a record; fills Id, CreatedDate, LastModifiedDate and SystemModstamp when the type has them. */
  insert(type: string, values: Record<string, unknown>): SRecord {
    const schema = this.schema(type);
    if (!schema) throw new Error(`Unknown sObject type ${type}`);
    const prefix = schema.keyPrefix ?? KEY_PREFIX[schema.name] ?? 'a0X';
    const id = typeof values.Id === 'string' ? to18(values.Id) : this.ids.next(prefix);
    const now = sfNow();
    const record: SRecord = { Id: id };
    for (const field of schema.fields) if (field !== 'Id') record[field] = null;
    for (const stamp of ['CreatedDate', 'LastModifiedDate', 'SystemModstamp']) {
      if (schema.byLower.has(stamp.toLowerCase())) record[stamp] = now;
    }
    for (const [key, value] of Object.entries(values)) {
      const name = schema.byLower.get(key.toLowerCase());
      if (name && name !== 'Id') record[name] = value;
    }
    this.table(type).set(id, record);
    return record;
  }

  /** A record by 15- or 18-character id. */
  get(type: string, id: string): SRecord | undefined {
    return this.table(type).get(to18(id));
  }

  /** Finds a record of any type by id. */
  getAny(id: string): { type: string; record: SRecord } | undefined {
    const id18 = to18(id);
    for (const [type, table] of this.tables) {
      const record = table.get(id18);
      if (record) return { type, record };
    }
    return undefined;
  }

  /** Applies field values to a record (canonical names); updates LastModifiedDate and SystemModstamp. */
  update(type: string, id: string, values: Record<string, unknown>): SRecord {
    const record = this.get(type, id);
    if (!record) throw new Error(`No ${type} with id ${id}`);
    const schema = this.schema(type);
    for (const [key, value] of Object.entries(values)) {
      const name = schema?.byLower.get(key.toLowerCase());
      if (name && name !== 'Id') record[name] = value;
    }
    const now = sfNow();
    if (schema?.byLower.has('lastmodifieddate')) record.LastModifiedDate = now;
    if (schema?.byLower.has('systemmodstamp')) record.SystemModstamp = now;
    return record;
  }

  /** Deletes a record; returns whether it existed. */
  delete(type: string, id: string): boolean {
    return this.table(type).delete(to18(id));
  }

  /** Every record of a type, in insertion order. */
  all(type: string): SRecord[] {
    return [...this.table(type).values()];
  }

  /** Records of a type matching a predicate. */
  where(type: string, predicate: (record: SRecord) => boolean): SRecord[] {
    return this.all(type).filter(predicate);
  }

  /** A copy of every table, for all-or-none rollback. */
  snapshot(): Map<string, Map<string, SRecord>> {
    return new Map(
      [...this.tables].map(([type, table]) => [type, new Map([...table].map(([id, r]) => [id, { ...r }]))])
    );
  }

  /** Puts the tables back as they were at `snapshot()`. */
  restore(snapshot: Map<string, Map<string, SRecord>>): void {
    this.tables.clear();
    for (const [type, table] of snapshot) this.tables.set(type, table);
  }

  /** Names of all declared types. */
  types(): string[] {
    return [...this.schemas.values()].map((s) => s.name);
  }
}

/** A field value as text: strings as they are, numbers and booleans printed, '' for null/undefined, JSON otherwise. */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
