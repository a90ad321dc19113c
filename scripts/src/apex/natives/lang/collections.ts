/**
 * List, Set and Map (Apex Reference, "List Class", "Set Class", "Map Class"). Elements are coerced to the element
 * type on the way in (so an invalid Id fails as on the platform); Set members and Map keys are keyed by rt.key,
 * which is case-sensitive for strings ("Map keys of type String are case-sensitive"). Iteration order is
 * insertion order: the platform documents Set and Map order as arbitrary but stable, and insertion order is one
 * such order.
 */
import { NativeClass, NativeRegistry, Runtime } from '../../runtime';
import { ApexList, ApexMap, ApexObject, ApexSet, ApexSObject, TypeRef, typeRef, Value } from '../../values';
import { Fns, int, lowerKeys, npe, unsupported } from './util';

const OBJECT = typeRef('Object');

const asList = (self: Value): ApexList => self as ApexList;
const asSet = (self: Value): ApexSet => self as ApexSet;
const asMap = (self: Value): ApexMap => self as ApexMap;

function outOfBounds(rt: Runtime, i: number): never {
  rt.throwApex('System.ListException', `List index out of bounds: ${i}`);
}

function valuesOf(rt: Runtime, v: Value): Value[] {
  if (v === null) npe(rt);
  if (v instanceof ApexList) return v.items;
  if (v instanceof ApexSet) return [...v.entries.values()];
  return unsupported(rt, `a collection argument of type ${rt.typeOf(v).name}`);
}

function addToSet(rt: Runtime, s: ApexSet, v: Value): boolean {
  const cv = rt.coerce(v, s.elemType);
  const k = rt.key(cv);
  if (s.entries.has(k)) return false;
  s.entries.set(k, cv);
  return true;
}

function putInMap(rt: Runtime, m: ApexMap, k: Value, v: Value): Value {
  const ck = rt.coerce(k, m.keyType);
  const key = rt.key(ck);
  const old = m.entries.get(key);
  m.entries.set(key, [old ? old[0] : ck, rt.coerce(v, m.valueType)]);
  return old ? old[1] : null;
}

/** A deep copy of SObjects (and of collections of them), as deepClone does; other values are shared. */
function deepCopy(v: Value): Value {
  if (v instanceof ApexSObject) {
    const c = new ApexSObject(v.type);
    for (const [k, f] of v.fields) c.fields.set(k, { name: f.name, value: deepCopy(f.value) });
    return c;
  }
  if (v instanceof ApexList) return new ApexList(v.elemType, v.items.map(deepCopy));
  return v;
}

/** List.sort: Comparable objects by compareTo, SObjects by the documented field order, others by rt.compare. */
function sortList(rt: Runtime, l: ApexList, comparator?: Value): void {
  const cmp = comparator
    ? (a: Value, b: Value): number => rt.callMethod(comparator, 'compare', [a, b]) as number
    : (a: Value, b: Value): number => {
        if (a instanceof ApexSObject || b instanceof ApexSObject) return compareSObjects(rt, a, b);
        if (a instanceof ApexObject) return rt.callMethod(a, 'compareTo', [b]) as number;
        return rt.compare(a, b);
      };
  // Array.prototype.sort is stable, as List.sort is for equal elements.
  l.items.sort(cmp);
}

/** "Sorting Lists of sObjects": by Name (or the name field), then by the remaining fields' values. */
function compareSObjects(rt: Runtime, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const x = a as ApexSObject;
  const y = b as ApexSObject;
  const nameA = x.get('Name') ?? null;
  const nameB = y.get('Name') ?? null;
  if (nameA !== null || nameB !== null) {
    const c = rt.compare(nameA, nameB);
    if (c !== 0) return c;
  }
  return rt.compare(x.get('Id') ?? null, y.get('Id') ?? null);
}

const listMethods: Fns = {
  add: (rt, a, self) => {
    const l = asList(self);
    if (a.length === 2) {
      const i = int(rt, a[0]);
      if (i < 0 || i > l.items.length) outOfBounds(rt, i);
      l.items.splice(i, 0, rt.coerce(a[1], l.elemType));
    } else l.items.push(rt.coerce(a[0], l.elemType));
    return null;
  },
  addAll: (rt, [o], self) => {
    const l = asList(self);
    for (const v of valuesOf(rt, o)) l.items.push(rt.coerce(v, l.elemType));
    return null;
  },
  get: (rt, [i], self) => {
    const l = asList(self);
    const n = int(rt, i);
    if (n < 0 || n >= l.items.length) outOfBounds(rt, n);
    return l.items[n];
  },
  set: (rt, [i, v], self) => {
    const l = asList(self);
    const n = int(rt, i);
    if (n < 0 || n >= l.items.length) outOfBounds(rt, n);
    l.items[n] = rt.coerce(v, l.elemType);
    return null;
  },
  remove: (rt, [i], self) => {
    const l = asList(self);
    const n = int(rt, i);
    if (n < 0 || n >= l.items.length) outOfBounds(rt, n);
    return l.items.splice(n, 1)[0];
  },
  size: (_rt, _a, self) => asList(self).items.length,
  isEmpty: (_rt, _a, self) => asList(self).items.length === 0,
  clear: (_rt, _a, self) => {
    asList(self).items.length = 0;
    return null;
  },
  contains: (rt, [v], self) => asList(self).items.some((x) => rt.key(x) === rt.key(v)),
  indexOf: (rt, [v], self) => asList(self).items.findIndex((x) => rt.key(x) === rt.key(v)),
  sort: (rt, [c], self) => {
    sortList(rt, asList(self), c);
    return null;
  },
  clone: (_rt, _a, self) => new ApexList(asList(self).elemType, [...asList(self).items]),
  deepClone: (_rt, _a, self) => deepCopy(self),
  equals: (rt, [o], self) => rt.equals(self, o),
  hashCode: (rt, _a, self) => hash(rt.key(self)),
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self),
  iterator: (rt) => unsupported(rt, 'List.iterator()'),
  getSObjectType: (rt, _a, self) => {
    const nc = rt.natives.find('Schema.SObjectType');
    const fn = nc?.statics?.forname;
    if (!fn) unsupported(rt, 'List.getSObjectType (no Schema.SObjectType native)');
    return fn(rt, [asList(self).elemType.name], null);
  }
};

const setMethods: Fns = {
  add: (rt, [v], self) => addToSet(rt, asSet(self), v),
  addAll: (rt, [o], self) => {
    let changed = false;
    for (const v of valuesOf(rt, o)) changed = addToSet(rt, asSet(self), v) || changed;
    return changed;
  },
  remove: (rt, [v], self) => asSet(self).entries.delete(rt.key(v)),
  removeAll: (rt, [o], self) => {
    let changed = false;
    for (const v of valuesOf(rt, o)) changed = asSet(self).entries.delete(rt.key(v)) || changed;
    return changed;
  },
  retainAll: (rt, [o], self) => {
    const keep = new Set(valuesOf(rt, o).map((v) => rt.key(v)));
    let changed = false;
    for (const k of [...asSet(self).entries.keys()]) {
      if (!keep.has(k)) {
        asSet(self).entries.delete(k);
        changed = true;
      }
    }
    return changed;
  },
  contains: (rt, [v], self) => asSet(self).entries.has(rt.key(v)),
  containsAll: (rt, [o], self) => valuesOf(rt, o).every((v) => asSet(self).entries.has(rt.key(v))),
  size: (_rt, _a, self) => asSet(self).entries.size,
  isEmpty: (_rt, _a, self) => asSet(self).entries.size === 0,
  clear: (_rt, _a, self) => {
    asSet(self).entries.clear();
    return null;
  },
  clone: (_rt, _a, self) => {
    const s = new ApexSet(asSet(self).elemType);
    for (const [k, v] of asSet(self).entries) s.entries.set(k, v);
    return s;
  },
  equals: (rt, [o], self) => rt.equals(self, o),
  hashCode: (rt, _a, self) => hash(rt.key(self)),
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self)
};

const mapMethods: Fns = {
  put: (rt, [k, v], self) => putInMap(rt, asMap(self), k, v),
  get: (rt, [k], self) => asMap(self).entries.get(rt.key(k))?.[1] ?? null,
  containsKey: (rt, [k], self) => asMap(self).entries.has(rt.key(k)),
  remove: (rt, [k], self) => {
    const m = asMap(self);
    const key = rt.key(k);
    const old = m.entries.get(key);
    m.entries.delete(key);
    return old ? old[1] : null;
  },
  keySet: (_rt, _a, self) => {
    const m = asMap(self);
    const s = new ApexSet(m.keyType);
    for (const [key, [k]] of m.entries) s.entries.set(key, k);
    return s;
  },
  values: (_rt, _a, self) =>
    new ApexList(
      asMap(self).valueType,
      [...asMap(self).entries.values()].map(([, v]) => v)
    ),
  size: (_rt, _a, self) => asMap(self).entries.size,
  isEmpty: (_rt, _a, self) => asMap(self).entries.size === 0,
  clear: (_rt, _a, self) => {
    asMap(self).entries.clear();
    return null;
  },
  putAll: (rt, [o], self) => {
    if (o === null) npe(rt);
    if (o instanceof ApexMap) for (const [, [k, v]] of o.entries) putInMap(rt, asMap(self), k, v);
    else for (const r of valuesOf(rt, o)) putInMap(rt, asMap(self), (r as ApexSObject).get('Id') ?? null, r);
    return null;
  },
  clone: (_rt, _a, self) => {
    const m = asMap(self);
    const c = new ApexMap(m.keyType, m.valueType);
    for (const [k, e] of m.entries) c.entries.set(k, [e[0], e[1]]);
    return c;
  },
  deepClone: (_rt, _a, self) => {
    const m = asMap(self);
    const c = new ApexMap(m.keyType, m.valueType);
    for (const [k, e] of m.entries) c.entries.set(k, [e[0], deepCopy(e[1])]);
    return c;
  },
  equals: (rt, [o], self) => rt.equals(self, o),
  hashCode: (rt, _a, self) => hash(rt.key(self)),
  toString: (rt: Runtime, _a: Value[], self: Value) => rt.stringify(self)
};

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h;
}

const arg = (types: TypeRef[], i: number): TypeRef => types[i] ?? OBJECT;

export const collectionClasses: NativeClass[] = [
  {
    name: 'List',
    namespace: 'System',
    kind: 'class',
    methods: lowerKeys(listMethods),
    construct: (rt, args, typeArgs) => {
      const l = new ApexList(arg(typeArgs, 0), []);
      if (args.length === 1) {
        if (typeof args[0] === 'number') return l;
        for (const v of valuesOf(rt, args[0])) l.items.push(rt.coerce(v, l.elemType));
      }
      return l;
    }
  },
  {
    name: 'Set',
    namespace: 'System',
    kind: 'class',
    methods: lowerKeys(setMethods),
    construct: (rt, args, typeArgs) => {
      const s = new ApexSet(arg(typeArgs, 0));
      if (args.length === 1) for (const v of valuesOf(rt, args[0])) addToSet(rt, s, v);
      return s;
    }
  },
  {
    name: 'Map',
    namespace: 'System',
    kind: 'class',
    methods: lowerKeys(mapMethods),
    construct: (rt, args, typeArgs) => {
      const m = new ApexMap(arg(typeArgs, 0), arg(typeArgs, 1));
      if (args.length === 1) mapMethods.putAll(rt, args, m);
      return m;
    }
  }
];

export function registerCollections(registry: NativeRegistry): void {
  for (const cls of collectionClasses) registry.register(cls);
}
