/**
 * Conformance of the interpreter's language semantics: each case is a small piece of Apex, the outcome the
 * platform gives, and the Apex Developer Guide topic it follows. The body runs as `static Object run()` of a class
 * `C`; `extra` adds members to C; `files` adds other classes.
 */
import { ApexThrow, StepBudgetExceeded, UnsupportedError } from '../../../src/apex/runtime';
import { ApexDecimal, ApexDouble, ApexLong } from '../../../src/apex/values';
import { SnippetCase } from '../snippetCase';
import { run } from './fakes';

interface Case extends SnippetCase {
  /** Expected return value (as rendered by String.valueOf), or an exception `Type: message` prefix. */
  returns?: string;
  throws?: string;
  debug?: string[];
}

function render(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof ApexLong) return `${v.v}L`;
  if (v instanceof ApexDouble) return `${v.v}d`;
  if (v instanceof ApexDecimal) return `${v.v.toFixed()}m`;
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

const CASES: Case[] = [
  // ---- primitives and arithmetic ("Primitive Data Types", "Expression Operators")
  {
    name: 'Integer overflow wraps',
    doc: 'Primitive Data Types: Integer is 32-bit',
    body: 'Integer i = 2147483647; i = i + 1; return i;',
    returns: '-2147483648'
  },
  {
    name: 'Integer multiplication wraps',
    doc: 'Primitive Data Types: Integer',
    body: 'Integer i = 65536; return i * 65536;',
    returns: '0'
  },
  {
    name: 'Integer division truncates toward zero',
    doc: 'Expression Operators: /',
    body: 'return -7 / 2;',
    returns: '-3'
  },
  {
    name: 'division by zero',
    doc: 'Exception Class: MathException',
    body: 'Integer z = 0; return 1 / z;',
    throws: 'System.MathException: Divide by 0'
  },
  {
    name: 'Long arithmetic',
    doc: 'Primitive Data Types: Long is 64-bit',
    body: 'Long l = 2147483647L; return l + 1;',
    returns: '2147483648L'
  },
  {
    name: 'Long overflow wraps',
    doc: 'Primitive Data Types: Long',
    body: 'Long l = 9223372036854775807L; return l + 1;',
    returns: '-9223372036854775808L'
  },
  {
    name: 'Integer + Long is Long',
    doc: 'Expression Operators: numeric promotion',
    body: 'Integer i = 1; Long l = 2L; Object o = i + l; return o instanceof Long;',
    returns: 'true'
  },
  {
    name: 'decimal literal is Decimal',
    doc: 'Primitive Data Types: Decimal',
    body: 'Object o = 1.5; return o instanceof Decimal;',
    returns: 'true'
  },
  {
    name: 'Decimal arithmetic is exact',
    doc: 'Primitive Data Types: Decimal',
    body: 'return 0.1 + 0.2;',
    returns: '0.3m'
  },
  {
    name: 'Integer widened to Decimal on assignment',
    doc: 'Primitive Data Types: implicit conversion',
    body: 'Decimal d = 5; return d;',
    returns: '5m'
  },
  {
    name: 'Double from d suffix',
    doc: 'Primitive Data Types: Double',
    body: 'Double d = 1.5d; return d * 2;',
    returns: '3d'
  },
  {
    name: 'compound assignment',
    doc: 'Expression Operators: +=',
    body: 'Integer i = 5; i += 3; i -= 1; i *= 2; i /= 7; return i;',
    returns: '2'
  },
  {
    name: 'pre and post increment',
    doc: 'Expression Operators: ++',
    body: 'Integer i = 1; Integer a = i++; Integer b = ++i; return a * 10 + b;',
    returns: '13'
  },
  { name: 'unary minus', doc: 'Expression Operators: -x', body: 'Integer i = 4; return -i;', returns: '-4' },
  {
    name: 'bit operations',
    doc: 'Expression Operators: bitwise',
    body: 'return (6 & 3) + (6 | 1) * 10 + (6 ^ 3) * 100 + (1 << 4) * 1000;',
    returns: '16572'
  },
  { name: 'unsigned shift', doc: 'Expression Operators: >>>', body: 'return -1 >>> 28;', returns: '15' },
  { name: 'signed shift', doc: 'Expression Operators: >>', body: 'return -16 >> 2;', returns: '-4' },
  {
    name: 'null arithmetic throws',
    doc: 'Expression Operators: x and y cannot be null',
    body: 'Integer i; return i + 1;',
    throws: 'System.NullPointerException'
  },
  {
    name: 'string concatenation with null',
    doc: 'Expression Operators: + on strings',
    body: "String s; return 'a' + s;",
    returns: 'anull'
  },
  {
    name: 'string concatenation with numbers',
    doc: 'Expression Operators: + on strings',
    body: "return 'n=' + 1 + 2;",
    returns: 'n=12'
  },
  {
    name: 'string concatenation renders Decimal plainly',
    doc: 'Primitive Data Types: Decimal',
    body: "return '' + 1.50;",
    returns: '1.5'
  },
  {
    name: 'string escapes',
    doc: 'Primitive Data Types: String escape sequences',
    body: "return 'a\\'b\\\\c\\n'.length();",
    returns: '6'
  },
  // ---- equality and comparison
  {
    name: 'string == is case-insensitive',
    doc: 'Expression Operators: == on strings',
    body: "return 'ABC' == 'abc';",
    returns: 'true'
  },
  {
    name: 'string === is exact',
    doc: 'Expression Operators: ===',
    body: "String a = 'ABC'; String b = 'abc'; return a === b;",
    returns: 'false'
  },
  {
    name: 'null equals null',
    doc: 'Expression Operators: ==',
    body: 'String a; Integer b; return a == null && b == null;',
    returns: 'true'
  },
  {
    name: 'numbers equal across types',
    doc: 'Expression Operators: ==',
    body: 'Long l = 5L; Decimal d = 5.0; return l == 5 && d == 5;',
    returns: 'true'
  },
  {
    name: 'list equality is element-wise',
    doc: 'Collections: List equality',
    body: 'return new List<Integer>{1,2} == new List<Integer>{1,2};',
    returns: 'true'
  },
  {
    name: 'SObject equality compares fields',
    doc: 'Expression Operators: == on sObjects',
    body: "return new Account(Name='x') == new Account(Name='x');",
    returns: 'true'
  },
  {
    name: 'object identity without equals',
    doc: 'Classes: equals and hashCode',
    body: 'return new P() == new P();',
    extra: 'class P {}',
    returns: 'false'
  },
  {
    name: 'user equals honoured by ==',
    doc: 'Using Custom Types in Map Keys and Sets',
    body: 'return new P(1) == new P(1);',
    extra:
      'class P { Integer v; P(Integer v) { this.v = v; } public Boolean equals(Object o) { return o instanceof P && ((P) o).v == v; } public Integer hashCode() { return v; } }',
    returns: 'true'
  },
  {
    name: 'string < is case-insensitive',
    doc: 'Expression Operators: <, comparison of strings',
    body: "return 'a' < 'B';",
    returns: 'true'
  },
  {
    name: 'number compared with null is false',
    doc: 'Expression Operators: < with null',
    body: 'Integer i; return (i < 5) || (i > 5);',
    returns: 'false'
  },
  {
    name: 'non-null string greater than null',
    doc: 'Expression Operators: < with null',
    body: "String s; return 'a' > s;",
    returns: 'true'
  },
  {
    name: 'short-circuit AND',
    doc: 'Expression Operators: &&',
    body: 'String s; return s != null && s.length() > 0;',
    returns: 'false'
  },
  {
    name: 'short-circuit OR',
    doc: 'Expression Operators: ||',
    body: 'String s; return s == null || s.length() > 0;',
    returns: 'true'
  },
  {
    name: 'ternary',
    doc: 'Expression Operators: ?:',
    body: "Integer i = 3; return i > 2 ? 'big' : 'small';",
    returns: 'big'
  },
  {
    name: 'null coalescing',
    doc: 'Null Coalescing Operator',
    body: "String s; return s ?? 'fallback';",
    returns: 'fallback'
  },
  {
    name: 'safe navigation on null',
    doc: 'Safe Navigation Operator',
    body: 'Account a; return a?.Name;',
    returns: 'null'
  },
  {
    name: 'safe navigation method on null',
    doc: 'Safe Navigation Operator',
    body: 'String s; return s?.length();',
    returns: 'null'
  },
  {
    name: 'dereference of null',
    doc: 'Exception Class: NullPointerException',
    body: 'String s; return s.length();',
    throws: 'System.NullPointerException: Attempt to de-reference a null object'
  },
  {
    name: 'condition on null Boolean',
    doc: 'Control Flow: if',
    body: 'Boolean b; if (b) { return 1; } return 0;',
    throws: 'System.NullPointerException'
  },
  // ---- control flow
  {
    name: 'if / else if / else',
    doc: 'Conditional (If-Else) Statements',
    body: 'Integer i = 5; if (i < 3) return 1; else if (i < 6) return 2; else return 3;',
    returns: '2'
  },
  {
    name: 'while with break',
    doc: 'While Loops',
    body: 'Integer i = 0; while (true) { if (++i == 4) break; } return i;',
    returns: '4'
  },
  {
    name: 'do-while runs once',
    doc: 'Do-While Loops',
    body: 'Integer i = 10; do { i++; } while (i < 5); return i;',
    returns: '11'
  },
  {
    name: 'for with continue',
    doc: 'Traditional For Loops',
    body: 'Integer s = 0; for (Integer i = 0; i < 10; i++) { if (Math.mod(i, 2) == 0) continue; s += i; } return s;',
    extra: '',
    returns: '25',
    files: { Math: 'public class Math { public static Integer mod(Integer a, Integer b) { return a - (a / b) * b; } }' }
  },
  {
    name: 'list iteration',
    doc: 'List or Set Iteration For Loops',
    body: "String out = ''; for (String s : new List<String>{'a','b'}) out += s; return out;",
    returns: 'ab'
  },
  {
    name: 'set iteration',
    doc: 'List or Set Iteration For Loops',
    body: "Integer n = 0; for (String s : new Set<String>{'a','b','a'}) n++; return n;",
    returns: '2'
  },
  {
    name: 'nested loop break leaves inner only',
    doc: 'Loops: break',
    body: 'Integer n = 0; for (Integer i = 0; i < 3; i++) { for (Integer j = 0; j < 3; j++) { if (j == 1) break; n++; } } return n;',
    returns: '3'
  },
  {
    name: 'return from inside a loop',
    doc: 'Loops',
    body: 'for (Integer i = 0; i < 10; i++) { if (i == 7) return i; } return -1;',
    returns: '7'
  },
  {
    name: 'switch on Integer',
    doc: 'Switch Statements',
    body: "Integer i = 2; switch on i { when 1 { return 'one'; } when 2, 3 { return 'two-three'; } when else { return 'other'; } }",
    returns: 'two-three'
  },
  {
    name: 'switch on negative literal',
    doc: 'Switch Statements',
    body: "Integer i = -1; switch on i { when -1 { return 'neg'; } when else { return 'other'; } }",
    returns: 'neg'
  },
  {
    name: 'switch on String',
    doc: 'Switch Statements',
    body: "String s = 'b'; switch on s { when 'a' { return 1; } when 'b' { return 2; } } return 0;",
    returns: '2'
  },
  {
    name: 'switch on null',
    doc: 'Switch Statements: when null',
    body: "String s; switch on s { when null { return 'null'; } when else { return 'x'; } }",
    returns: 'null'
  },
  {
    name: 'switch on enum',
    doc: 'Switch Statements: enum values',
    body: "Color c = Color.GREEN; switch on c { when RED { return 'r'; } when GREEN { return 'g'; } } return '';",
    extra: 'enum Color { RED, GREEN }',
    returns: 'g'
  },
  {
    name: 'switch on SObject type',
    doc: 'Switch Statements: sObject types',
    body: "SObject o = new Contact(LastName='x'); switch on o { when Account a { return 'acc'; } when Contact c { return c.LastName; } } return '';",
    returns: 'x'
  },
  {
    name: 'switch with no match and no else',
    doc: 'Switch Statements',
    body: 'Integer i = 9; switch on i { when 1 { return 1; } } return 0;',
    returns: '0'
  },
  {
    name: 'endless loop hits the step budget',
    doc: 'Execution Governors and Limits: CPU time',
    body: 'Integer i = 0; while (true) { i++; }',
    throws: 'timeout'
  },
  // ---- exceptions
  {
    name: 'catch by type',
    doc: 'Exception Statements: try-catch',
    body: "try { Integer z = 0; Integer x = 1 / z; } catch (MathException e) { return e.getTypeName(); } return 'none';",
    returns: 'System.MathException'
  },
  {
    name: 'catch Exception catches all',
    doc: 'Exception Class',
    body: "try { String s; s.length(); } catch (Exception e) { return e.getMessage(); } return 'none';",
    returns: 'Attempt to de-reference a null object'
  },
  {
    name: 'first matching catch wins',
    doc: 'Exception Statements',
    body: "try { throw new MyEx('m'); } catch (MathException e) { return 'math'; } catch (MyEx e) { return 'mine:' + e.getMessage(); } catch (Exception e) { return 'any'; }",
    extra: 'class MyEx extends Exception {}',
    returns: 'mine:m'
  },
  {
    name: 'custom exception type name',
    doc: 'Create Custom Exceptions',
    body: 'try { throw new MyEx(); } catch (Exception e) { return e.getTypeName(); }',
    extra: 'public class MyEx extends Exception {}',
    returns: 'C.MyEx'
  },
  {
    name: 'custom exception with cause',
    doc: 'Create Custom Exceptions: constructors',
    body: "MyEx e = new MyEx('outer', new MyEx('inner')); return e.getCause().getMessage();",
    extra: 'public class MyEx extends Exception {}',
    returns: 'inner'
  },
  {
    name: 'finally runs after catch',
    doc: 'Exception Statements: finally',
    body: "String log = ''; try { throw new MyEx('x'); } catch (MyEx e) { log += 'c'; } finally { log += 'f'; } return log;",
    extra: 'class MyEx extends Exception {}',
    returns: 'cf'
  },
  {
    name: 'finally runs when return inside try',
    doc: 'Exception Statements: finally',
    body: 'return helper();',
    extra: "static String trace = ''; static Integer helper() { try { return 1; } finally { trace = 'f'; } }",
    returns: '1'
  },
  {
    name: 'uncaught exception propagates',
    doc: 'Exception Statements',
    body: "throw new MyEx('boom');",
    extra: 'class MyEx extends Exception {}',
    throws: 'C.MyEx: boom'
  },
  {
    name: 'rethrow from catch',
    doc: 'Exception Statements',
    body: "try { throw new MyEx('a'); } catch (MyEx e) { throw new MyEx('b:' + e.getMessage()); }",
    extra: 'class MyEx extends Exception {}',
    throws: 'C.MyEx: b:a'
  },
  {
    name: 'exception subclass hierarchy',
    doc: 'Create Custom Exceptions: extends',
    body: "try { throw new SubEx('s'); } catch (BaseEx e) { return 'base caught ' + e.getTypeName(); }",
    extra: 'virtual class BaseEx extends Exception {} class SubEx extends BaseEx {}',
    returns: 'base caught C.SubEx'
  },
  {
    name: 'list index out of bounds',
    doc: 'Exception Class: ListException',
    body: 'List<Integer> l = new List<Integer>(); return l[0];',
    throws: 'System.ListException: List index out of bounds: 0'
  },
  {
    name: 'exception getLineNumber',
    doc: 'Exception Class: getLineNumber',
    body: 'try {\n String s;\n s.length();\n } catch (Exception e) { return e.getLineNumber(); }',
    returns: '6'
  },
  // ---- casts and instanceof
  {
    name: 'instanceof user class',
    doc: 'Using the instanceof Keyword',
    body: 'Object o = new B(); return o instanceof A;',
    extra: 'virtual class A {} class B extends A {}',
    returns: 'true'
  },
  {
    name: 'instanceof interface',
    doc: 'Interfaces',
    body: 'Object o = new B(); return o instanceof I;',
    extra: 'interface I {} class B implements I {}',
    returns: 'true'
  },
  {
    name: 'instanceof null is false',
    doc: 'Using the instanceof Keyword',
    body: 'Object o; return o instanceof String;',
    returns: 'false'
  },
  {
    name: 'bad cast throws TypeException',
    doc: 'Classes and Casting',
    body: "Object o = 'x'; Integer i = (Integer) o; return i;",
    throws: 'System.TypeException: Invalid conversion from runtime type String to Integer'
  },
  {
    name: 'downcast of user class',
    doc: 'Classes and Casting',
    body: 'A a = new B(); B b = (B) a; return b.name();',
    extra: "virtual class A {} class B extends A { String name() { return 'b'; } }",
    returns: 'b'
  },
  {
    name: 'failed downcast',
    doc: 'Classes and Casting',
    body: 'A a = new A(); B b = (B) a; return b;',
    extra: 'virtual class A {} class B extends A {}',
    throws: 'System.TypeException: Invalid conversion from runtime type C.A to C.B'
  },
  {
    name: 'cast Integer object to Decimal widens',
    doc: 'Classes and Casting: numbers',
    body: 'Object o = 5; Decimal d = (Decimal) o; return d;',
    returns: '5m'
  },
  {
    name: 'cast of collections checks element type',
    doc: 'Classes and Casting: collections',
    body: 'List<Object> l = new List<Object>{1}; List<String> s = (List<String>) l; return s;',
    throws: 'System.TypeException'
  },
  // ---- classes
  {
    name: 'static variable initialiser',
    doc: 'Static and Instance Methods, Variables, and Initialization Code',
    body: 'return counter;',
    extra: 'static Integer counter = 40 + 2;',
    returns: '42'
  },
  {
    name: 'static init block',
    doc: 'Static and Instance Methods: initialization code',
    body: 'return v;',
    extra: 'static Integer v; static { v = 7; }',
    returns: '7'
  },
  {
    name: 'instance initialiser runs before constructor body',
    doc: 'Using Constructors',
    body: 'return new P().v;',
    extra: 'class P { public Integer v = 1; { v = v * 10; } P() { v = v + 1; } }',
    returns: '11'
  },
  {
    name: 'constructor chaining with this()',
    doc: 'Using Constructors: this()',
    body: 'return new P().v;',
    extra: 'class P { public Integer v; P() { this(5); v++; } P(Integer x) { v = x; } }',
    returns: '6'
  },
  {
    name: 'super constructor runs first',
    doc: 'Extending a Class: super()',
    body: 'return new B().log;',
    extra:
      "virtual class A { public String log = ''; A(String s) { log += 'A' + s; } } class B extends A { B() { super('x'); log += 'B'; } }",
    returns: 'AxB'
  },
  {
    name: 'implicit super constructor',
    doc: 'Extending a Class',
    body: 'return new B().log;',
    extra: "virtual class A { public String log = ''; A() { log += 'A'; } } class B extends A { B() { log += 'B'; } }",
    returns: 'AB'
  },
  {
    name: 'virtual dispatch',
    doc: 'Extending a Class: override',
    body: 'A a = new B(); return a.name();',
    extra:
      "virtual class A { public virtual String name() { return 'A'; } } class B extends A { public override String name() { return 'B'; } }",
    returns: 'B'
  },
  {
    name: 'super method call',
    doc: 'Using the super Keyword',
    body: 'return new B().name();',
    extra:
      "virtual class A { public virtual String name() { return 'A'; } } class B extends A { public override String name() { return super.name() + 'B'; } }",
    returns: 'AB'
  },
  {
    name: 'abstract class template method',
    doc: 'Abstract classes',
    body: 'return new B().run();',
    extra:
      "abstract class A { public String run() { return 'x' + step(); } protected abstract String step(); } class B extends A { protected override String step() { return 'y'; } }",
    returns: 'xy'
  },
  {
    name: 'abstract class cannot be constructed',
    doc: 'Abstract classes',
    body: "return Type.forName('x');",
    extra: '',
    throws: 'unsupported'
  },
  {
    name: 'overload by type',
    doc: 'Method overloading',
    body: "return f(1) + f('s');",
    extra: "static String f(Integer i) { return 'int'; } static String f(String s) { return 'str'; }",
    returns: 'intstr'
  },
  {
    name: 'overload by arity',
    doc: 'Method overloading',
    body: 'return f(1) + f(1, 2);',
    extra: 'static Integer f(Integer a) { return a; } static Integer f(Integer a, Integer b) { return a + b * 10; }',
    returns: '22'
  },
  {
    name: 'case-insensitive names',
    doc: 'Apex is case-insensitive',
    body: 'INTEGER x = 2; return X + HELPER();',
    extra: 'static integer helper() { return 1; }',
    returns: '3'
  },
  {
    name: 'recursion',
    doc: 'Methods',
    body: 'return fact(10);',
    extra: 'static Integer fact(Integer n) { return n <= 1 ? 1 : n * fact(n - 1); }',
    returns: '3628800'
  },
  {
    name: 'inner class',
    doc: 'Inner classes',
    body: 'C.Inner i = new Inner(); i.x = 3; return i.x;',
    extra: 'public class Inner { public Integer x; }',
    returns: '3'
  },
  {
    name: 'other top-level class',
    doc: 'Classes',
    body: 'return Other.twice(4);',
    files: { Other: 'public class Other { public static Integer twice(Integer x) { return x * 2; } }' },
    returns: '8'
  },
  {
    name: 'inner class of another class',
    doc: 'Inner classes',
    body: 'Other.In i = new Other.In(); return i.v;',
    files: { Other: 'public class Other { public class In { public Integer v = 9; } }' },
    returns: '9'
  },
  {
    name: 'auto property',
    doc: 'Using Properties: automatic properties',
    body: 'P p = new P(); p.v = 4; return p.v;',
    extra: 'class P { public Integer v { get; set; } }',
    returns: '4'
  },
  {
    name: 'property with getter logic',
    doc: 'Using Properties',
    body: 'P p = new P(); return p.v + p.v;',
    extra: 'class P { Integer n = 0; public Integer v { get { n++; return n; } } }',
    returns: '3'
  },
  {
    name: 'property setter receives value',
    doc: 'Using Properties: set accessor',
    body: 'P p = new P(); p.v = 5; return p.v;',
    extra: 'class P { public Integer v { get; set { v = value * 2; } } }',
    returns: '10'
  },
  {
    name: 'lazy static property',
    doc: 'Using Properties: static',
    body: 'return P.cache + P.cache;',
    extra: "class P { public static String cache { get { if (cache == null) cache = 'x'; return cache; } set; } }",
    returns: 'xx'
  },
  {
    name: 'this field shadowed by parameter',
    doc: 'Using the this Keyword',
    body: 'return new P(3).v;',
    extra: 'class P { Integer v; P(Integer v) { this.v = v; } }',
    returns: '3'
  },
  {
    name: 'interface method call',
    doc: 'Interfaces',
    body: 'I i = new B(); return i.f();',
    extra: 'interface I { Integer f(); } class B implements I { public Integer f() { return 6; } }',
    returns: '6'
  },
  {
    name: 'default field values are null',
    doc: 'Variables: default null',
    body: 'return new P().b == null && new P().i == null;',
    extra: 'class P { public Boolean b; public Integer i; }',
    returns: 'true'
  },
  {
    name: 'toString used in concatenation',
    doc: 'Classes: toString',
    body: "return 'p=' + new P();",
    extra: "class P { public override String toString() { return 'P!'; } }",
    returns: 'p=P!'
  },
  {
    name: 'statics are per class',
    doc: 'Static variables',
    body: 'A.n = 1; B.n = 2; return A.n + B.n * 10;',
    files: { A: 'public class A { public static Integer n; }', B: 'public class B { public static Integer n; }' },
    returns: '21'
  },
  // ---- enums
  {
    name: 'enum values and ordinal',
    doc: 'Enums',
    body: 'return Color.values().size() * 10 + Color.BLUE.ordinal();',
    extra: 'enum Color { RED, GREEN, BLUE }',
    returns: '32'
  },
  {
    name: 'enum name and valueOf',
    doc: 'Enums: valueOf',
    body: "return Color.valueOf('GREEN').name();",
    extra: 'enum Color { RED, GREEN }',
    returns: 'GREEN'
  },
  {
    name: 'enum equality',
    doc: 'Enums',
    body: 'Color c = Color.RED; return c == Color.RED && c != Color.GREEN;',
    extra: 'enum Color { RED, GREEN }',
    returns: 'true'
  },
  {
    name: 'enum renders its name',
    doc: 'Enums',
    body: "return '' + Color.RED;",
    extra: 'enum Color { RED }',
    returns: 'RED'
  },
  // ---- collections (language level: initialisers, indexing)
  {
    name: 'list initialiser and index',
    doc: 'Lists',
    body: "List<String> l = new List<String>{'a','b'}; return l[1];",
    returns: 'b'
  },
  {
    name: 'array syntax',
    doc: 'Lists: array notation',
    body: "String[] a = new String[2]; a[0] = 'x'; return a.size() + a[0];",
    returns: '2x'
  },
  {
    name: 'array initialiser',
    doc: 'Lists: array notation',
    body: 'Integer[] a = new Integer[]{1, 2, 3}; return a[2];',
    returns: '3'
  },
  {
    name: 'index assignment',
    doc: 'Lists',
    body: 'List<Integer> l = new List<Integer>{1,2}; l[0] = 9; return l[0] + l[1];',
    returns: '11'
  },
  {
    name: 'set initialiser dedups',
    doc: 'Sets',
    body: "return new Set<String>{'a','a','b'}.size();",
    returns: '2',
    files: {}
  },
  {
    name: 'map initialiser',
    doc: 'Maps',
    body: "Map<String, Integer> m = new Map<String, Integer>{'a' => 1, 'b' => 2}; return m.size();",
    returns: '2'
  },
  {
    name: 'list renders with parentheses',
    doc: 'Lists: String.valueOf',
    body: "return '' + new List<Integer>{1, 2};",
    returns: '(1, 2)'
  },
  {
    name: 'map renders with braces',
    doc: 'Maps: String.valueOf',
    body: "return '' + new Map<String, Integer>{'a' => 1};",
    returns: '{a=1}'
  },
  // ---- SObjects (language level)
  {
    name: 'SObject constructor with fields',
    doc: 'sObject Types',
    body: "Account a = new Account(Name = 'Acme'); return a.Name;",
    returns: 'Acme'
  },
  {
    name: 'SObject field assignment',
    doc: 'Accessing sObject Fields',
    body: "Account a = new Account(); a.Name = 'X'; a.name += 'y'; return a.NAME;",
    returns: 'Xy'
  },
  {
    name: 'insert sets Id',
    doc: 'DML: insert',
    body: "Account a = new Account(Name='x'); insert a; return a.Id != null;",
    returns: 'true'
  },
  {
    name: 'System.debug goes to the log',
    doc: 'System.debug',
    body: "System.debug('hi ' + 1); return null;",
    returns: 'null',
    debug: ['hi 1']
  }
];

describe('Apex language conformance (interpreter)', () => {
  for (const c of CASES) {
    it(`${c.name} [${c.doc}]`, () => {
      const cls = `public class C {\n${c.extra ?? ''}\npublic static Object run() {\n${c.body}\n}\n}`;
      const r = run({ C: cls, ...(c.files ?? {}) }, 'C.run', { stepBudget: 20000 });
      if (c.throws !== undefined) {
        expect(r.error).toBeDefined();
        if (c.throws === 'timeout') expect(r.error).toBeInstanceOf(StepBudgetExceeded);
        else if (c.throws === 'unsupported') expect(r.error).toBeInstanceOf(UnsupportedError);
        else {
          if (!(r.error instanceof ApexThrow)) throw r.error;
          expect(r.error.message.startsWith(c.throws)).toBe(true);
        }
      } else {
        if (r.error) throw r.error instanceof Error ? r.error : new Error(JSON.stringify(r.error));
        expect(render(r.value)).toBe(c.returns);
      }
      if (c.debug) expect(r.debug).toEqual(c.debug);
    });
  }
  it('has at least 100 language cases', () => expect(CASES.length).toBeGreaterThanOrEqual(100));
});
