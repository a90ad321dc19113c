import { run } from './fakes';
test('smoke', () => {
  const r = run(
    {
      Foo: `public class Foo {
    static Integer count = 0;
    public class Bar { public Integer x {get;set;} public Bar(Integer x) { this.x = x; } }
    public static Integer go() {
      List<Integer> xs = new List<Integer>{1,2,3};
      Integer sum = 0;
      for (Integer i : xs) sum += i;
      Bar b = new Bar(sum);
      try { Integer z = 1 / 0; } catch (MathException e) { System.debug(e.getMessage()); }
      String s = 'a' + b.x;
      System.assertEquals('a6', s);
      switch on s { when 'a6' { count++; } when else { count = 100; } }
      return b.x * 2 + count + 2147483647;
    }
  }`
    },
    'Foo.go'
  );
  if (r.error) throw r.error instanceof Error ? r.error : new Error(JSON.stringify(r.error));
  expect(r.value).toBe(-2147483636);
  expect(r.debug).toEqual(['Divide by 0']);
});
