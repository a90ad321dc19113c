import { NativeRegistry, Runtime } from '../../../src/apex/runtime';
import { registerCore } from '../../../src/apex/natives/lang/core';
import { compileJava, quoteJava, replaceJava, splitJava } from '../../../src/apex/natives/lang/regex';
import { ApexList, NativeObject, Value } from '../../../src/apex/values';

/** A minimal fake Runtime: only what the regex natives call. */
function fakeRt(): Runtime {
  return {
    throwApex(type: string, msg: string): never {
      throw new Error(`${type}: ${msg}`);
    },
    currentPos: () => undefined,
    typeOf: () => ({ name: 'Object', args: [] })
  } as unknown as Runtime;
}

const rt = fakeRt();
const reg = new NativeRegistry();
registerCore(reg);
const pattern = reg.find('Pattern')!;
const matcher = reg.find('System.Matcher')!;
const call = (
  fn: ((r: Runtime, a: Value[], s: Value) => Value) | undefined,
  args: Value[],
  self: Value = null
): Value => fn!(rt, args, self);

describe('Java regex (Pattern, Matcher, String.split semantics)', () => {
  it('split with limit 0 drops trailing empty strings (Java String.split)', () => {
    expect(splitJava(compileJava(rt, ','), 'a,b,,', 0)).toEqual(['a', 'b']);
  });
  it('split with a negative limit keeps trailing empty strings', () => {
    expect(splitJava(compileJava(rt, ','), 'a,b,,', -1)).toEqual(['a', 'b', '', '']);
  });
  it('split with a positive limit leaves the rest in the last element', () => {
    expect(splitJava(compileJava(rt, ':'), 'boo:and:foo', 2)).toEqual(['boo', 'and:foo']);
  });
  it('split with no match returns the input as the only element', () => {
    expect(splitJava(compileJava(rt, ','), 'abc', 0)).toEqual(['abc']);
  });
  it('Pattern.quote makes metacharacters literal', () => {
    expect(splitJava(compileJava(rt, quoteJava('|')), 'a|b', 0)).toEqual(['a', 'b']);
  });
  it('replaceAll expands $1 group references (Matcher.replaceAll)', () => {
    expect(replaceJava(rt, compileJava(rt, '(a)(b)'), 'xaby', '$2$1', false)).toBe('xbay');
  });
  it('replaceAll with a missing group throws a StringException', () => {
    expect(() => replaceJava(rt, compileJava(rt, '(a)'), 'a', '$2', false)).toThrow(
      'System.StringException: No group 2'
    );
  });
  it('Pattern.matches requires the whole input to match', () => {
    expect(call(pattern.statics?.matches, ['[0-9a-f]{2}', 'ab'])).toBe(true);
    expect(call(pattern.statics?.matches, ['[0-9a-f]{2}', 'abc'])).toBe(false);
  });
  it('Java $ also matches before a final line terminator', () => {
    expect(call(pattern.statics?.matches, ['ab$', 'ab'])).toBe(true);
  });
  it('Matcher.find and group walk successive matches', () => {
    const p = call(pattern.statics?.compile, ['([a-z])([0-9])']) as NativeObject;
    const m = call(pattern.methods?.matcher, ['a1 b2'], p);
    expect(call(matcher.methods?.find, [], m)).toBe(true);
    expect(call(matcher.methods?.group, [2], m)).toBe('1');
    expect(call(matcher.methods?.start, [], m)).toBe(0);
    expect(call(matcher.methods?.find, [], m)).toBe(true);
    expect(call(matcher.methods?.group, [], m)).toBe('b2');
    expect(call(matcher.methods?.end, [], m)).toBe(5);
    expect(call(matcher.methods?.find, [], m)).toBe(false);
  });
  it('Matcher.group before a match throws (IllegalStateException as StringException)', () => {
    const p = call(pattern.statics?.compile, ['x']) as NativeObject;
    const m = call(pattern.methods?.matcher, ['x'], p);
    expect(() => call(matcher.methods?.group, [], m)).toThrow('No match found');
  });
  it('embedded (?is) flags are honoured', () => {
    const p = call(pattern.statics?.compile, ['(?is)<title>(.*?)</title>']) as NativeObject;
    const m = call(pattern.methods?.matcher, ['<TITLE>a\nb</TITLE>'], p);
    expect(call(matcher.methods?.find, [], m)).toBe(true);
    expect(call(matcher.methods?.group, [1], m)).toBe('a\nb');
  });
  it('possessive quantifiers are refused loudly', () => {
    expect(() => compileJava(rt, 'a++')).toThrow(/unsupported: Java regex construct/);
  });
  it('Pattern.split returns a List<String>', () => {
    const p = call(pattern.statics?.compile, [',']) as NativeObject;
    expect((call(pattern.methods?.split, ['a,b'], p) as ApexList).items).toEqual(['a', 'b']);
  });
});
