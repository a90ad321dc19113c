/**
 * The interpreter of the local Apex test runtime: loads classes and triggers with @apexdevtools/apex-parser and
 * evaluates their parse trees. It implements the Runtime contract that natives and the org use; it knows no
 * product class.
 */
import * as P from '@apexdevtools/apex-parser';
import { ApexErrorListener, ApexParserFactory } from '@apexdevtools/apex-parser';
import {
  ApexThrow,
  ASYNC_LIMITS,
  CoverageRecorder,
  ExecContext,
  InterpreterError,
  LimitExceeded,
  NativeClass,
  NativeRegistry,
  Org,
  Runtime,
  SourcePos,
  StepBudgetExceeded,
  TriggerEvent,
  UnsupportedError
} from '../runtime';
import {
  ApexDecimal,
  ApexDouble,
  ApexEnumValue,
  ApexList,
  ApexLong,
  ApexMap,
  ApexObject,
  ApexSet,
  ApexSObject,
  ApexTypeToken,
  Decimal,
  NativeObject,
  TypeRef,
  typeRef,
  typeToString,
  Value
} from '../values';
import { to18 } from '../org/ids';
import {
  addMember,
  buildClass,
  ClassDef,
  FieldDef,
  lineOf,
  MethodDef,
  PropertyDef,
  WrittenType,
  writtenType
} from './classes';
import { builtinException, builtinExceptionClasses, exceptionTypeName } from './exceptions';
import { arith, ArithOp, isNumber, negate, numCompare, numRank, renderValue, toBig, widen } from './ops';
import { NUMERIC_RANK, PRIMITIVES, T_OBJECT, valueType } from './types';

export class ApexParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

class ThrowingListener extends ApexErrorListener {
  constructor(private readonly file: string) {
    super();
  }
  override apexSyntaxError(line: number, _column: number, message: string): void {
    throw new ApexParseError(this.file, line, message);
  }
}

const SLL = 0;
const LL = 1;
function setPredictionMode(parser: P.ApexParser, mode: number): void {
  (parser as unknown as { _interp: { predictionMode: number } })._interp.predictionMode = mode;
}

function parseWithFallback<R>(file: { path: string; text: string }, rule: (p: P.ApexParser) => R): R {
  try {
    const { parser } = ApexParserFactory.createLexerAndParser(file.text, new ThrowingListener(file.path));
    setPredictionMode(parser, SLL);
    return rule(parser);
  } catch (error) {
    if (!(error instanceof ApexParseError)) throw error;
    const { parser } = ApexParserFactory.createLexerAndParser(file.text, new ThrowingListener(file.path));
    setPredictionMode(parser, LL);
    return rule(parser);
  }
}

export interface InterpreterOptions {
  natives: NativeRegistry;
  org: Org;
  coverage?: CoverageRecorder;
  /** Statements and calls one test method may run before it is stopped as a timeout. */
  stepBudget?: number;
  debug?: (line: string) => void;
}

export interface TestClassInfo {
  name: string;
  file: string;
  methods: string[];
  setupMethods: string[];
}

interface Var {
  value: Value;
  type: TypeRef;
}

class Scope {
  readonly vars = new Map<string, Var>();
  constructor(readonly parent?: Scope) {}
  lookup(lower: string): Var | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(lower);
      if (v) return v;
    }
    return undefined;
  }
}

interface Frame {
  cls: ClassDef;
  self: ApexObject | null;
  scope: Scope;
  method: string;
  file: string;
  line: number;
  /** Set while a property accessor runs: the property name reads and writes its own storage. */
  accessorOf?: PropertyDef;
}

interface TriggerContext {
  event: TriggerEvent;
  newList: ApexSObject[] | null;
  oldList: ApexSObject[] | null;
  object: string;
}

/** What a name or dotted prefix resolves to when it is not a value. */
type Target =
  | { kind: 'value'; v: Value }
  | { kind: 'class'; cls: ClassDef }
  | { kind: 'native'; nc: NativeClass }
  | { kind: 'sobject'; name: string }
  | { kind: 'ns'; name: string }
  | { kind: 'trigger' }
  | { kind: 'super'; self: ApexObject; cls: ClassDef };

type Completion = undefined | { k: 'break' } | { k: 'continue' } | { k: 'return'; v: Value };
const BREAK = { k: 'break' as const };
const CONTINUE = { k: 'continue' as const };

const NPE_MESSAGE = 'Attempt to de-reference a null object';
const DEFAULT_STEP_BUDGET = 5_000_000;
const NAMESPACES = ['system', 'database', 'schema', 'messaging', 'userprovisioning', 'process', 'auth', 'metadata'];

/** The class of an Apex object (the interpreter creates every ApexObject with a ClassDef). */
const C = (o: ApexObject): ClassDef => o.cls as ClassDef;

/** Text of a string literal with Apex escapes (\n, \t, \', \\, \uXXXX...) applied. */
function stringLiteral(raw: string): string {
  const body = raw.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'u':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        return e;
    }
  });
}

export class Interpreter implements Runtime {
  readonly natives: NativeRegistry;
  readonly org: Org;
  ctx: ExecContext = new ExecContext();
  runningUserId: string;

  private readonly coverage?: CoverageRecorder;
  private readonly debugSink?: (line: string) => void;
  private readonly stepBudget: number;
  private steps = 0;
  private readonly classes = new Map<string, ClassDef>();
  private readonly exceptions = builtinExceptionClasses();
  private readonly triggers: ClassDef[] = [];
  private readonly sources = new Map<string, string>();
  private readonly statics = new Map<ClassDef, Map<string, Value>>();
  private readonly initialized = new Set<ClassDef>();
  private readonly frames: Frame[] = [];
  private readonly triggerStack: TriggerContext[] = [];
  private readonly typeCache = new WeakMap<WrittenType, TypeRef>();
  private readonly soqlCache = new WeakMap<object, { text: string; binds: P.ExpressionContext[] }>();
  private readonly identity = new WeakMap<object, number>();
  private nextIdentity = 1;
  private runningTest?: string;

  constructor(options: InterpreterOptions) {
    this.natives = options.natives;
    this.org = options.org;
    this.coverage = options.coverage;
    this.debugSink = options.debug;
    this.stepBudget = options.stepBudget ?? DEFAULT_STEP_BUDGET;
    this.runningUserId = options.org.defaultUserId();
    this.org.triggerHook = (event, object, newList, oldList) => this.fireTriggers(event, object, newList, oldList);
  }

  // ---------------------------------------------------------------- loading

  load(files: Array<{ path: string; text: string }>): void {
    for (const file of files) {
      this.sources.set(file.path, file.text);
      // SLL prediction is several times faster and sufficient for this grammar on valid code; a file it rejects is
      // parsed again with full LL before it counts as a syntax error.
      if (file.path.endsWith('.trigger'))
        this.loadTrigger(
          file.path,
          parseWithFallback(file, (p) => p.triggerUnit())
        );
      else {
        const unit = parseWithFallback(file, (p) => p.compilationUnit()).typeDeclaration();
        const decl = unit.classDeclaration() ?? unit.interfaceDeclaration() ?? unit.enumDeclaration();
        if (!decl) throw new ApexParseError(file.path, 1, 'no type declaration');
        const cls = buildClass(decl, unit.modifier_list(), file.path);
        this.classes.set(cls.name.toLowerCase(), cls);
        this.markCoverable(decl, file.path);
      }
    }
    for (const cls of this.allClasses()) this.link(cls);
  }

  private loadTrigger(path: string, unit: P.TriggerUnitContext): void {
    const ids = unit.id_list();
    const cls = new ClassDef(ids[0].getText(), 'class', path, lineOf(unit));
    const events = unit.triggerCase_list().map((c) =>
      c
        .getText()
        .toLowerCase()
        .replace(/^(before|after)/, '$1 ')
    );
    const object = this.org.objectName(ids[1].getText());
    if (!object) throw new ApexParseError(path, lineOf(unit), `trigger on unknown object ${ids[1].getText()}`);
    cls.trigger = { object, events, body: unit.triggerBlock() };
    for (const member of unit.triggerBlock().triggerBlockMember_list()) {
      if (member.triggerMemberDeclaration()) addMember(cls, member, path);
    }
    this.triggers.push(cls);
    this.markCoverable(unit, path);
  }

  /** Declares every statement's line coverable (block statements excepted), as the platform counts lines. */
  private markCoverable(node: unknown, file: string): void {
    if (!this.coverage) return;
    const walk = (n: unknown): void => {
      const ctx = n as { children?: unknown[] | null };
      if (n instanceof P.StatementContext && !n.block()) this.coverage!.coverable(file, lineOf(n));
      if (n instanceof P.FieldDeclarationContext) {
        for (const v of n.variableDeclarators().variableDeclarator_list())
          if (v.expression()) this.coverage!.coverable(file, lineOf(v));
      }
      for (const c of ctx.children ?? []) walk(c);
    };
    walk(node);
  }

  private *allClasses(): Generator<ClassDef> {
    const visit = function* (c: ClassDef): Generator<ClassDef> {
      yield c;
      for (const i of c.inner.values()) yield* visit(i);
    };
    for (const c of this.classes.values()) yield* visit(c);
    for (const t of this.triggers) yield* visit(t);
  }

  private link(cls: ClassDef): void {
    if (cls.superWritten) {
      const name = cls.superWritten.parts.join('.');
      const user = this.findClass(name, cls.outer ?? cls);
      if (user) cls.superClass = user;
      else {
        const ex = this.exceptionClass(name);
        if (ex) cls.superClass = ex;
        else {
          const nc = this.natives.find(name);
          if (!nc) throw new ApexParseError(cls.file, cls.line, `unknown superclass ${name}`);
          cls.nativeSuper = `${nc.namespace}.${nc.name}`;
          cls.interfaces.push(...(nc.superTypes ?? []));
        }
      }
    }
    if (cls.superClass?.isException) cls.isException = true;
    for (const w of cls.interfacesWritten) {
      const name = w.parts.join('.');
      const user = this.findClass(name, cls.outer ?? cls);
      if (user) cls.userInterfaces.push(user);
      else {
        const nc = this.natives.find(name);
        cls.interfaces.push(nc ? `${nc.namespace}.${nc.name}` : name);
        if (nc?.superTypes) cls.interfaces.push(...nc.superTypes);
      }
    }
  }

  testClasses(): TestClassInfo[] {
    const out: TestClassInfo[] = [];
    for (const cls of this.classes.values()) {
      if (!cls.isTest || cls.kind !== 'class') continue;
      const methods: string[] = [];
      const setupMethods: string[] = [];
      for (const list of cls.methods.values()) {
        for (const m of list) {
          if (m.annotations.some((a) => a.startsWith('@testsetup'))) setupMethods.push(m.name);
          else if (m.annotations.some((a) => a.startsWith('@istest')) || m.annotations.includes('testmethod'))
            methods.push(m.name);
        }
      }
      // `static testMethod void x()` is a modifier, not an annotation.
      for (const list of cls.methods.values())
        for (const m of list) if (!methods.includes(m.name) && this.hasTestMethodModifier(m)) methods.push(m.name);
      methods.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
      out.push({ name: cls.name, file: cls.file, methods, setupMethods });
    }
    return out.sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  }

  private hasTestMethodModifier(m: MethodDef): boolean {
    const body = m.body?.parentCtx?.parentCtx?.parentCtx;
    return body instanceof P.ClassBodyDeclarationContext
      ? body.modifier_list().some((x) => x.getText().toLowerCase() === 'testmethod')
      : false;
  }

  /** Runs a static method (a test method) as the test runner does. */
  runStatic(className: string, method: string, args: Value[] = []): Value {
    const cls = this.classes.get(className.toLowerCase());
    if (!cls) throw new InterpreterError(`no class ${className}`);
    this.runningTest = `${cls.name}.${method}`;
    const m = this.pickMethod(
      cls.findMethods(method.toLowerCase()).filter((x) => x.isStatic),
      args,
      method
    );
    return this.invoke(m, null, args);
  }

  resetStatics(): void {
    this.statics.clear();
    this.initialized.clear();
  }

  resetSteps(): void {
    this.steps = 0;
  }

  // ---------------------------------------------------------------- classes and types

  private exceptionClass(name: string): ClassDef | undefined {
    const lower = name.toLowerCase().replace(/^system\./, '');
    return this.exceptions.get(lower);
  }

  /** A user class by name as written from inside `from` (inner classes of the enclosing chain first). */
  private findClass(name: string, from?: ClassDef): ClassDef | undefined {
    const parts = name.toLowerCase().split('.');
    if (parts[0] === 'system' && parts.length > 1) parts.shift();
    const walk = (start: ClassDef | undefined, rest: string[]): ClassDef | undefined => {
      let c = start;
      for (const p of rest) {
        if (!c) return undefined;
        c = this.innerOf(c, p);
      }
      return c;
    };
    for (let c = from; c; c = c.outer) {
      const hit = this.innerOf(c, parts[0]);
      if (hit) return walk(hit, parts.slice(1));
      if (c.name.toLowerCase() === parts[0] && !c.outer) return walk(c, parts.slice(1));
    }
    const top = this.classes.get(parts[0]);
    return top ? walk(top, parts.slice(1)) : undefined;
  }

  private innerOf(c: ClassDef, lower: string): ClassDef | undefined {
    for (let k: ClassDef | undefined = c; k; k = k.superClass) {
      const hit = k.inner.get(lower);
      if (hit) return hit;
    }
    return undefined;
  }

  private nativeName(nc: NativeClass): string {
    return nc.namespace === 'System' ? nc.name : `${nc.namespace}.${nc.name}`;
  }

  /** Resolves a written type to a canonical TypeRef (cached per declaration). */
  private resolveWritten(w: WrittenType, from: ClassDef | undefined): TypeRef {
    const cached = this.typeCache.get(w);
    if (cached) return cached;
    let t = this.resolveTypeName(
      w.parts.join('.'),
      w.args.map((a) => this.resolveWritten(a, from)),
      from
    );
    for (let i = 0; i < w.array; i++) t = typeRef('List', t);
    this.typeCache.set(w, t);
    return t;
  }

  private resolveTypeName(name: string, args: TypeRef[], from: ClassDef | undefined): TypeRef {
    const lower = name.toLowerCase();
    const bare = lower.startsWith('system.') ? lower.slice(7) : lower;
    const prim = PRIMITIVES[bare];
    if (prim) return { name: prim, args };
    const user = this.findClass(name, from);
    if (user) return typeRef(user.name);
    const ex = this.exceptionClass(name);
    if (ex) return typeRef(ex.name);
    const sobject = lower.startsWith('schema.') ? this.org.objectName(name.slice(7)) : this.org.objectName(name);
    if (sobject) return typeRef(sobject);
    const nc = this.natives.find(name);
    if (nc) return { name: this.nativeName(nc), args };
    return { name, args };
  }

  resolveType(name: string): TypeRef | undefined {
    const text = name.trim();
    const lt = text.indexOf('<');
    if (lt < 0) {
      const t = this.resolveTypeName(text, [], this.frames.at(-1)?.cls);
      return this.knownType(t) ? t : undefined;
    }
    const base = text.slice(0, lt).trim();
    const inner = text.slice(lt + 1, text.lastIndexOf('>'));
    const args: string[] = [];
    let depth = 0;
    let cur = '';
    for (const ch of inner) {
      if (ch === '<') depth++;
      if (ch === '>') depth--;
      if (ch === ',' && depth === 0) {
        args.push(cur);
        cur = '';
      } else cur += ch;
    }
    if (cur.trim()) args.push(cur);
    const resolved = args.map((a) => this.resolveType(a));
    if (resolved.some((a) => !a)) return undefined;
    return this.resolveTypeName(base, resolved as TypeRef[], undefined);
  }

  private knownType(t: TypeRef): boolean {
    return (
      Object.values(PRIMITIVES).includes(t.name) ||
      !!this.findClass(t.name) ||
      !!this.exceptionClass(t.name) ||
      !!this.org.objectName(t.name) ||
      !!this.natives.find(t.name)
    );
  }

  isUserClass(type: TypeRef): boolean {
    return !!this.findClass(type.name);
  }

  instanceFields(type: TypeRef): Array<{ name: string; type: TypeRef }> {
    const cls = this.findClass(type.name);
    if (!cls) return [];
    const chain: ClassDef[] = [];
    for (let c: ClassDef | undefined = cls; c; c = c.superClass) chain.unshift(c);
    const out: Array<{ name: string; type: TypeRef }> = [];
    for (const c of chain) {
      const members: Array<FieldDef> = [...c.fields.values(), ...c.properties.values()].sort((a, b) => a.line - b.line);
      for (const f of members)
        if (!f.isStatic && !f.isTransient) out.push({ name: f.name, type: this.resolveWritten(f.type, c) });
    }
    return out;
  }

  typeOf(value: Value): TypeRef {
    return valueType(value);
  }

  /** True when a value of type `from` may be used where `to` is expected (generics compared element-wise). */
  private assignableType(from: TypeRef, to: TypeRef): boolean {
    if (to.name === 'Object') return true;
    const fl = from.name.toLowerCase();
    const tl = to.name.toLowerCase();
    if (fl === tl) {
      if (!to.args.length || !from.args.length) return true;
      return from.args.every((a, i) => !to.args[i] || this.sameOrSubtype(a, to.args[i]));
    }
    if (tl === 'sobject') return !!this.org.objectName(from.name);
    if (tl === 'string' && fl === 'id') return true;
    if (tl === 'id' && fl === 'string') return true;
    const fr = NUMERIC_RANK[from.name];
    const tr = NUMERIC_RANK[to.name];
    if (fr && tr) return fr <= tr;
    const cls = this.findClass(from.name) ?? this.exceptionClass(from.name);
    if (cls) return cls.isSubtypeOf(to.name);
    return false;
  }

  private sameOrSubtype(a: TypeRef, b: TypeRef): boolean {
    if (b.name === 'Object') return true;
    if (a.name.toLowerCase() === b.name.toLowerCase()) {
      return a.args.every((x, i) => !b.args[i] || this.sameOrSubtype(x, b.args[i]));
    }
    if (b.name === 'SObject') return !!this.org.objectName(a.name);
    const cls = this.findClass(a.name) ?? this.exceptionClass(a.name);
    return cls ? cls.isSubtypeOf(b.name) : false;
  }

  isInstance(value: Value, type: TypeRef): boolean {
    if (value === null) return false;
    const name = type.name;
    switch (name) {
      case 'Object':
        return true;
      case 'String':
        return typeof value === 'string';
      case 'Id':
        return typeof value === 'string' && to18(value) !== undefined;
      case 'Integer':
        return typeof value === 'number';
      case 'Boolean':
        return typeof value === 'boolean';
      case 'Long':
        return value instanceof ApexLong;
      case 'Double':
        return value instanceof ApexDouble;
      case 'Decimal':
        return value instanceof ApexDecimal;
      case 'SObject':
        return value instanceof ApexSObject;
      case 'List':
      case 'Set':
      case 'Map':
        if (!(value instanceof ApexList || value instanceof ApexSet || value instanceof ApexMap)) return false;
        return this.assignableType(valueType(value), type);
      default:
        break;
    }
    const vt = valueType(value);
    if (['Date', 'Datetime', 'Time', 'Blob'].includes(name)) return vt.name === name;
    if (value instanceof ApexSObject) return value.type.toLowerCase() === name.toLowerCase();
    if (value instanceof ApexObject) return value.cls.isSubtypeOf(name);
    if (value instanceof ApexEnumValue) return value.enumType.toLowerCase() === name.toLowerCase();
    if (value instanceof ApexTypeToken) return name === 'Type' || name === 'System.Type';
    if (value instanceof NativeObject) {
      const target = this.natives.find(name);
      if (!target) return value.typeName.toLowerCase() === name.toLowerCase();
      if (target.isInstance) return target.isInstance(value);
      const own = this.natives.find(value.typeName);
      if (own === target) return true;
      const q = `${target.namespace}.${target.name}`.toLowerCase();
      return (own?.superTypes ?? []).some(
        (s) => s.toLowerCase() === q || s.toLowerCase() === target.name.toLowerCase()
      );
    }
    return false;
  }

  coerce(value: Value, type: TypeRef): Value {
    if (value === null) return null;
    switch (type.name) {
      case 'Id':
        if (typeof value === 'string') {
          const id = to18(value);
          if (!id) this.throwApex('System.StringException', `Invalid id: ${value}`);
          return id;
        }
        return value;
      case 'Long':
      case 'Double':
      case 'Decimal': {
        const r = numRank(value);
        if (r && r < NUMERIC_RANK[type.name]) return widen(value, NUMERIC_RANK[type.name]);
        return value;
      }
      case 'List':
      case 'Set':
      case 'Map':
      case 'Object':
      case 'String':
      case 'Integer':
      case 'Boolean':
        return value;
      default:
        break;
    }
    // [SELECT ...] assigned to a single SObject: exactly one row.
    if (value instanceof ApexList && this.isSObjectType(type)) {
      if (value.items.length === 0)
        this.throwApex('System.QueryException', 'List has no rows for assignment to SObject');
      if (value.items.length > 1)
        this.throwApex('System.QueryException', 'List has more than 1 row for assignment to SObject');
      return value.items[0];
    }
    return value;
  }

  private isSObjectType(type: TypeRef): boolean {
    return type.name === 'SObject' || (!!this.org.objectName(type.name) && !this.findClass(type.name));
  }

  /** An explicit cast `(T) v`: TypeException when the runtime type does not conform. */
  private cast(value: Value, type: TypeRef): Value {
    if (value === null) return null;
    const tr = NUMERIC_RANK[type.name];
    if (tr && isNumber(value)) {
      if (numRank(value) <= tr) return widen(value, tr);
      this.throwApex(
        'System.TypeException',
        `Invalid conversion from runtime type ${valueType(value).name} to ${type.name}`
      );
    }
    if (type.name === 'Id' && typeof value === 'string') return this.coerce(value, type);
    if (value instanceof ApexList && this.isSObjectType(type)) return this.coerce(value, type);
    if (!this.isInstance(value, type) && this.knownType(type)) {
      this.throwApex(
        'System.TypeException',
        `Invalid conversion from runtime type ${typeToString(valueType(value))} to ${typeToString(type)}`
      );
    }
    if (!this.knownType(type))
      throw new UnsupportedError(`cast to unknown type ${typeToString(type)}`, this.currentPos());
    return value;
  }

  // ---------------------------------------------------------------- exceptions

  newException(typeName: string, message: string, extra: Record<string, unknown> = {}): ApexObject {
    let cls = this.findClass(typeName) ?? this.exceptionClass(typeName);
    if (!cls) {
      const simple = typeName.split('.').pop()!;
      if (!/Exception$/.test(simple)) throw new InterpreterError(`not an exception type: ${typeName}`);
      cls = builtinException(simple, this.exceptions.get('exception')!);
      this.exceptions.set(simple.toLowerCase(), cls);
    }
    const obj = new ApexObject(cls);
    obj.native = { message, ...extra, stack: this.stackTrace(), line: this.currentPos()?.line ?? 0 };
    return obj;
  }

  throwApex(typeName: string, message: string, extra?: Record<string, unknown>): never {
    const ex = this.newException(typeName, message, extra);
    throw new ApexThrow(ex, `${exceptionTypeName(C(ex))}: ${message}`);
  }

  private npe(): never {
    this.throwApex('System.NullPointerException', NPE_MESSAGE);
  }

  private exceptionMethod(obj: ApexObject, name: string, args: Value[]): { v: Value } | undefined {
    const n = obj.native;
    const dml =
      (n.dml as Array<{
        id: string | null;
        errors: Array<{ statusCode: string; message: string; fields: string[] }>;
      }>) ?? [];
    const failed = dml.filter((r) => r.errors.length > 0);
    const at = (i: Value): (typeof failed)[number] => {
      const row = failed[i as number];
      if (!row) this.throwApex('System.ListException', `List index out of bounds: ${this.stringify(i)}`);
      return row;
    };
    switch (name) {
      case 'getmessage':
        return { v: (n.message as string | null) ?? null };
      case 'setmessage':
        n.message = args[0];
        return { v: null };
      case 'gettypename':
        return { v: exceptionTypeName(C(obj)) };
      case 'getcause':
        return { v: (n.cause as Value) ?? null };
      case 'initcause':
        n.cause = args[0];
        return { v: null };
      case 'getlinenumber':
        return { v: (n.line as number) ?? 0 };
      case 'getstacktracestring':
        return { v: ((n.stack as string[]) ?? []).join('\n') };
      case 'tostring':
        return { v: `${exceptionTypeName(C(obj))}: ${this.messageOf(obj)}` };
      case 'getnumdml':
        return { v: failed.length };
      case 'getdmlmessage':
        return { v: at(args[0]).errors[0]?.message ?? null };
      case 'getdmlstatuscode':
        return { v: at(args[0]).errors[0]?.statusCode ?? null };
      case 'getdmlfieldnames':
        return { v: new ApexList(typeRef('String'), [...(at(args[0]).errors[0]?.fields ?? [])]) };
      case 'getdmlid':
        return { v: at(args[0]).id };
      case 'getdmlindex':
        return { v: dml.indexOf(at(args[0])) };
      case 'getdmltype': {
        const nc = this.natives.find('StatusCode');
        const code = at(args[0]).errors[0]?.statusCode ?? '';
        const ordinal = nc?.enumValues?.findIndex((x) => x.toLowerCase() === code.toLowerCase()) ?? -1;
        return { v: new ApexEnumValue(nc ? this.nativeName(nc) : 'StatusCode', code, ordinal) };
      }
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- frames, steps, coverage

  private step(): void {
    if (++this.steps > this.stepBudget) {
      throw new StepBudgetExceeded(
        `timeout: ${this.runningTest ?? 'the test'} ran more than ${this.stepBudget} statements and calls (an endless loop or runaway recursion?) at ${this.currentPos()?.file}:${this.currentPos()?.line}`
      );
    }
  }

  stackTrace(): string[] {
    const out: string[] = [];
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i];
      out.push(`Class.${f.cls.name}.${f.method}: line ${f.line}, column 1`);
    }
    return out;
  }

  currentPos(): SourcePos | undefined {
    const f = this.frames.at(-1);
    return f ? { file: f.file, line: f.line } : undefined;
  }

  debug(line: string): void {
    this.debugSink?.(line);
  }

  userTimeZone(): string {
    return this.org.userTimeZone(this.runningUserId);
  }

  private withFrame<R>(frame: Frame, fn: () => R): R {
    if (this.frames.length > 1000) this.throwApex('System.LimitException', 'Maximum stack depth reached: 1001');
    this.frames.push(frame);
    try {
      return fn();
    } finally {
      this.frames.pop();
    }
  }

  // ---------------------------------------------------------------- statics

  private ensureInit(cls: ClassDef): void {
    if (this.initialized.has(cls)) return;
    this.initialized.add(cls);
    if (cls.superClass) this.ensureInit(cls.superClass);
    const store = new Map<string, Value>();
    this.statics.set(cls, store);
    if (cls.staticInit.length === 0) return;
    const frame: Frame = { cls, self: null, scope: new Scope(), method: '<clinit>', file: cls.file, line: cls.line };
    this.withFrame(frame, () => {
      for (const stepDef of cls.staticInit) {
        if ('field' in stepDef) {
          const f = stepDef.field;
          frame.line = f.line;
          const v = f.init ? this.evalExpr(f.init, frame) : null;
          store.set(f.name.toLowerCase(), this.coerce(v, this.resolveWritten(f.type, cls)));
          if (f.init) this.coverage?.hit(cls.file, f.line);
        } else this.execBlock(stepDef.block, frame);
      }
    });
  }

  private staticStore(cls: ClassDef): Map<string, Value> {
    this.ensureInit(cls);
    return this.statics.get(cls)!;
  }

  // ---------------------------------------------------------------- objects

  private construct(cls: ClassDef, args: Value[]): ApexObject {
    if (cls.kind !== 'class') this.throwApex('System.TypeException', `Cannot instantiate ${cls.kind} ${cls.name}`);
    if (cls.has('abstract'))
      this.throwApex('System.TypeException', `Abstract classes cannot be constructed: ${cls.name}`);
    this.ensureInit(cls);
    const obj = new ApexObject(cls);
    obj.native = { message: null, stack: this.stackTrace(), line: this.currentPos()?.line ?? 0 };
    this.runConstructor(cls, obj, args);
    return obj;
  }

  private runInstanceInit(cls: ClassDef, obj: ApexObject): void {
    for (const prop of cls.properties.values()) if (!prop.isStatic) obj.fields.set(prop.name.toLowerCase(), null);
    if (cls.instanceInit.length === 0) return;
    const frame: Frame = { cls, self: obj, scope: new Scope(), method: '<init>', file: cls.file, line: cls.line };
    this.withFrame(frame, () => {
      for (const stepDef of cls.instanceInit) {
        if ('field' in stepDef) {
          const f = stepDef.field;
          frame.line = f.line;
          const v = f.init ? this.evalExpr(f.init, frame) : null;
          obj.fields.set(f.name.toLowerCase(), this.coerce(v, this.resolveWritten(f.type, cls)));
          if (f.init) this.coverage?.hit(cls.file, f.line);
        } else this.execBlock(stepDef.block, frame);
      }
    });
  }

  private runConstructor(cls: ClassDef, obj: ApexObject, args: Value[]): void {
    if (cls.name === 'Exception' || cls.file === '<platform>') {
      this.exceptionConstructor(obj, args);
      return;
    }
    const declared = cls.constructors.filter((c) => c.params.length === args.length);
    let ctor: MethodDef | undefined;
    if (declared.length) ctor = this.pickMethod(declared, args, cls.simpleName, true);
    if (!ctor) {
      if (cls.isException && args.length <= 2) {
        this.runSuperThenInit(cls, obj, args, true);
        return;
      }
      if (args.length === 0 && cls.constructors.length === 0) {
        this.runSuperThenInit(cls, obj, [], false);
        return;
      }
      this.throwApex(
        'System.TypeException',
        `Constructor not defined: [${cls.name}].<Constructor>(${args.length} arguments)`
      );
    }
    const body = ctor.body!;
    const stmts = body.statement_list();
    const first = stmts[0]?.expressionStatement()?.expression();
    const call = first instanceof P.MethodCallExpressionContext ? first.methodCall() : undefined;
    const frame = this.newFrame(ctor, obj, args);
    this.withFrame(frame, () => {
      let start = 0;
      if (call && (call.THIS() || call.SUPER())) {
        start = 1;
        frame.line = lineOf(call);
        this.coverage?.hit(cls.file, frame.line);
        const callArgs = this.evalArgs(call.expressionList() ?? undefined, frame);
        if (call.THIS()) this.runConstructor(cls, obj, callArgs);
        else this.runSuperThenInit(cls, obj, callArgs, false);
      } else this.runSuperThenInit(cls, obj, [], false);
      for (let i = start; i < stmts.length; i++) {
        const c = this.execStatement(stmts[i], frame);
        if (c && c.k === 'return') break;
      }
    });
  }

  private runSuperThenInit(cls: ClassDef, obj: ApexObject, superArgs: Value[], implicitException: boolean): void {
    if (cls.superClass) this.runConstructor(cls.superClass, obj, implicitException ? superArgs : superArgs);
    else if (cls.nativeSuper && superArgs.length)
      throw new UnsupportedError(`super(...) of platform class ${cls.nativeSuper}`, this.currentPos());
    this.runInstanceInit(cls, obj);
  }

  /** The implicit constructors every exception has: (), (String), (Exception), (String, Exception). */
  private exceptionConstructor(obj: ApexObject, args: Value[]): void {
    // AuraHandledException keeps its constructor message for the browser only: getMessage() in Apex answers
    // "Script-thrown exception" until setMessage is called (Lightning Aura Components Developer Guide,
    // "Throwing and Handling Errors").
    if (C(obj).isSubtypeOf('System.AuraHandledException')) {
      obj.native.message = null;
      obj.native.auraMessage = args[0] ?? null;
      return;
    }
    for (const a of args) {
      if (typeof a === 'string' || a === null) obj.native.message = a;
      else if (a instanceof ApexObject && C(a).isException) {
        obj.native.cause = a;
        if (args.length === 1) obj.native.message = `${exceptionTypeName(C(a))}: ${String(a.native.message)}`;
      } else this.throwApex('System.TypeException', 'Exception constructor takes a String and/or an Exception');
    }
  }

  getField(target: Value, name: string): Value {
    return this.readMember(target, name, false);
  }

  setField(target: Value, name: string, value: Value): void {
    this.writeMember(target, name, value);
  }

  private readMember(target: Value, name: string, safe: boolean): Value {
    if (target === null) {
      if (safe) return null;
      this.npe();
    }
    if (target instanceof ApexSObject) return this.org.getField(this, target, name);
    if (target instanceof ApexObject) {
      const lower = name.toLowerCase();
      const found = C(target).findField(lower);
      if (found) {
        if (found.def.isStatic) return this.readStatic(found.owner, found.def, found.isProperty);
        if (found.isProperty) return this.readProperty(found.def, found.owner, target);
        return target.fields.get(lower) ?? null;
      }
      const native = this.nativeOf(target);
      const prop = native?.props?.[lower];
      if (prop) return prop.get(this, target);
      throw new UnsupportedError(`field ${name} of ${target.cls.name}`, this.currentPos());
    }
    // `[SELECT Name FROM X WHERE Id = :id].Name`: a query result read as its single row.
    if (target instanceof ApexList && target.items.every((r) => r instanceof ApexSObject)) {
      return this.readMember(this.coerce(target, typeRef(target.elemType.name)), name, safe);
    }
    if (target instanceof NativeObject) {
      const nc = this.natives.find(target.typeName);
      const lower = name.toLowerCase();
      const prop = nc?.props?.[lower];
      if (prop) return prop.get(this, target);
      const dyn = nc?.getProp?.(this, target, name);
      if (dyn !== undefined) return dyn;
      throw new UnsupportedError(`property ${name} of ${target.typeName}`, this.currentPos());
    }
    const nc = this.nativeForValue(target);
    const dyn = nc?.getProp?.(this, target, name) ?? nc?.props?.[name.toLowerCase()]?.get(this, target);
    if (dyn !== undefined) return dyn;
    throw new UnsupportedError(`property ${name} of ${typeToString(valueType(target))}`, this.currentPos());
  }

  private writeMember(target: Value, name: string, value: Value): void {
    if (target === null) this.npe();
    if (target instanceof ApexSObject) {
      this.org.setField(this, target, name, value);
      return;
    }
    if (target instanceof ApexObject) {
      const lower = name.toLowerCase();
      const found = C(target).findField(lower);
      if (found) {
        const type = this.resolveWritten(found.def.type, found.owner);
        const v = this.coerce(value, type);
        if (found.def.isStatic) this.writeStatic(found.owner, found.def, found.isProperty, v);
        else if (found.isProperty) this.writeProperty(found.def, found.owner, target, v);
        else target.fields.set(lower, v);
        return;
      }
      const prop = this.nativeOf(target)?.props?.[lower];
      if (prop?.set) {
        prop.set(this, target, value);
        return;
      }
      throw new UnsupportedError(`field ${name} of ${target.cls.name}`, this.currentPos());
    }
    if (target instanceof NativeObject) {
      const prop = this.natives.find(target.typeName)?.props?.[name.toLowerCase()];
      if (prop?.set) {
        prop.set(this, target, value);
        return;
      }
      throw new UnsupportedError(`setting ${name} of ${target.typeName}`, this.currentPos());
    }
    throw new UnsupportedError(`setting ${name} of ${typeToString(valueType(target))}`, this.currentPos());
  }

  private readStatic(owner: ClassDef, def: FieldDef, isProperty: boolean): Value {
    if (isProperty && (def as PropertyDef).getter?.body && !this.inAccessor(def)) {
      return this.runAccessor(def, owner, null, 'get', null);
    }
    return this.staticStore(owner).get(def.name.toLowerCase()) ?? null;
  }

  private writeStatic(owner: ClassDef, def: FieldDef, isProperty: boolean, v: Value): void {
    if (isProperty && (def as PropertyDef).setter?.body && !this.inAccessor(def)) {
      this.runAccessor(def, owner, null, 'set', v);
      return;
    }
    this.staticStore(owner).set(def.name.toLowerCase(), v);
  }

  private readProperty(def: PropertyDef, owner: ClassDef, obj: ApexObject): Value {
    if (def.getter?.body && !this.inAccessor(def)) return this.runAccessor(def, owner, obj, 'get', null);
    return obj.fields.get(def.name.toLowerCase()) ?? null;
  }

  private writeProperty(def: PropertyDef, owner: ClassDef, obj: ApexObject, v: Value): void {
    if (def.setter?.body && !this.inAccessor(def)) {
      this.runAccessor(def, owner, obj, 'set', v);
      return;
    }
    obj.fields.set(def.name.toLowerCase(), v);
  }

  private inAccessor(def: FieldDef): boolean {
    return this.frames.at(-1)?.accessorOf === def;
  }

  private runAccessor(def: PropertyDef, owner: ClassDef, obj: ApexObject | null, kind: 'get' | 'set', v: Value): Value {
    const body = (kind === 'get' ? def.getter : def.setter)!.body!;
    const scope = new Scope();
    if (kind === 'set') scope.vars.set('value', { value: v, type: this.resolveWritten(def.type, owner) });
    const frame: Frame = {
      cls: owner,
      self: obj,
      scope,
      method: `${kind} ${def.name}`,
      file: owner.file,
      line: lineOf(body),
      accessorOf: def
    };
    this.step();
    return this.withFrame(frame, () => {
      const c = this.execBlock(body, frame);
      return c && c.k === 'return' ? c.v : null;
    });
  }

  private nativeOf(obj: ApexObject): NativeClass | undefined {
    for (let c: ClassDef | undefined = C(obj); c; c = c.superClass) {
      if (c.nativeSuper) return this.natives.find(c.nativeSuper);
    }
    return undefined;
  }

  /** The native class that answers methods of a non-object value (see the dispatch rules in the brief). */
  private nativeForValue(v: Value): NativeClass | undefined {
    const name =
      typeof v === 'string'
        ? 'String'
        : typeof v === 'number'
          ? 'Integer'
          : typeof v === 'boolean'
            ? 'Boolean'
            : v instanceof ApexSObject
              ? 'SObject'
              : v instanceof NativeObject
                ? v.typeName
                : v instanceof ApexTypeToken
                  ? 'Type'
                  : valueType(v).name;
    return this.natives.find(name);
  }

  // ---------------------------------------------------------------- methods

  private newFrame(m: MethodDef, self: ApexObject | null, args: Value[]): Frame {
    const scope = new Scope();
    m.params.forEach((p, i) => {
      const type = this.resolveWritten(p.type, m.cls);
      scope.vars.set(p.name.toLowerCase(), { value: this.coerce(args[i] ?? null, type), type });
    });
    return { cls: m.cls, self, scope, method: m.name, file: m.cls.file, line: m.line };
  }

  private invoke(m: MethodDef, self: ApexObject | null, args: Value[]): Value {
    this.step();
    if (m.isStatic) this.ensureInit(m.cls);
    if (!m.body) {
      throw new InterpreterError(`abstract method ${m.cls.name}.${m.name} called`, this.stackTrace());
    }
    if (m.annotations.some((a) => a.startsWith('@future')) && !this.ctx.isAsync) {
      this.enqueueFuture(m, args);
      return null;
    }
    const frame = this.newFrame(m, self, args);
    return this.withFrame(frame, () => {
      const c = this.execBlock(m.body!, frame);
      const v = c && c.k === 'return' ? c.v : null;
      return m.returnType ? this.coerce(v, this.resolveWritten(m.returnType, m.cls)) : null;
    });
  }

  private enqueueFuture(m: MethodDef, args: Value[]): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('../natives/platform/system') as { enqueueFuture?: (rt: Runtime, run: () => void) => void };
    if (!mod.enqueueFuture)
      throw new UnsupportedError('@future methods (natives/platform has no enqueueFuture)', this.currentPos());
    const copies = args.map((a) => a);
    mod.enqueueFuture(this, () => {
      const frame = this.newFrame(m, null, copies);
      this.withFrame(frame, () => this.execBlock(m.body!, frame));
    });
  }

  /** Scores how well a runtime value fits a parameter type: 3 exact, 2 subtype/widening, 1 null, 0 no fit. */
  private fit(v: Value, type: TypeRef): number {
    if (v === null) return NUMERIC_RANK[type.name] || type.name === 'Boolean' ? 1 : 1;
    const vt = valueType(v);
    if (vt.name.toLowerCase() === type.name.toLowerCase()) return 3;
    if (type.name === 'Object') return 1;
    if (type.name === 'Id' && typeof v === 'string') return to18(v) ? 2 : 0;
    const vr = numRank(v);
    const tr = NUMERIC_RANK[type.name];
    if (vr && tr) return vr <= tr ? 2 : 0;
    return this.isInstance(v, type) ? 2 : this.knownType(type) ? 0 : 1;
  }

  private pickMethod(candidates: MethodDef[], args: Value[], name: string, quiet = false): MethodDef {
    const sameArity = candidates.filter((m) => m.params.length === args.length);
    if (sameArity.length === 1) return sameArity[0];
    let best: MethodDef | undefined;
    let bestScore = -1;
    for (const m of sameArity) {
      let score = 0;
      let ok = true;
      m.params.forEach((p, i) => {
        const f = this.fit(args[i], this.resolveWritten(p.type, m.cls));
        if (f === 0) ok = false;
        score += f;
      });
      if (ok && score > bestScore) {
        best = m;
        bestScore = score;
      }
    }
    if (best) return best;
    if (quiet && sameArity.length === 0) return undefined as unknown as MethodDef;
    this.throwApex(
      'System.TypeException',
      `Method does not exist or incorrect signature: ${name}(${args.length} arguments)`
    );
  }

  /** Finds the most derived implementation (virtual dispatch) of a method for the arguments. */
  private findVirtual(cls: ClassDef, lower: string, args: Value[]): MethodDef | undefined {
    for (let c: ClassDef | undefined = cls; c; c = c.superClass) {
      const list = (c.methods.get(lower) ?? []).filter((m) => m.params.length === args.length && m.body);
      if (list.length) return this.pickMethod(list, args, lower);
    }
    return undefined;
  }

  callMethod(target: Value, name: string, args: Value[]): Value {
    return this.callOn(target, name, args, false);
  }

  hasMethod(target: Value, name: string, arity: number): boolean {
    const lower = name.toLowerCase();
    if (target instanceof ApexObject) {
      if (
        C(target)
          .findMethods(lower)
          .some((m) => m.params.length === arity && m.body)
      )
        return true;
      return !!this.nativeOf(target)?.methods?.[lower];
    }
    return !!this.nativeForValue(target)?.methods?.[lower];
  }

  private callOn(target: Value, name: string, args: Value[], safe: boolean): Value {
    if (target === null) {
      if (safe) return null;
      this.npe();
    }
    const lower = name.toLowerCase();
    if (target instanceof ApexObject) {
      const m = this.findVirtual(C(target), lower, args);
      if (m) return m.isStatic ? this.invoke(m, null, args) : this.invoke(m, target, args);
      if (C(target).isException) {
        const r = this.exceptionMethod(target, lower, args);
        if (r) return r.v;
      }
      const native = this.nativeOf(target);
      const fn = native?.methods?.[lower];
      if (fn) return fn(this, args, target);
      return this.objectMethod(target, lower, args);
    }
    if (target instanceof ApexEnumValue) {
      if (lower === 'name') return target.name;
      if (lower === 'ordinal') return target.ordinal;
      if (lower === 'equals') return this.equals(target, args[0]);
      if (lower === 'hashcode') return this.hashOf(target.enumType + '.' + target.name);
      if (lower === 'tostring') return target.name;
      throw new UnsupportedError(`enum method ${name}`, this.currentPos());
    }
    const nc = this.nativeForValue(target);
    const fn = nc?.methods?.[lower];
    if (!fn)
      throw new UnsupportedError(
        `${typeToString(valueType(target))}.${name}(${args.length} arguments)`,
        this.currentPos()
      );
    this.step();
    return fn(this, args, target);
  }

  /** Methods every object has: equals, hashCode, toString. */
  private objectMethod(obj: ApexObject, lower: string, args: Value[]): Value {
    if (lower === 'equals') return obj === args[0];
    if (lower === 'hashcode') return this.identityOf(obj);
    if (lower === 'tostring') return this.stringify(obj);
    throw new UnsupportedError(`method ${obj.cls.name}.${lower}(${args.length} arguments)`, this.currentPos());
  }

  private identityOf(o: object): number {
    let id = this.identity.get(o);
    if (!id) {
      id = this.nextIdentity++;
      this.identity.set(o, id);
    }
    return id;
  }

  private hashOf(text: string): number {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
    return h;
  }

  newInstance(type: TypeRef, args: Value[]): Value {
    const cls = this.findClass(type.name);
    if (cls) return this.construct(cls, args);
    const ex = this.exceptionClass(type.name);
    if (ex) {
      const obj = new ApexObject(ex);
      obj.native = { message: null, stack: this.stackTrace() };
      this.exceptionConstructor(obj, args);
      return obj;
    }
    if (['List', 'Set', 'Map'].includes(type.name)) return this.newCollection(type, args);
    const sobject = this.org.objectName(type.name);
    if (sobject) return this.org.newSObject(this, sobject, []);
    const nc = this.natives.find(type.name);
    if (nc?.construct) return nc.construct(this, args, type.args);
    throw new UnsupportedError(`new ${typeToString(type)}`, this.currentPos());
  }

  private newCollection(type: TypeRef, args: Value[]): Value {
    const nc = this.natives.find(type.name);
    if (args.length && nc?.construct) return nc.construct(this, args, type.args);
    if (args.length)
      throw new UnsupportedError(`new ${type.name}(...) without the ${type.name} native`, this.currentPos());
    const any = T_OBJECT;
    if (type.name === 'List') return new ApexList(type.args[0] ?? any, []);
    if (type.name === 'Set') return new ApexSet(type.args[0] ?? any);
    return new ApexMap(type.args[0] ?? any, type.args[1] ?? any);
  }

  // ---------------------------------------------------------------- equality, keys, rendering

  equals(a: Value, b: Value): boolean {
    if (a === b) return true;
    if (a === null || b === null) return false;
    if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
    if (isNumber(a) && isNumber(b)) return numCompare(a, b) === 0;
    if (typeof a !== 'object' || typeof b !== 'object') return false;
    if (a instanceof ApexObject) {
      if (this.findVirtual(C(a), 'equals', [b])) return this.callMethod(a, 'equals', [b]) === true;
      return false;
    }
    if (a.constructor !== b.constructor) return false;
    if (a instanceof ApexList) {
      const y = (b as ApexList).items;
      return a.items.length === y.length && a.items.every((x, i) => this.equals(x, y[i]));
    }
    if (a instanceof ApexSet) {
      const y = b as ApexSet;
      return a.entries.size === y.entries.size && [...a.entries.keys()].every((k) => y.entries.has(k));
    }
    if (a instanceof ApexMap) {
      const y = b as ApexMap;
      if (a.entries.size !== y.entries.size) return false;
      for (const [k, [, v]] of a.entries) {
        const other = y.entries.get(k);
        if (!other || !this.equals(v, other[1])) return false;
      }
      return true;
    }
    if (a instanceof ApexSObject) {
      const y = b as ApexSObject;
      if (a.type.toLowerCase() !== y.type.toLowerCase() || a.fields.size !== y.fields.size) return false;
      for (const [k, f] of a.fields) {
        const o = y.fields.get(k);
        if (!o || !this.equals(f.value, o.value)) return false;
      }
      return true;
    }
    if (a instanceof ApexEnumValue) {
      const y = b as ApexEnumValue;
      return a.enumType.toLowerCase() === y.enumType.toLowerCase() && a.name === y.name;
    }
    if (a instanceof ApexTypeToken)
      return typeToString(a.type).toLowerCase() === typeToString((b as ApexTypeToken).type).toLowerCase();
    if (a instanceof NativeObject) {
      const eq = this.natives.find(a.typeName)?.methods?.equals;
      return eq ? eq(this, [b], a) === true : false;
    }
    const ka = this.key(a);
    return ka === this.key(b) && !ka.startsWith('#');
  }

  key(value: Value): string {
    if (value === null) return 'null';
    if (typeof value === 'string') return `s:${value}`;
    if (typeof value === 'boolean') return `b:${value}`;
    if (isNumber(value)) return `n:${renderValue(widen(value, 4), () => '')}`;
    if (value instanceof ApexObject) {
      if (this.findVirtual(C(value), 'hashcode', []) && this.findVirtual(C(value), 'equals', [value])) {
        return `h:${value.cls.name}:${this.stringify(this.callMethod(value, 'hashCode', []))}`;
      }
      return `#${this.identityOf(value)}`;
    }
    if (value instanceof NativeObject) {
      // Value-like platform objects (SObjectType and SObjectField tokens) are equal by their data.
      if (this.natives.find(value.typeName)?.methods?.equals)
        return `x:${value.typeName}:${JSON.stringify(value.data)}`;
      return `#${this.identityOf(value)}`;
    }
    if (value instanceof ApexList) return `l:(${value.items.map((v) => this.key(v)).join(',')})`;
    if (value instanceof ApexSet) return `e:{${[...value.entries.keys()].sort().join(',')}}`;
    if (value instanceof ApexMap)
      return `m:{${[...value.entries.entries()]
        .map(([k, [, v]]) => `${k}=${this.key(v)}`)
        .sort()
        .join(',')}}`;
    if (value instanceof ApexSObject) {
      const parts = [...value.fields.entries()].map(([k, f]) => `${k}=${this.key(f.value)}`).sort();
      return `o:${value.type.toLowerCase()}{${parts.join(',')}}`;
    }
    if (value instanceof ApexEnumValue) return `u:${value.enumType.toLowerCase()}.${value.name}`;
    return `v:${renderValue(value, () => '')}:${valueType(value).name}`;
  }

  stringify(value: Value): string {
    return renderValue(value, (v) => this.objectText(v));
  }

  private objectText(v: Value): string {
    if (v instanceof ApexObject) {
      if (this.findVirtual(C(v), 'tostring', [])) return this.stringify(this.callMethod(v, 'toString', []));
      if (C(v).isException) return `${exceptionTypeName(C(v))}: ${this.messageOf(v)}`;
      const parts = this.instanceFields(typeRef(v.cls.name)).map(
        (f) => `${f.name}=${this.stringify(v.fields.get(f.name.toLowerCase()) ?? null)}`
      );
      return `${v.cls.name}:[${parts.join(', ')}]`;
    }
    if (v instanceof NativeObject) {
      const nc = this.natives.find(v.typeName);
      const fn = nc?.methods?.tostring;
      return fn ? this.stringify(fn(this, [], v)) : v.typeName;
    }
    return typeToString(valueType(v));
  }

  /** An exception's message, or the platform's text for one thrown without a message. */
  private messageOf(ex: ApexObject): string {
    const m = ex.native.message as Value | undefined;
    return m === null || m === undefined ? 'Script-thrown exception' : this.stringify(m);
  }

  compare(a: Value, b: Value): number {
    if (a === null && b === null) return 0;
    if (a === null) return -1;
    if (b === null) return 1;
    if (isNumber(a) && isNumber(b)) return numCompare(a, b);
    if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
    if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
    if (a instanceof ApexEnumValue && b instanceof ApexEnumValue) return a.ordinal - b.ordinal;
    if (a instanceof ApexObject) return this.callMethod(a, 'compareTo', [b]) as number;
    const ka = this.orderKey(a);
    const kb = this.orderKey(b);
    if (ka !== undefined && kb !== undefined) return ka < kb ? -1 : ka > kb ? 1 : 0;
    throw new UnsupportedError(`ordering of ${typeToString(valueType(a))}`, this.currentPos());
  }

  private orderKey(v: Value): number | undefined {
    if (v instanceof ApexSObject) return undefined;
    const t = valueType(v).name;
    if (t === 'Date') {
      const d = v as unknown as { year: number; month: number; day: number };
      return Date.UTC(d.year, d.month - 1, d.day);
    }
    if (t === 'Datetime' || t === 'Time') return (v as unknown as { ms: number }).ms;
    return undefined;
  }

  // ---------------------------------------------------------------- transactions

  inNewTransaction(isAsync: boolean, fn: () => void): void {
    const saved = this.ctx;
    const next = new ExecContext();
    next.inTest = saved.inTest;
    next.isAsync = isAsync;
    if (isAsync) next.limitSet = { ...ASYNC_LIMITS };
    next.slots = saved.slots;
    this.ctx = next;
    const start = this.org.savepoint();
    let failed = false;
    try {
      fn();
      this.org.commit();
    } catch (error) {
      // An unhandled exception (a limit too) rolls the transaction back: its DML, and the jobs it queued, never
      // happened (Apex Developer Guide, "Triggers and Order of Execution"; "Transaction Finalizers").
      failed = true;
      this.org.rollback(start);
      throw error;
    } finally {
      // Work queued by the job stays visible to the caller (Test.stopTest drains it).
      if (!failed) saved.asyncQueue.push(...next.asyncQueue.filter((j) => !saved.asyncQueue.includes(j)));
      saved.eventBus.push(...next.eventBus.filter((e) => !saved.eventBus.includes(e)));
      this.ctx = saved;
      (next.slots.transactionEnded as ((ctx: ExecContext) => void) | undefined)?.(next);
    }
  }

  runAs(userId: string, fn: () => void): void {
    const savedUser = this.runningUserId;
    const savedSetup = this.ctx.setupDml;
    const savedNonSetup = this.ctx.nonSetupDml;
    this.runningUserId = userId;
    this.ctx.setupDml = new Set();
    this.ctx.nonSetupDml = new Set();
    try {
      fn();
    } finally {
      this.runningUserId = savedUser;
      this.ctx.setupDml = savedSetup;
      this.ctx.nonSetupDml = savedNonSetup;
    }
  }

  evaluateBind(expression: string): Value {
    const frame = this.frames.at(-1);
    if (!frame) throw new InterpreterError(`bind :${expression} outside Apex code`);
    const parser = ApexParserFactory.createParser(expression, true);
    const expr = parser.expression();
    return this.evalExpr(expr, frame);
  }

  // ---------------------------------------------------------------- triggers

  private fireTriggers(
    event: TriggerEvent,
    object: string,
    newList: ApexSObject[] | null,
    oldList: ApexSObject[] | null
  ): void {
    for (const t of this.triggers) {
      if (t.trigger!.object.toLowerCase() !== object.toLowerCase() || !t.trigger!.events.includes(event)) continue;
      // A platform event trigger runs as its subscriber user, not as the publisher.
      const publisher = this.runningUserId;
      if (object.toLowerCase().endsWith('__e')) this.runningUserId = this.org.eventTriggerUserId(t.name);
      this.triggerStack.push({ event, newList, oldList, object });
      const frame: Frame = { cls: t, self: null, scope: new Scope(), method: 'trigger', file: t.file, line: t.line };
      try {
        this.withFrame(frame, () => {
          for (const member of t.trigger!.body.triggerBlockMember_list()) {
            const s = member.statement();
            if (!s) continue;
            const c = this.execStatement(s, frame);
            if (c && c.k === 'return') break;
          }
        });
      } finally {
        this.triggerStack.pop();
        this.runningUserId = publisher;
      }
    }
  }

  private triggerProp(name: string): Value {
    const t = this.triggerStack.at(-1);
    const lower = name.toLowerCase();
    if (lower === 'isexecuting') return !!t;
    if (!t) return lower.startsWith('is') ? false : null;
    const [when, op] = t.event.split(' ');
    const list = (rows: ApexSObject[] | null): Value => (rows ? new ApexList(typeRef(t.object), rows) : null);
    const map = (rows: ApexSObject[] | null): Value => {
      if (!rows) return null;
      const m = new ApexMap(typeRef('Id'), typeRef(t.object));
      for (const r of rows) {
        const id = r.get('Id') ?? null;
        m.entries.set(this.key(id), [id, r]);
      }
      return m;
    };
    switch (lower) {
      case 'new':
        return op === 'delete' ? null : list(t.newList);
      case 'old':
        return op === 'insert' || op === 'undelete' ? null : list(t.oldList);
      case 'newmap':
        return op === 'delete' || t.event === 'before insert' ? null : map(t.newList);
      case 'oldmap':
        return op === 'insert' || op === 'undelete' ? null : map(t.oldList);
      case 'isbefore':
        return when === 'before';
      case 'isafter':
        return when === 'after';
      case 'isinsert':
        return op === 'insert';
      case 'isupdate':
        return op === 'update';
      case 'isdelete':
        return op === 'delete';
      case 'isundelete':
        return op === 'undelete';
      case 'size':
        return (t.newList ?? t.oldList ?? []).length;
      case 'operationtype': {
        const label = `${when.toUpperCase()}_${op.toUpperCase()}`;
        const nc = this.natives.find('TriggerOperation');
        const ordinal = nc?.enumValues?.indexOf(label) ?? -1;
        return new ApexEnumValue('System.TriggerOperation', label, ordinal);
      }
      default:
        throw new UnsupportedError(`Trigger.${name}`, this.currentPos());
    }
  }

  // ---------------------------------------------------------------- statements

  private execBlock(block: P.BlockContext, frame: Frame): Completion {
    const saved = frame.scope;
    frame.scope = new Scope(saved);
    try {
      for (const s of block.statement_list()) {
        const c = this.execStatement(s, frame);
        if (c) return c;
      }
      return undefined;
    } finally {
      frame.scope = saved;
    }
  }

  private execStatement(s: P.StatementContext, frame: Frame): Completion {
    const inner = s.getChild(0);
    if (inner instanceof P.BlockContext) return this.execBlock(inner, frame);
    frame.line = lineOf(s);
    this.coverage?.hit(frame.file, frame.line);
    this.step();
    if (inner instanceof P.ExpressionStatementContext) {
      this.evalExpr(inner.expression(), frame);
      return undefined;
    }
    if (inner instanceof P.LocalVariableDeclarationStatementContext) {
      this.declareLocals(inner.localVariableDeclaration(), frame);
      return undefined;
    }
    if (inner instanceof P.IfStatementContext) {
      const stmts = inner.statement_list();
      if (this.truthy(this.evalExpr(inner.parExpression().expression(), frame)))
        return this.execStatement(stmts[0], frame);
      return stmts[1] ? this.execStatement(stmts[1], frame) : undefined;
    }
    if (inner instanceof P.ReturnStatementContext) {
      const e = inner.expression();
      return { k: 'return', v: e ? this.evalExpr(e, frame) : null };
    }
    if (inner instanceof P.ForStatementContext) return this.execFor(inner, frame);
    if (inner instanceof P.WhileStatementContext) {
      for (;;) {
        if (!this.truthy(this.evalExpr(inner.parExpression().expression(), frame))) return undefined;
        this.step();
        const c = this.execStatement(inner.statement(), frame);
        if (c === BREAK) return undefined;
        if (c && c !== CONTINUE) return c;
      }
    }
    if (inner instanceof P.DoWhileStatementContext) {
      for (;;) {
        this.step();
        const c = this.execBlock(inner.block(), frame);
        if (c === BREAK) return undefined;
        if (c && c !== CONTINUE) return c;
        if (!this.truthy(this.evalExpr(inner.parExpression().expression(), frame))) return undefined;
      }
    }
    if (inner instanceof P.ThrowStatementContext) {
      const ex = this.evalExpr(inner.expression(), frame);
      if (ex === null) this.npe();
      if (!(ex instanceof ApexObject) || !C(ex).isException) throw new InterpreterError('throw of a non-exception');
      ex.native.stack = this.stackTrace();
      ex.native.line = frame.line;
      throw new ApexThrow(ex, `${exceptionTypeName(C(ex))}: ${this.messageOf(ex)}`);
    }
    if (inner instanceof P.TryStatementContext) return this.execTry(inner, frame);
    if (inner instanceof P.BreakStatementContext) return BREAK;
    if (inner instanceof P.ContinueStatementContext) return CONTINUE;
    if (inner instanceof P.SwitchStatementContext) return this.execSwitch(inner, frame);
    if (inner instanceof P.InsertStatementContext) return this.execDml('insert', inner, frame);
    if (inner instanceof P.UpdateStatementContext) return this.execDml('update', inner, frame);
    if (inner instanceof P.DeleteStatementContext) return this.execDml('delete', inner, frame);
    if (inner instanceof P.UndeleteStatementContext) return this.execDml('undelete', inner, frame);
    if (inner instanceof P.UpsertStatementContext) return this.execDml('upsert', inner, frame);
    if (inner instanceof P.RunAsStatementContext) {
      const args = this.evalArgs(inner.expressionList() ?? undefined, frame);
      const user = args[0];
      let id: Value = null;
      if (user instanceof ApexSObject) id = user.get('Id') ?? null;
      else if (typeof user === 'string') id = user;
      if (user instanceof ApexSObject && typeof id !== 'string')
        throw new UnsupportedError(
          'System.runAs with a User that was not inserted (the platform runs as it; the local org needs its Id)',
          this.currentPos()
        );
      if (typeof id !== 'string')
        this.throwApex('System.NullPointerException', 'System.runAs requires a user with an Id');
      let result: Completion;
      this.runAs(id, () => {
        result = this.execBlock(inner.block(), frame);
      });
      return result!;
    }
    if (inner instanceof P.MergeStatementContext) throw new UnsupportedError('merge statement', this.currentPos());
    throw new UnsupportedError(`statement ${s.getText().slice(0, 40)}`, this.currentPos());
  }

  private declareLocals(decl: P.LocalVariableDeclarationContext, frame: Frame): void {
    const w = this.writtenOf(decl.typeRef());
    const type = this.resolveWritten(w, frame.cls);
    for (const v of decl.variableDeclarators().variableDeclarator_list()) {
      const init = v.expression();
      const value = init ? this.coerce(this.evalExpr(init, frame), type) : null;
      frame.scope.vars.set(v.id().getText().toLowerCase(), { value, type });
    }
  }

  private readonly writtenCache = new WeakMap<P.TypeRefContext, WrittenType>();
  private writtenOf(ctx: P.TypeRefContext): WrittenType {
    let w = this.writtenCache.get(ctx);
    if (!w) {
      w = writtenType(ctx);
      this.writtenCache.set(ctx, w);
    }
    return w;
  }

  private typeOfCtx(ctx: P.TypeRefContext, frame: Frame): TypeRef {
    return this.resolveWritten(this.writtenOf(ctx), frame.cls);
  }

  private execFor(s: P.ForStatementContext, frame: Frame): Completion {
    const control = s.forControl();
    const saved = frame.scope;
    frame.scope = new Scope(saved);
    try {
      const enhanced = control.enhancedForControl();
      if (enhanced) {
        const type = this.typeOfCtx(enhanced.typeRef(), frame);
        const source = this.evalExpr(enhanced.expression(), frame);
        if (source === null) this.npe();
        let items: Value[];
        if (source instanceof ApexList) items = [...source.items];
        else if (source instanceof ApexSet) items = [...source.entries.values()];
        else throw new UnsupportedError(`for loop over ${typeToString(valueType(source))}`, this.currentPos());
        // SOQL for loop with a List variable: batches of 200 (Apex Developer Guide, "SOQL For Loops").
        if (type.name === 'List' && enhanced.expression().getText().startsWith('[')) {
          const batches: Value[] = [];
          for (let i = 0; i < items.length; i += 200)
            batches.push(new ApexList(type.args[0] ?? T_OBJECT, items.slice(i, i + 200)));
          items = batches;
        }
        const name = enhanced.id().getText().toLowerCase();
        for (const item of items) {
          frame.scope.vars.set(name, { value: this.coerce(item, type), type });
          this.step();
          const c = this.execStatement(s.statement(), frame);
          if (c === BREAK) break;
          if (c && c !== CONTINUE) return c;
        }
        return undefined;
      }
      const init = control.forInit();
      if (init?.localVariableDeclaration()) this.declareLocals(init.localVariableDeclaration(), frame);
      else if (init?.expressionList()) this.evalArgs(init.expressionList(), frame);
      const cond = control.expression();
      const update = control.forUpdate();
      for (;;) {
        if (cond && !this.truthy(this.evalExpr(cond, frame))) break;
        this.step();
        const c = this.execStatement(s.statement(), frame);
        if (c === BREAK) break;
        if (c && c !== CONTINUE) return c;
        if (update) this.evalArgs(update.expressionList(), frame);
      }
      return undefined;
    } finally {
      frame.scope = saved;
    }
  }

  private execTry(s: P.TryStatementContext, frame: Frame): Completion {
    const runFinally = (): Completion => {
      const fin = s.finallyBlock();
      return fin ? this.execBlock(fin.block(), frame) : undefined;
    };
    let result: Completion;
    try {
      result = this.execBlock(s.block(), frame);
    } catch (error) {
      if (!(error instanceof ApexThrow)) {
        runFinallyQuiet();
        throw error;
      }
      const clause = s.catchClause_list().find((c) => this.catchMatches(c, error.exception, frame));
      if (!clause) {
        const f = runFinally();
        if (f) return f;
        throw error;
      }
      const saved = frame.scope;
      frame.scope = new Scope(saved);
      frame.scope.vars.set(clause.id().getText().toLowerCase(), {
        value: error.exception,
        type: typeRef(error.exception.cls.name)
      });
      try {
        result = this.execBlock(clause.block(), frame);
      } catch (inner) {
        frame.scope = saved;
        const f = runFinally();
        if (f) return f;
        throw inner;
      }
      frame.scope = saved;
    }
    const f = runFinally();
    return f ?? result;

    function runFinallyQuiet(): void {
      // Limit, timeout and interpreter errors end the test: finally blocks do not run for them.
    }
  }

  private catchMatches(c: P.CatchClauseContext, ex: ApexObject, frame: Frame): boolean {
    // "Assertion failures (System.AssertException) can't be caught" (Apex Reference, Assert Class).
    if (C(ex).name === 'System.AssertException') return false;
    const name = c.qualifiedName().getText();
    const cls = this.findClass(name, frame.cls) ?? this.exceptionClass(name);
    if (!cls) throw new UnsupportedError(`catch of unknown exception type ${name}`, this.currentPos());
    return ex.cls.isSubtypeOf(cls.name);
  }

  private execSwitch(s: P.SwitchStatementContext, frame: Frame): Completion {
    const value = this.evalExpr(s.expression(), frame);
    for (const when of s.whenControl_list()) {
      const wv = when.whenValue();
      if (wv.ELSE()) return this.execBlock(when.block(), frame);
      const typeCtx = wv.typeRef();
      if (typeCtx) {
        const type = this.typeOfCtx(typeCtx, frame);
        if (this.isInstance(value, type)) {
          const saved = frame.scope;
          frame.scope = new Scope(saved);
          frame.scope.vars.set(wv.id().getText().toLowerCase(), { value, type });
          try {
            return this.execBlock(when.block(), frame);
          } finally {
            frame.scope = saved;
          }
        }
        continue;
      }
      for (const lit of wv.whenLiteral_list()) {
        if (this.whenMatches(lit, value)) return this.execBlock(when.block(), frame);
      }
    }
    return undefined;
  }

  private whenMatches(lit: P.WhenLiteralContext, value: Value): boolean {
    if (lit.whenLiteral()) return this.whenMatches(lit.whenLiteral(), value);
    if (lit.NULL()) return value === null;
    if (lit.StringLiteral()) return value === stringLiteral(lit.StringLiteral().getText());
    if (lit.IntegerLiteral() || lit.LongLiteral()) {
      const text = (lit.IntegerLiteral() ?? lit.LongLiteral()).getText().replace(/[lL]$/, '');
      const n = BigInt(text) * (lit.SUB_list().length % 2 ? -1n : 1n);
      return isNumber(value) && toBig(value) === n && numRank(value) <= 2;
    }
    const q = lit.qualifiedName();
    if (q && value instanceof ApexEnumValue)
      return value.name.toLowerCase() === q.getText().split('.').pop()!.toLowerCase();
    return false;
  }

  private execDml(
    op: 'insert' | 'update' | 'delete' | 'undelete' | 'upsert',
    s:
      | P.InsertStatementContext
      | P.UpdateStatementContext
      | P.DeleteStatementContext
      | P.UndeleteStatementContext
      | P.UpsertStatementContext,
    frame: Frame
  ): Completion {
    const v = this.evalExpr(s.expression(), frame);
    if (v === null) this.npe();
    let records: ApexSObject[];
    if (v instanceof ApexSObject) records = [v];
    else if (v instanceof ApexList) {
      records = v.items.map((r) => {
        if (!(r instanceof ApexSObject)) this.npe();
        return r;
      });
    } else throw new InterpreterError(`DML on ${typeToString(valueType(v))}`);
    let externalIdField: string | undefined;
    if (s instanceof P.UpsertStatementContext && s.qualifiedName()) {
      externalIdField = s.qualifiedName().getText().split('.').pop();
    }
    this.org.dml(this, op, records, { allOrNone: true, externalIdField, pos: this.currentPos() });
    return undefined;
  }

  // ---------------------------------------------------------------- expressions

  private truthy(v: Value): boolean {
    if (v === null) this.npe();
    if (typeof v !== 'boolean') throw new InterpreterError(`condition is not a Boolean: ${this.stringify(v)}`);
    return v;
  }

  private evalArgs(list: P.ExpressionListContext | undefined, frame: Frame): Value[] {
    return list ? list.expression_list().map((e) => this.evalExpr(e, frame)) : [];
  }

  private evalExpr(e: P.ExpressionContext, frame: Frame): Value {
    if (e instanceof P.PrimaryExpressionContext) return this.evalPrimary(e.primary(), frame);
    if (e instanceof P.DotExpressionContext) return this.evalDot(e, frame);
    if (e instanceof P.MethodCallExpressionContext) return this.evalCall(e.methodCall(), frame);
    if (e instanceof P.AssignExpressionContext) return this.evalAssign(e, frame);
    if (e instanceof P.EqualityExpressionContext) {
      const [l, r] = e.expression_list();
      const a = this.evalExpr(l, frame);
      const b = this.evalExpr(r, frame);
      if (e.TRIPLEEQUAL()) return this.same(a, b);
      if (e.TRIPLENOTEQUAL()) return !this.same(a, b);
      const eq = this.equals(a, b);
      return e.EQUAL() ? eq : !eq;
    }
    if (e instanceof P.LogAndExpressionContext) {
      const [l, r] = e.expression_list();
      return this.truthy(this.evalExpr(l, frame)) && this.truthy(this.evalExpr(r, frame));
    }
    if (e instanceof P.LogOrExpressionContext) {
      const [l, r] = e.expression_list();
      return this.truthy(this.evalExpr(l, frame)) || this.truthy(this.evalExpr(r, frame));
    }
    if (e instanceof P.NegExpressionContext) {
      const v = this.evalExpr(e.expression(), frame);
      if (e.BANG()) return !this.truthy(v);
      if (v === null) this.npe();
      if (typeof v === 'number') return ~v;
      if (v instanceof ApexLong) return new ApexLong(~v.v);
      throw new InterpreterError('~ on a non-integer');
    }
    if (e instanceof P.NewExpressionContext) return this.evalNew(e.creator(), frame);
    if (e instanceof P.Arth1ExpressionContext || e instanceof P.Arth2ExpressionContext) {
      const [l, r] = e.expression_list();
      const op = e.getChild(1).getText() as ArithOp;
      return this.binary(op, this.evalExpr(l, frame), this.evalExpr(r, frame));
    }
    if (e instanceof P.CmpExpressionContext) {
      const [l, r] = e.expression_list();
      const op = (e.GT() ? '>' : '<') + (e.ASSIGN() ? '=' : '');
      return this.relational(op, this.evalExpr(l, frame), this.evalExpr(r, frame));
    }
    if (e instanceof P.CondExpressionContext) {
      const [c, a, b] = e.expression_list();
      return this.truthy(this.evalExpr(c, frame)) ? this.evalExpr(a, frame) : this.evalExpr(b, frame);
    }
    if (e instanceof P.CoalExpressionContext) {
      const [a, b] = e.expression_list();
      const v = this.evalExpr(a, frame);
      return v !== null ? v : this.evalExpr(b, frame);
    }
    if (e instanceof P.SubExpressionContext) return this.evalExpr(e.expression(), frame);
    if (e instanceof P.ArrayExpressionContext) {
      const [l, r] = e.expression_list();
      return this.index(this.evalExpr(l, frame), this.evalExpr(r, frame));
    }
    if (e instanceof P.CastExpressionContext) {
      return this.cast(this.evalExpr(e.expression(), frame), this.typeOfCtx(e.typeRef(), frame));
    }
    if (e instanceof P.InstanceOfExpressionContext) {
      const type = this.typeOfCtx(e.typeRef(), frame);
      if (!this.knownType(type))
        throw new UnsupportedError(`instanceof unknown type ${typeToString(type)}`, this.currentPos());
      return this.isInstance(this.evalExpr(e.expression(), frame), type);
    }
    if (e instanceof P.PostOpExpressionContext || e instanceof P.PreOpExpressionContext)
      return this.evalIncDec(e, frame);
    if (
      e instanceof P.BitAndExpressionContext ||
      e instanceof P.BitOrExpressionContext ||
      e instanceof P.BitNotExpressionContext
    ) {
      const [l, r] = e.expression_list();
      const a = this.evalExpr(l, frame);
      const b = this.evalExpr(r, frame);
      const op = e instanceof P.BitAndExpressionContext ? '&' : e instanceof P.BitOrExpressionContext ? '|' : '^';
      return this.bitwise(op, a, b);
    }
    if (e instanceof P.BitExpressionContext) {
      const [l, r] = e.expression_list();
      const op = e.LT_list().length ? '<<' : e.GT_list().length === 3 ? '>>>' : '>>';
      return this.bitwise(op, this.evalExpr(l, frame), this.evalExpr(r, frame));
    }
    throw new UnsupportedError(`expression ${e.getText().slice(0, 60)}`, this.currentPos());
  }

  private same(a: Value, b: Value): boolean {
    if (typeof a === 'string' && typeof b === 'string') return a === b;
    if (isNumber(a) && isNumber(b)) return numCompare(a, b) === 0;
    return a === b;
  }

  private bitwise(op: string, a: Value, b: Value): Value {
    if (a === null || b === null) this.npe();
    if (typeof a === 'boolean' && typeof b === 'boolean') {
      if (op === '&') return a && b;
      if (op === '|') return a || b;
      if (op === '^') return a !== b;
    }
    if (typeof a === 'number' && typeof b === 'number') {
      switch (op) {
        case '&':
          return a & b;
        case '|':
          return a | b;
        case '^':
          return a ^ b;
        case '<<':
          return a << b;
        case '>>':
          return a >> b;
        default:
          return (a >>> b) | 0;
      }
    }
    const x = toBig(a);
    const y = toBig(b);
    const r = (v: bigint): Value =>
      typeof a === 'number' ? Number(BigInt.asIntN(32, v)) : new ApexLong(BigInt.asIntN(64, v));
    switch (op) {
      case '&':
        return r(x & y);
      case '|':
        return r(x | y);
      case '^':
        return r(x ^ y);
      case '<<':
        return r(x << (y & 63n));
      case '>>':
        return r(x >> (y & 63n));
      default:
        return r(BigInt.asUintN(64, x) >> (y & 63n));
    }
  }

  private binary(op: ArithOp, a: Value, b: Value): Value {
    if (op === '+' && (typeof a === 'string' || typeof b === 'string')) return this.stringify(a) + this.stringify(b);
    if (a === null || b === null) this.npe();
    if (isNumber(a) && isNumber(b)) return arith(op, a, b, () => this.throwApex('System.MathException', 'Divide by 0'));
    const dateResult = this.dateArith(op, a, b);
    if (dateResult !== undefined) return dateResult;
    throw new UnsupportedError(`${typeToString(valueType(a))} ${op} ${typeToString(valueType(b))}`, this.currentPos());
  }

  /** Date + Integer (days), Datetime + number (days, fractional allowed), Time + Integer (milliseconds? no: unsupported). */
  private dateArith(op: ArithOp, a: Value, b: Value): Value | undefined {
    if ((op !== '+' && op !== '-') || !isNumber(b)) return undefined;
    const nc = this.nativeForValue(a);
    const t = valueType(a).name;
    if (t === 'Date' || t === 'Datetime') {
      const fn = nc?.methods?.adddays;
      if (!fn) return undefined;
      const days = op === '+' ? b : negate(b);
      return fn(this, [typeof days === 'number' ? days : Number(toBig(days))], a);
    }
    return undefined;
  }

  private relational(op: string, a: Value, b: Value): boolean {
    if (a === null || b === null) {
      // A non-null String or Id is greater than null; numbers and dates compared with null are false.
      if (typeof a === 'string' || typeof b === 'string') {
        const c = a === null ? (b === null ? 0 : -1) : 1;
        return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
      }
      return false;
    }
    let c: number;
    if (typeof a === 'string' && typeof b === 'string') {
      const x = a.toLowerCase();
      const y = b.toLowerCase();
      c = x < y ? -1 : x > y ? 1 : 0;
    } else c = this.compare(a, b);
    return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
  }

  private index(target: Value, i: Value): Value {
    if (target === null || i === null) this.npe();
    if (target instanceof ApexList) {
      const n = i as number;
      if (n < 0 || n >= target.items.length) this.throwApex('System.ListException', `List index out of bounds: ${n}`);
      return target.items[n];
    }
    throw new UnsupportedError(`[] on ${typeToString(valueType(target))}`, this.currentPos());
  }

  private evalLiteral(lit: P.LiteralContext): Value {
    if (lit.StringLiteral()) return stringLiteral(lit.StringLiteral().getText());
    if (lit.IntegerLiteral()) {
      const n = Number(lit.IntegerLiteral().getText());
      if (n > 2147483648) throw new InterpreterError(`Integer literal out of range: ${n}`);
      return n | 0;
    }
    if (lit.NULL()) return null;
    if (lit.BooleanLiteral()) return lit.BooleanLiteral().getText().toLowerCase() === 'true';
    if (lit.LongLiteral()) return new ApexLong(BigInt(lit.LongLiteral().getText().replace(/[lL]$/, '')));
    if (lit.NumberLiteral()) {
      const text = lit.NumberLiteral().getText();
      if (/[dD]$/.test(text)) return new ApexDouble(Number(text.slice(0, -1)));
      return new ApexDecimal(new Decimal(text.replace(/[eE]/, 'e')));
    }
    throw new UnsupportedError(`literal ${lit.getText()}`, this.currentPos());
  }

  private evalPrimary(p: P.PrimaryContext, frame: Frame): Value {
    if (p instanceof P.IdPrimaryContext) {
      const t = this.resolveIdent(p.id().getText(), frame);
      if (t.kind === 'value') return t.v;
      throw new UnsupportedError(`name ${p.id().getText()} used as a value`, this.currentPos());
    }
    if (p instanceof P.LiteralPrimaryContext) return this.evalLiteral(p.literal());
    if (p instanceof P.ThisPrimaryContext) {
      if (!frame.self) throw new InterpreterError('this in a static context');
      return frame.self;
    }
    if (p instanceof P.SoqlPrimaryContext) return this.evalSoql(p.soqlLiteral(), frame);
    if (p instanceof P.TypeRefPrimaryContext) return new ApexTypeToken(this.typeOfCtx(p.typeRef(), frame));
    if (p instanceof P.SuperPrimaryContext) throw new UnsupportedError('super used as a value', this.currentPos());
    throw new UnsupportedError(`primary ${p.getText().slice(0, 40)}`, this.currentPos());
  }

  /** A simple name: a local, a field of this or of the class chain, or a type/namespace. */
  private resolveIdent(name: string, frame: Frame): Target {
    const lower = name.toLowerCase();
    const local = frame.scope.lookup(lower);
    if (local) return { kind: 'value', v: local.value };
    const field = this.lookupField(lower, frame);
    if (field) return { kind: 'value', v: field.read() };
    return this.resolveTypeTarget(name, frame);
  }

  private lookupField(
    lower: string,
    frame: Frame
  ): { read: () => Value; write: (v: Value) => void; type: TypeRef } | undefined {
    for (let c: ClassDef | undefined = frame.cls; c; c = c.outer) {
      const found = c.findField(lower);
      if (!found) continue;
      const { def, owner, isProperty } = found;
      const type = this.resolveWritten(def.type, owner);
      if (def.isStatic) {
        return {
          type,
          read: () => this.readStatic(owner, def, isProperty),
          write: (v) => this.writeStatic(owner, def, isProperty, this.coerce(v, type))
        };
      }
      if (c !== frame.cls || !frame.self) {
        if (c === frame.cls) throw new InterpreterError(`instance field ${def.name} from a static context`);
        continue;
      }
      const self = frame.self;
      return {
        type,
        read: () => (isProperty ? this.readProperty(def, owner, self) : (self.fields.get(lower) ?? null)),
        write: (v) => {
          const cv = this.coerce(v, type);
          if (isProperty) this.writeProperty(def, owner, self, cv);
          else self.fields.set(lower, cv);
        }
      };
    }
    return undefined;
  }

  private resolveTypeTarget(name: string, frame: Frame): Target {
    const t = this.findTypeTarget(name, frame);
    if (t) return t;
    throw new UnsupportedError(`unknown name ${name}`, this.currentPos());
  }

  /** The type or namespace a name denotes from `frame`'s class, or undefined when it names none. */
  private findTypeTarget(name: string, frame: Frame): Target | undefined {
    const lower = name.toLowerCase();
    if (lower === 'trigger') return { kind: 'trigger' };
    const cls = this.findClass(name, frame.cls);
    if (cls) return { kind: 'class', cls };
    const ex = this.exceptionClass(name);
    if (ex) return { kind: 'class', cls: ex };
    const sobject = this.org.objectName(name);
    if (sobject) return { kind: 'sobject', name: sobject };
    const nc = this.natives.find(name);
    if (nc) return { kind: 'native', nc };
    if (NAMESPACES.includes(lower) || this.natives.hasNamespace(name)) return { kind: 'ns', name };
    return undefined;
  }

  /** Evaluates an expression that may name a type or namespace (the left side of a dot). */
  private evalTarget(e: P.ExpressionContext, frame: Frame): Target {
    if (e instanceof P.PrimaryExpressionContext) {
      const p = e.primary();
      if (p instanceof P.IdPrimaryContext) return this.resolveIdent(p.id().getText(), frame);
      if (p instanceof P.SuperPrimaryContext) {
        if (!frame.self || !frame.cls.superClass) {
          if (frame.self && frame.cls.nativeSuper) return { kind: 'value', v: frame.self };
          throw new InterpreterError('super without a superclass');
        }
        return { kind: 'super', self: frame.self, cls: frame.cls.superClass };
      }
    }
    if (e instanceof P.DotExpressionContext && !e.dotMethodCall()) {
      const shadowed = this.typeShadowing(e.expression(), e.anyId().getText(), frame);
      if (shadowed) return this.memberOfTarget(shadowed, e.anyId().getText(), frame);
      const left = this.evalTarget(e.expression(), frame);
      if (left.kind !== 'value') return this.memberOfTarget(left, e.anyId().getText(), frame);
      return { kind: 'value', v: this.readMember(left.v, e.anyId().getText(), !!e.QUESTIONDOT()) };
    }
    return { kind: 'value', v: this.evalExpr(e, frame) };
  }

  /**
   * `accessLevel.USER_MODE` where a variable and a type share a name: the compiler binds the name to the type when
   * the member is a static member of that type (a null variable of that type has no such instance member).
   */
  private typeShadowing(e: P.ExpressionContext, member: string, frame: Frame, isCall = false): Target | undefined {
    if (!(e instanceof P.PrimaryExpressionContext)) return undefined;
    const p = e.primary();
    if (!(p instanceof P.IdPrimaryContext)) return undefined;
    const name = p.id().getText();
    const lower = name.toLowerCase();
    if (!frame.scope.lookup(lower) && !this.lookupField(lower, frame)) return undefined;
    const type = this.findTypeTarget(name, frame);
    if (!type) return undefined;
    const m = member.toLowerCase();
    if (type.kind === 'native') {
      const nc = type.nc;
      const isStatic = isCall
        ? !!nc.statics?.[m]
        : !!nc.staticProps?.[m] || !!nc.enumValues?.some((v) => v.toLowerCase() === m);
      return isStatic ? type : undefined;
    }
    if (type.kind === 'class') {
      const cls = type.cls;
      const isStatic = isCall
        ? cls.findMethods(m).some((x) => x.isStatic)
        : cls.enumValues.some((v) => v.toLowerCase() === m) || cls.findField(m)?.def.isStatic === true;
      return isStatic ? type : undefined;
    }
    return undefined;
  }

  /** `Type.name`: a static field, an inner class, an enum constant, a namespace member, Trigger.x... */
  private memberOfTarget(t: Target, name: string, frame: Frame): Target {
    const lower = name.toLowerCase();
    switch (t.kind) {
      case 'trigger':
        return { kind: 'value', v: this.triggerProp(name) };
      case 'class': {
        const cls = t.cls;
        if (cls.kind === 'enum') {
          const i = cls.enumValues.findIndex((v) => v.toLowerCase() === lower);
          if (i >= 0) return { kind: 'value', v: new ApexEnumValue(cls.name, cls.enumValues[i], i) };
        }
        const found = cls.findField(lower);
        if (found && found.def.isStatic)
          return { kind: 'value', v: this.readStatic(found.owner, found.def, found.isProperty) };
        const inner = this.innerOf(cls, lower);
        if (inner) return { kind: 'class', cls: inner };
        throw new UnsupportedError(`${cls.name}.${name}`, this.currentPos());
      }
      case 'native': {
        const nc = t.nc;
        if (nc.kind === 'enum' && nc.enumValues) {
          const i = nc.enumValues.findIndex((v) => v.toLowerCase() === lower);
          if (i >= 0) return { kind: 'value', v: new ApexEnumValue(this.nativeName(nc), nc.enumValues[i], i) };
        }
        const sp = nc.staticProps?.[lower];
        if (sp) return { kind: 'value', v: sp(this) };
        const dyn = nc.staticGet?.(this, name);
        if (dyn !== undefined) return { kind: 'value', v: dyn };
        const nested =
          this.natives.find(`${nc.name}.${name}`) ?? this.natives.find(`${nc.namespace}.${nc.name}.${name}`);
        if (nested) return { kind: 'native', nc: nested };
        throw new UnsupportedError(`${this.nativeName(nc)}.${name}`, this.currentPos());
      }
      case 'sobject': {
        const schema = this.natives.find('Schema.SObjectType') ?? this.natives.find('SObjectType');
        const v = schema?.staticGet?.(this, `${t.name}.${name}`);
        if (v !== undefined) return { kind: 'value', v };
        throw new UnsupportedError(`${t.name}.${name} (SObject type tokens)`, this.currentPos());
      }
      case 'ns': {
        const q = `${t.name}.${name}`;
        if (t.name.toLowerCase() === 'schema') {
          const obj = this.org.objectName(name);
          const nc = this.natives.find(q);
          if (nc) return { kind: 'native', nc };
          if (obj) return { kind: 'sobject', name: obj };
        }
        const nc = this.natives.find(q);
        if (nc) return { kind: 'native', nc };
        if (t.name.toLowerCase() === 'system') return this.resolveTypeTarget(name, frame);
        const cls = this.findClass(q, frame.cls);
        if (cls) return { kind: 'class', cls };
        throw new UnsupportedError(q, this.currentPos());
      }
      default:
        throw new UnsupportedError(`member ${name}`, this.currentPos());
    }
  }

  private evalDot(e: P.DotExpressionContext, frame: Frame): Value {
    const call = e.dotMethodCall();
    const safe = !!e.QUESTIONDOT();
    const member = call ? call.anyId().getText() : e.anyId().getText();
    const left = this.typeShadowing(e.expression(), member, frame, !!call) ?? this.evalTarget(e.expression(), frame);
    if (!call) {
      const name = e.anyId().getText();
      if (left.kind === 'value') return this.readMember(left.v, name, safe);
      const t = this.memberOfTarget(left, name, frame);
      if (t.kind === 'value') return t.v;
      throw new UnsupportedError(`type ${name} used as a value`, this.currentPos());
    }
    const name = call.anyId().getText();
    const lower = name.toLowerCase();
    if (left.kind === 'value') {
      if (left.v === null && safe) return null;
      const args = this.evalArgs(call.expressionList() ?? undefined, frame);
      return this.callOn(left.v, name, args, safe);
    }
    const args = this.evalArgs(call.expressionList() ?? undefined, frame);
    switch (left.kind) {
      case 'super': {
        const m = this.findVirtual(left.cls, lower, args);
        if (m) return this.invoke(m, left.self, args);
        if (left.cls.isException) {
          const r = this.exceptionMethod(left.self, lower, args);
          if (r) return r.v;
        }
        return this.objectMethod(left.self, lower, args);
      }
      case 'class':
        return this.callStatic(left.cls, name, args);
      case 'native': {
        const fn = left.nc.statics?.[lower];
        if (fn) {
          this.step();
          return fn(this, args, null);
        }
        if (left.nc.kind === 'enum' && left.nc.enumValues) {
          const nc = left.nc;
          const values = nc.enumValues!.map((v, i) => new ApexEnumValue(this.nativeName(nc), v, i));
          if (lower === 'values') return new ApexList(typeRef(this.nativeName(nc)), values);
          if (lower === 'valueof') return values.find((v) => v.name === args[0]) ?? null;
        }
        throw new UnsupportedError(`${this.nativeName(left.nc)}.${name}(${args.length} arguments)`, this.currentPos());
      }
      case 'sobject':
        return this.org.sobjectStatic(this, left.name, name, args);
      case 'trigger':
        throw new UnsupportedError(`Trigger.${name}()`, this.currentPos());
      default:
        throw new UnsupportedError(`${left.name}.${name}()`, this.currentPos());
    }
  }

  private callStatic(cls: ClassDef, name: string, args: Value[]): Value {
    const lower = name.toLowerCase();
    if (cls.kind === 'enum') {
      const values = cls.enumValues.map((v, i) => new ApexEnumValue(cls.name, v, i));
      if (lower === 'values') return new ApexList(typeRef(cls.name), values);
      if (lower === 'valueof') {
        const hit = values.find((v) => v.name === args[0]);
        if (!hit)
          this.throwApex('System.NoSuchElementException', `No enum constant ${cls.name}.${this.stringify(args[0])}`);
        return hit;
      }
    }
    const list = cls.findMethods(lower).filter((m) => m.isStatic);
    if (!list.length) throw new UnsupportedError(`static method ${cls.name}.${name}`, this.currentPos());
    return this.invoke(this.pickMethod(list, args, `${cls.name}.${name}`), null, args);
  }

  private evalCall(call: P.MethodCallContext, frame: Frame): Value {
    if (call.THIS() || call.SUPER())
      throw new InterpreterError('this(...)/super(...) outside the first statement of a constructor');
    const name = call.id().getText();
    const lower = name.toLowerCase();
    const args = this.evalArgs(call.expressionList() ?? undefined, frame);
    for (let c: ClassDef | undefined = frame.cls; c; c = c.outer) {
      const candidates = c.findMethods(lower).filter((m) => m.params.length === args.length);
      if (!candidates.length) continue;
      if (c === frame.cls && frame.self) {
        const m = this.findVirtual(C(frame.self), lower, args) ?? this.pickMethod(candidates, args, name);
        return this.invoke(m, m.isStatic ? null : frame.self, args);
      }
      const statics = candidates.filter((m) => m.isStatic);
      if (statics.length) return this.invoke(this.pickMethod(statics, args, name), null, args);
    }
    if (frame.self) {
      const native = this.nativeOf(frame.self);
      const fn = native?.methods?.[lower];
      if (fn) return fn(this, args, frame.self);
      if (C(frame.self).isException) {
        const r = this.exceptionMethod(frame.self, lower, args);
        if (r) return r.v;
      }
    }
    throw new UnsupportedError(`method ${name}(${args.length} arguments) in ${frame.cls.name}`, this.currentPos());
  }

  private evalAssign(e: P.AssignExpressionContext, frame: Frame): Value {
    const [l, r] = e.expression_list();
    const op = e.getChild(1).getText();
    const ref = this.lvalue(l, frame);
    let value = this.evalExpr(r, frame);
    if (op !== '=') {
      const current = ref.read();
      const bin = op.slice(0, -1);
      if (['+', '-', '*', '/'].includes(bin)) value = this.binary(bin as ArithOp, current, value);
      else value = this.bitwise(bin, current, value);
    }
    ref.write(value);
    return ref.read();
  }

  private evalIncDec(e: P.PostOpExpressionContext | P.PreOpExpressionContext, frame: Frame): Value {
    if (e instanceof P.PreOpExpressionContext && (e.ADD() || e.SUB())) {
      const v = this.evalExpr(e.expression(), frame);
      if (v === null) this.npe();
      return e.SUB() ? negate(v) : v;
    }
    const ref = this.lvalue(e.expression(), frame);
    const old = ref.read();
    if (old === null) this.npe();
    const next = this.binary(e.INC() ? '+' : '-', old, 1);
    ref.write(next);
    return e instanceof P.PostOpExpressionContext ? old : ref.read();
  }

  private lvalue(e: P.ExpressionContext, frame: Frame): { read: () => Value; write: (v: Value) => void } {
    if (e instanceof P.PrimaryExpressionContext && e.primary() instanceof P.IdPrimaryContext) {
      const name = (e.primary() as P.IdPrimaryContext).id().getText();
      const lower = name.toLowerCase();
      const local = frame.scope.lookup(lower);
      if (local) return { read: () => local.value, write: (v) => (local.value = this.coerce(v, local.type)) };
      const field = this.lookupField(lower, frame);
      if (field) return field;
      throw new UnsupportedError(`assignment to ${name}`, this.currentPos());
    }
    if (e instanceof P.DotExpressionContext && !e.dotMethodCall()) {
      const name = e.anyId().getText();
      const left = this.evalTarget(e.expression(), frame);
      if (left.kind === 'value') {
        const target = left.v;
        return { read: () => this.readMember(target, name, false), write: (v) => this.writeMember(target, name, v) };
      }
      if (left.kind === 'class') {
        const found = left.cls.findField(name.toLowerCase());
        if (found && found.def.isStatic) {
          const type = this.resolveWritten(found.def.type, found.owner);
          return {
            read: () => this.readStatic(found.owner, found.def, found.isProperty),
            write: (v) => this.writeStatic(found.owner, found.def, found.isProperty, this.coerce(v, type))
          };
        }
      }
      throw new UnsupportedError(`assignment to ${e.getText()}`, this.currentPos());
    }
    if (e instanceof P.ArrayExpressionContext) {
      const [l, r] = e.expression_list();
      const list = this.evalExpr(l, frame);
      const i = this.evalExpr(r, frame);
      if (list === null || i === null) this.npe();
      if (!(list instanceof ApexList)) throw new UnsupportedError('[] assignment on a non-list', this.currentPos());
      const n = i as number;
      return {
        read: () => this.index(list, n),
        write: (v) => {
          if (n < 0 || n >= list.items.length) this.throwApex('System.ListException', `List index out of bounds: ${n}`);
          list.items[n] = this.coerce(v, list.elemType);
        }
      };
    }
    throw new UnsupportedError(`assignment target ${e.getText().slice(0, 40)}`, this.currentPos());
  }

  private evalNew(c: P.CreatorContext, frame: Frame): Value {
    const pairs = c.createdName().idCreatedNamePair_list();
    const name = pairs.map((p) => p.anyId().getText()).join('.');
    const last = pairs[pairs.length - 1];
    const typeArgs =
      last
        .typeList()
        ?.typeRef_list()
        .map((t) => this.typeOfCtx(t, frame)) ?? [];
    const type = this.resolveTypeName(name, typeArgs, frame.cls);
    const classRest = c.classCreatorRest();
    if (classRest) {
      const exprs = classRest.arguments().expressionList()?.expression_list() ?? [];
      const sobject = !this.findClass(type.name, frame.cls) && this.org.objectName(type.name);
      if (sobject) {
        const fields: Array<[string, Value]> = exprs.map((x) => {
          if (!(x instanceof P.AssignExpressionContext))
            throw new InterpreterError('SObject constructor takes Field = value pairs');
          const [l, r] = x.expression_list();
          return [l.getText(), this.evalExpr(r, frame)];
        });
        return this.org.newSObject(this, sobject, fields);
      }
      const args = exprs.map((x) => this.evalExpr(x, frame));
      const cls = this.findClass(type.name, frame.cls);
      if (cls) return this.construct(cls, args);
      return this.newInstance(type, args);
    }
    if (c.noRest()) return this.newCollection(type, []);
    const arrayRest = c.arrayCreatorRest();
    if (arrayRest) {
      const elem = type;
      const size = arrayRest.expression();
      if (size) {
        const n = this.evalExpr(size, frame) as number;
        return new ApexList(elem, new Array<Value>(n).fill(null));
      }
      const init = arrayRest.arrayInitializer();
      const items = init ? init.expression_list().map((x) => this.coerce(this.evalExpr(x, frame), elem)) : [];
      return new ApexList(elem, items);
    }
    const mapRest = c.mapCreatorRest();
    if (mapRest) {
      const m = this.newCollection(type, []) as ApexMap;
      for (const pair of mapRest.mapCreatorRestPair_list()) {
        const [k, v] = pair.expression_list();
        const key = this.coerce(this.evalExpr(k, frame), m.keyType);
        m.entries.set(this.key(key), [key, this.coerce(this.evalExpr(v, frame), m.valueType)]);
      }
      return m;
    }
    const setRest = c.setCreatorRest();
    if (setRest) {
      const coll = this.newCollection(type, []);
      for (const x of setRest.expression_list()) {
        const v = this.evalExpr(x, frame);
        if (coll instanceof ApexList) coll.items.push(this.coerce(v, coll.elemType));
        else if (coll instanceof ApexSet) {
          const cv = this.coerce(v, coll.elemType);
          coll.entries.set(this.key(cv), cv);
        } else throw new InterpreterError('{...} initialiser on a Map without =>');
      }
      return coll;
    }
    throw new UnsupportedError(`new ${name}`, this.currentPos());
  }

  // ---------------------------------------------------------------- SOQL

  private evalSoql(lit: P.SoqlLiteralContext, frame: Frame): Value {
    let prepared = this.soqlCache.get(lit);
    if (!prepared) {
      prepared = this.prepareSoql(lit, frame);
      this.soqlCache.set(lit, prepared);
    }
    const { text, binds } = prepared;
    const resolver = (expression: string): Value => {
      const m = /^__b(\d+)$/.exec(expression.trim());
      if (m) return this.evalExpr(binds[Number(m[1])], frame);
      return this.evaluateBind(expression);
    };
    const mode = /\bWITH\s+USER_MODE\b/i.test(text) ? 'user' : 'system';
    return this.org.query(this, text, resolver, { mode, pos: this.currentPos() });
  }

  /** The query text as written (whitespace kept), with each `:expression` bind replaced by `:__bN`. */
  private prepareSoql(lit: P.SoqlLiteralContext, frame: Frame): { text: string; binds: P.ExpressionContext[] } {
    const source = this.sources.get(frame.file) ?? '';
    const query = lit.query();
    const start = query.start.start;
    const stop = query.stop!.stop;
    const bounds: Array<{ from: number; to: number; expr: P.ExpressionContext }> = [];
    const walk = (n: unknown): void => {
      if (n instanceof P.BoundExpressionContext) {
        bounds.push({ from: n.start.start, to: n.stop!.stop, expr: n.expression() });
        return;
      }
      for (const c of (n as { children?: unknown[] | null }).children ?? []) walk(c);
    };
    walk(query);
    let text = '';
    let pos = start;
    bounds.forEach((b, i) => {
      text += source.slice(pos, b.from) + `:__b${i}`;
      pos = b.to + 1;
    });
    text += source.slice(pos, stop + 1);
    return { text, binds: bounds.map((b) => b.expr) };
  }
}

export { LimitExceeded };
