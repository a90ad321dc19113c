/**
 * A minimal org and platform for the interpreter's own tests: just enough SObject, DML and System behaviour to
 * exercise the language, independent of the real org and natives (which have their own tests).
 */
import { Interpreter } from '../../../src/apex/interpreter';
import { ApexThrow, DmlRowResult, NativeRegistry, Org, Runtime, UnsupportedError } from '../../../src/apex/runtime';
import { ApexList, ApexMap, ApexSet, ApexSObject, typeRef, Value } from '../../../src/apex/values';

const OBJECTS = ['Account', 'Contact', 'User'];

export function fakeOrg(): Org {
  let ids = 0;
  return {
    query: () => {
      throw new UnsupportedError('SOQL in the fake org');
    },
    dml(rt: Runtime, op, records): DmlRowResult[] {
      if (op === 'insert') {
        this.triggerHook?.('before insert', records[0].type, records, null);
        for (const r of records) r.set('Id', `001000000000${String(++ids).padStart(3, '0')}AAA`);
        this.triggerHook?.('after insert', records[0].type, records, null);
      }
      rt.ctx.uncommittedWork = true;
      return records.map((r) => ({ id: r.get('Id') as string, success: true, errors: [] }));
    },
    newSObject(_rt, type, fields) {
      const o = new ApexSObject(type);
      for (const [k, v] of fields) o.set(k, v);
      return o;
    },
    objectName: (n) => OBJECTS.find((o) => o.toLowerCase() === n.toLowerCase()),
    fieldName: (_o, f) => f,
    fieldType: () => undefined,
    getField: (_rt, r, f) => r.get(f) ?? null,
    setField: (_rt, r, f, v) => r.set(f, v),
    sobjectStatic: () => {
      throw new UnsupportedError('sobjectStatic');
    },
    savepoint: () => ids,
    rollback: () => undefined,
    commit: () => undefined,
    defaultUserId: () => '005000000000001AAA',
    eventTriggerUserId: () => '005000000000002AAA',
    now: () => Date.now(),
    emailDeliverability: 'all',
    userTimeZone: () => 'America/Los_Angeles',
    findRecord: () => undefined,
    hasCustomPermission: () => false,
    insertSystemRow: () => {
      throw new UnsupportedError('insertSystemRow in the fake org');
    },
    updateSystemRow: () => undefined
  };
}

/** System.assert*, System.debug and String.valueOf/length — the smallest platform the language tests need. */
export function fakeNatives(): NativeRegistry {
  const reg = new NativeRegistry();
  const fail = (rt: Runtime, msg: string): never => rt.throwApex('System.AssertException', `Assertion Failed: ${msg}`);
  reg.register({
    name: 'System',
    namespace: 'System',
    kind: 'class',
    statics: {
      assert: (rt, [c, m]) => (c === true ? null : fail(rt, m == null ? '' : rt.stringify(m))),
      assertequals: (rt, [e, a, m]) =>
        rt.equals(e, a)
          ? null
          : fail(
              rt,
              `${m == null ? '' : rt.stringify(m) + ': '}Expected: ${rt.stringify(e)}, Actual: ${rt.stringify(a)}`
            ),
      debug: (rt, [v]) => {
        rt.debug(rt.stringify(v));
        return null;
      }
    }
  });
  reg.register({
    name: 'String',
    namespace: 'System',
    kind: 'class',
    statics: { valueof: (rt, [v]) => rt.stringify(v) },
    methods: {
      length: (_rt, _a, self) => (self as string).length,
      touppercase: (_rt, _a, self) => (self as string).toUpperCase()
    }
  });
  reg.register({
    name: 'List',
    namespace: 'System',
    kind: 'class',
    methods: {
      add: (rt, [v], self) => {
        const l = self as ApexList;
        l.items.push(rt.coerce(v, l.elemType));
        return null;
      },
      size: (_rt, _a, self) => (self as ApexList).items.length,
      get: (rt, [i], self) => {
        const l = self as ApexList;
        const n = i as number;
        if (n < 0 || n >= l.items.length) rt.throwApex('System.ListException', `List index out of bounds: ${n}`);
        return l.items[n];
      }
    }
  });
  for (const name of ['Set', 'Map']) {
    reg.register({
      name,
      namespace: 'System',
      kind: 'class',
      methods: { size: (_rt, _a, self) => (self as ApexSet | ApexMap).entries.size }
    });
  }
  return reg;
}

export interface RunResult {
  value?: Value;
  error?: unknown;
  debug: string[];
}

/** Loads the classes and runs `Class.method()`; returns its value or the error it threw. */
export function run(files: Record<string, string>, entry: string, options: { stepBudget?: number } = {}): RunResult {
  const debug: string[] = [];
  const interp = new Interpreter({
    natives: fakeNatives(),
    org: fakeOrg(),
    stepBudget: options.stepBudget,
    debug: (l) => debug.push(l)
  });
  interp.load(Object.entries(files).map(([path, text]) => ({ path: /\./.test(path) ? path : `${path}.cls`, text })));
  const [cls, method] = entry.split('.');
  try {
    return { value: interp.runStatic(cls, method), debug };
  } catch (error) {
    return { error, debug };
  }
}

/** The Apex exception message of a run that threw one. */
export function apexError(r: RunResult): string {
  if (r.error instanceof ApexThrow) return r.error.message;
  throw r.error instanceof Error ? r.error : new Error('no Apex exception thrown');
}

export { typeRef };
