/**
 * The runtime value model of the local Apex test runtime. Every module (interpreter, natives, org) speaks in these
 * values; nothing here knows any product class.
 *
 * Representation:
 *  - null                      -> null
 *  - Boolean                   -> boolean
 *  - Integer                   -> JS number (always an int32; arithmetic wraps like the platform)
 *  - Long / Double / Decimal   -> ApexLong (bigint) / ApexDouble (number) / ApexDecimal (decimal.js)
 *  - String and Id             -> JS string (Ids are validated and widened to 18 chars on assignment to an Id type)
 *  - Date / Datetime / Time    -> ApexDate / ApexDatetime / ApexTime
 *  - Blob                      -> ApexBlob
 *  - List / Set / Map          -> ApexList / ApexSet / ApexMap (element types kept for casts, JSON and instanceof)
 *  - SObject                   -> ApexSObject
 *  - user class instance       -> ApexObject
 *  - enum value                -> ApexEnumValue
 *  - System.Type token         -> ApexTypeToken
 *  - native (platform) objects -> NativeObject (HttpRequest, Pattern, exceptions of platform types are ApexObject)
 */
import Decimal from 'decimal.js';

/** A type as written in Apex, resolved to a canonical, case-preserved name: `List<Map<String, Id>>`. */
export interface TypeRef {
  /** Canonical name: 'Integer', 'List', 'Map', 'Account', 'Outer.Inner', 'System.HttpRequest' shortened to 'HttpRequest'. */
  name: string;
  args: TypeRef[];
}

export const typeRef = (name: string, ...args: TypeRef[]): TypeRef => ({ name, args });

export function typeToString(t: TypeRef): string {
  return t.args.length ? `${t.name}<${t.args.map(typeToString).join(', ')}>` : t.name;
}

export class ApexLong {
  constructor(readonly v: bigint) {}
}
export class ApexDouble {
  constructor(readonly v: number) {}
}
export class ApexDecimal {
  constructor(readonly v: Decimal) {}
}
/** A calendar date (no time zone). month is 1-12. */
export class ApexDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number
  ) {}
}
/** An instant: milliseconds since the epoch, UTC. Formatting uses the running user's time zone. */
export class ApexDatetime {
  constructor(readonly ms: number) {}
}
/** A time of day in milliseconds since midnight. */
export class ApexTime {
  constructor(readonly ms: number) {}
}
export class ApexBlob {
  constructor(readonly bytes: Buffer) {}
}

/** Supplies the key of a value for Set membership and Map keys (user classes may define equals/hashCode). */
export type KeyFn = (value: Value) => string;

export class ApexList {
  constructor(
    public elemType: TypeRef,
    public items: Value[]
  ) {}
}

export class ApexSet {
  /** key -> value, insertion ordered. */
  readonly entries = new Map<string, Value>();
  constructor(public elemType: TypeRef) {}
}

export class ApexMap {
  /** key -> [original key, value], insertion ordered. */
  readonly entries = new Map<string, [Value, Value]>();
  constructor(
    public keyType: TypeRef,
    public valueType: TypeRef
  ) {}
}

/**
 * An SObject record. `fields` is keyed by lower-case API name and holds the canonical name with the value;
 * parent relationship values (`Owner`, `Profile`) are ApexSObject values, child relationship values ApexList.
 */
export class ApexSObject {
  readonly fields = new Map<string, { name: string; value: Value }>();
  constructor(public type: string) {}
  get(name: string): Value | undefined {
    return this.fields.get(name.toLowerCase())?.value;
  }
  has(name: string): boolean {
    return this.fields.has(name.toLowerCase());
  }
  set(name: string, value: Value): void {
    const key = name.toLowerCase();
    const existing = this.fields.get(key);
    this.fields.set(key, { name: existing?.name ?? name, value });
  }
}

/** An instance of a class written in Apex (or of a built-in exception type, which the interpreter models as classes). */
export class ApexObject {
  /** Instance fields by lower-case name, including inherited ones. */
  readonly fields = new Map<string, Value>();
  /** Free slot for natives that back a built-in class (for example the message and cause of an exception). */
  native: Record<string, unknown> = {};
  constructor(public cls: ClassLike) {}
}

export class ApexEnumValue {
  constructor(
    readonly enumType: string,
    readonly name: string,
    readonly ordinal: number
  ) {}
}

/** `String.class`, `Type.forName('Foo')`, `Schema.SObjectType` tokens are separate (NativeObject). */
export class ApexTypeToken {
  constructor(readonly type: TypeRef) {}
}

/** An object of a platform type implemented in TypeScript (HttpRequest, Pattern, JSONGenerator, SaveResult...). */
export class NativeObject {
  constructor(
    readonly typeName: string,
    public data: Record<string, unknown>
  ) {}
}

/** What the interpreter knows of a class, as far as values need it. The interpreter's class model implements it. */
export interface ClassLike {
  /** Canonical name, `Outer.Inner` for inner classes. */
  readonly name: string;
  /** True when `this` class is `other` or extends/implements it (case-insensitive names). */
  isSubtypeOf(other: string): boolean;
}

export type Value =
  | null
  | boolean
  | number
  | string
  | ApexLong
  | ApexDouble
  | ApexDecimal
  | ApexDate
  | ApexDatetime
  | ApexTime
  | ApexBlob
  | ApexList
  | ApexSet
  | ApexMap
  | ApexSObject
  | ApexObject
  | ApexEnumValue
  | ApexTypeToken
  | NativeObject;

export { Decimal };
