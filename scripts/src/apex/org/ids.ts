/**
 * Salesforce record Ids: 15-character case-sensitive ids widened to 18 characters with the case-safe suffix
 * (each 5-character chunk gives one suffix character: bit i set when character i is an upper-case letter, the
 * 5-bit value indexing "A..Z0..5").
 */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function idSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    out += SUFFIX.charAt(bits);
  }
  return out;
}

/** The 18-character form of a valid 15- or 18-character Id, or undefined when the text is not an Id. */
export function to18(text: string): string | undefined {
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(text)) return undefined;
  const id15 = text.slice(0, 15);
  const suffix = idSuffix(id15);
  if (text.length === 18 && text.slice(15).toUpperCase() !== suffix) return undefined;
  return id15 + suffix;
}

export const isId = (text: string): boolean => to18(text) !== undefined;

/** Makes record Ids: key prefix + '8d' (an instance-like marker no fake-id helper uses) + a base-62 counter. */
export class IdGenerator {
  private counter = 0;

  next(keyPrefix: string): string {
    if (!/^[a-zA-Z0-9]{3}$/.test(keyPrefix)) throw new Error(`bad key prefix ${keyPrefix}`);
    let n = ++this.counter;
    let digits = '';
    while (n > 0) {
      digits = BASE62.charAt(n % 62) + digits;
      n = Math.floor(n / 62);
    }
    const id15 = keyPrefix + '8d' + digits.padStart(10, '0');
    return id15 + idSuffix(id15);
  }

  get state(): number {
    return this.counter;
  }
  set state(v: number) {
    this.counter = v;
  }
}
