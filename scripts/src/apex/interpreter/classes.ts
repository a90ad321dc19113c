/**
 * The class model of the interpreter: what a loaded Apex class, interface, enum or trigger declares. Built once
 * from the parser's tree; method bodies stay parser contexts that the evaluator walks.
 */
import * as P from '@apexdevtools/apex-parser';
import { ClassLike } from '../values';

export type Kind = 'class' | 'interface' | 'enum';

/** A type as written (not yet resolved): dotted name parts with type arguments, array depth. */
export interface WrittenType {
  parts: string[];
  args: WrittenType[];
  array: number;
  text: string;
}

export interface ParamDef {
  name: string;
  type: WrittenType;
}

export interface MethodDef {
  name: string;
  cls: ClassDef;
  params: ParamDef[];
  /** undefined for void and constructors. */
  returnType?: WrittenType;
  body?: P.BlockContext;
  isStatic: boolean;
  isAbstract: boolean;
  annotations: string[];
  line: number;
  /** Built-in behaviour (the implicit exception constructors and methods). */
  builtin?: (self: unknown, args: unknown[]) => unknown;
}

export interface FieldDef {
  name: string;
  type: WrittenType;
  init?: P.ExpressionContext;
  isStatic: boolean;
  isFinal: boolean;
  isTransient: boolean;
  line: number;
}

export interface PropertyDef extends FieldDef {
  getter?: { body?: P.BlockContext };
  setter?: { body?: P.BlockContext };
}

/** A member initialiser or initialiser block, run in declaration order. */
export type InitStep = { field: FieldDef } | { block: P.BlockContext };

export class ClassDef implements ClassLike {
  readonly methods = new Map<string, MethodDef[]>();
  readonly constructors: MethodDef[] = [];
  readonly fields = new Map<string, FieldDef>();
  readonly properties = new Map<string, PropertyDef>();
  readonly inner = new Map<string, ClassDef>();
  readonly staticInit: InitStep[] = [];
  readonly instanceInit: InitStep[] = [];
  readonly enumValues: string[] = [];
  readonly annotations: string[] = [];
  modifiers: string[] = [];
  superWritten?: WrittenType;
  interfacesWritten: WrittenType[] = [];
  /** Resolved by the interpreter after loading. */
  superClass?: ClassDef;
  /** Native superclass name (a platform class user code extends, e.g. an abstract plugin base). */
  nativeSuper?: string;
  interfaces: string[] = [];
  userInterfaces: ClassDef[] = [];
  /** Built-in exception types and user exceptions. */
  isException = false;
  trigger?: { object: string; events: string[]; body: P.TriggerBlockContext };

  constructor(
    readonly name: string,
    readonly kind: Kind,
    readonly file: string,
    readonly line: number,
    readonly outer?: ClassDef
  ) {}

  get simpleName(): string {
    return this.name.split('.').pop()!;
  }

  has(mod: string): boolean {
    return this.modifiers.includes(mod);
  }

  get isAbstract(): boolean {
    return this.has('abstract') || this.kind === 'interface';
  }

  get isTest(): boolean {
    return this.annotations.some((a) => a.startsWith('@istest'));
  }

  isSubtypeOf(other: string): boolean {
    const o = other.toLowerCase();
    const stripped = o.startsWith('system.') ? o.slice(7) : o;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let c: ClassDef | undefined = this; c; c = c.superClass) {
      const n = c.name.toLowerCase();
      if (n === o || n === stripped) return true;
      if (c.interfaceMatches(o, stripped)) return true;
      if (c.nativeSuper) {
        const ns = c.nativeSuper.toLowerCase();
        if (ns === o || ns === stripped || ns.endsWith(`.${stripped}`)) return true;
      }
    }
    return o === 'object';
  }

  private interfaceMatches(o: string, stripped: string): boolean {
    for (const i of this.interfaces) {
      const n = i.toLowerCase();
      if (n === o || n === stripped || n.endsWith(`.${stripped}`)) return true;
    }
    for (const i of this.userInterfaces) if (i.isSubtypeOf(o)) return true;
    return false;
  }

  /** All methods of a name along the class chain (most derived first). */
  findMethods(lower: string): MethodDef[] {
    const out: MethodDef[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let c: ClassDef | undefined = this; c; c = c.superClass) {
      const list = c.methods.get(lower);
      if (list) out.push(...list);
    }
    return out;
  }

  findField(lower: string): { def: FieldDef | PropertyDef; owner: ClassDef; isProperty: boolean } | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    for (let c: ClassDef | undefined = this; c; c = c.superClass) {
      const p = c.properties.get(lower);
      if (p) return { def: p, owner: c, isProperty: true };
      const f = c.fields.get(lower);
      if (f) return { def: f, owner: c, isProperty: false };
    }
    return undefined;
  }
}

/** The parser contexts' common shape (antlr4's ParserRuleContext, which the parser package does not re-export). */
export interface Ctx {
  start: { line: number } | null;
  getText(): string;
}

const lineOf = (ctx: Ctx): number => ctx.start?.line ?? 0;

export function writtenType(ctx: P.TypeRefContext): WrittenType {
  const names = ctx.typeName_list();
  const parts: string[] = [];
  let args: WrittenType[] = [];
  for (const n of names) {
    const word = n.LIST() ? 'List' : n.SET() ? 'Set' : n.MAP() ? 'Map' : n.id().getText();
    parts.push(word);
    const ta = n.typeArguments();
    if (ta) args = ta.typeList().typeRef_list().map(writtenType);
  }
  const array = ctx.arraySubscripts().LBRACK_list().length;
  return { parts, args, array, text: ctx.getText() };
}

function modifiersOf(list: P.ModifierContext[]): { modifiers: string[]; annotations: string[] } {
  const modifiers: string[] = [];
  const annotations: string[] = [];
  for (const m of list) {
    const text = m.getText().toLowerCase();
    if (text.startsWith('@')) annotations.push(text);
    else modifiers.push(text);
  }
  return { modifiers, annotations };
}

function params(ctx: P.FormalParametersContext): ParamDef[] {
  const list = ctx.formalParameterList();
  if (!list) return [];
  return list.formalParameter_list().map((p) => ({ name: p.id().getText(), type: writtenType(p.typeRef()) }));
}

/** Builds the class model of one compilation unit; inner types are registered on their outer class. */
export function buildClass(
  decl: P.ClassDeclarationContext | P.InterfaceDeclarationContext | P.EnumDeclarationContext,
  mods: P.ModifierContext[],
  file: string,
  outer?: ClassDef
): ClassDef {
  const simple = decl.id().getText();
  const name = outer ? `${outer.name}.${simple}` : simple;
  const kind: Kind =
    decl instanceof P.ClassDeclarationContext
      ? 'class'
      : decl instanceof P.InterfaceDeclarationContext
        ? 'interface'
        : 'enum';
  const cls = new ClassDef(name, kind, file, lineOf(decl), outer);
  const { modifiers, annotations } = modifiersOf(mods);
  cls.modifiers = modifiers;
  cls.annotations.push(...annotations);
  if (outer) outer.inner.set(simple.toLowerCase(), cls);

  if (decl instanceof P.EnumDeclarationContext) {
    for (const id of decl.enumConstants()?.id_list() ?? []) cls.enumValues.push(id.getText());
    return cls;
  }
  if (decl instanceof P.InterfaceDeclarationContext) {
    cls.interfacesWritten = decl.typeList()?.typeRef_list().map(writtenType) ?? [];
    for (const m of decl.interfaceBody().interfaceMethodDeclaration_list()) {
      addMethod(cls, {
        name: m.id().getText(),
        cls,
        params: params(m.formalParameters()),
        returnType: m.typeRef() ? writtenType(m.typeRef()) : undefined,
        isStatic: false,
        isAbstract: true,
        annotations: [],
        line: lineOf(m)
      });
    }
    return cls;
  }
  const ext = decl.typeRef();
  if (ext) cls.superWritten = writtenType(ext);
  cls.interfacesWritten = decl.typeList()?.typeRef_list().map(writtenType) ?? [];
  for (const body of decl.classBody().classBodyDeclaration_list()) addMember(cls, body, file);
  return cls;
}

function addMethod(cls: ClassDef, m: MethodDef): void {
  const key = m.name.toLowerCase();
  const list = cls.methods.get(key) ?? [];
  list.push(m);
  cls.methods.set(key, list);
}

export function addMember(
  cls: ClassDef,
  body: P.ClassBodyDeclarationContext | P.TriggerBlockMemberContext,
  file: string
): void {
  if (body instanceof P.ClassBodyDeclarationContext && body.block()) {
    const block = body.block();
    (body.STATIC() ? cls.staticInit : cls.instanceInit).push({ block });
    return;
  }
  const member =
    body instanceof P.ClassBodyDeclarationContext ? body.memberDeclaration() : body.triggerMemberDeclaration();
  if (!member) return;
  const { modifiers, annotations } = modifiersOf(body.modifier_list());
  const isStatic = modifiers.includes('static');
  const inner = member.classDeclaration() ?? member.interfaceDeclaration() ?? member.enumDeclaration();
  if (inner) {
    buildClass(inner, body.modifier_list(), file, cls);
    return;
  }
  const method = member.methodDeclaration();
  if (method) {
    addMethod(cls, {
      name: method.id().getText(),
      cls,
      params: params(method.formalParameters()),
      returnType: method.typeRef() ? writtenType(method.typeRef()) : undefined,
      body: method.block() ?? undefined,
      isStatic,
      isAbstract: !method.block(),
      annotations,
      line: lineOf(method)
    });
    return;
  }
  const ctor = member instanceof P.MemberDeclarationContext ? member.constructorDeclaration() : null;
  if (ctor) {
    cls.constructors.push({
      name: cls.simpleName,
      cls,
      params: params(ctor.formalParameters()),
      body: ctor.block(),
      isStatic: false,
      isAbstract: false,
      annotations,
      line: lineOf(ctor)
    });
    return;
  }
  const field = member.fieldDeclaration();
  if (field) {
    const type = writtenType(field.typeRef());
    for (const v of field.variableDeclarators().variableDeclarator_list()) {
      const def: FieldDef = {
        name: v.id().getText(),
        type,
        init: v.expression() ?? undefined,
        isStatic,
        isFinal: modifiers.includes('final'),
        isTransient: modifiers.includes('transient'),
        line: lineOf(v)
      };
      cls.fields.set(def.name.toLowerCase(), def);
      (isStatic ? cls.staticInit : cls.instanceInit).push({ field: def });
    }
    return;
  }
  const prop = member.propertyDeclaration();
  if (prop) {
    const def: PropertyDef = {
      name: prop.id().getText(),
      type: writtenType(prop.typeRef()),
      isStatic,
      isFinal: false,
      isTransient: modifiers.includes('transient'),
      line: lineOf(prop)
    };
    for (const block of prop.propertyBlock_list()) {
      const g = block.getter();
      const s = block.setter();
      if (g) def.getter = { body: g.block() ?? undefined };
      if (s) def.setter = { body: s.block() ?? undefined };
    }
    cls.properties.set(def.name.toLowerCase(), def);
    return;
  }
  throw new Error(`unknown member at ${file}:${lineOf(body)}`);
}

export { lineOf };
