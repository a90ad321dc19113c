import { NativeRegistry } from '../../runtime';
import { matcherClass, patternClass } from './regex';

/**
 * Core language natives. Registered so far: Pattern and Matcher (Java regex translated to JS RegExp).
 * String, numbers, dates, Blob, EncodingUtil and Crypto are NOT yet written: calls to them are unresolved natives.
 */
export function registerCore(registry: NativeRegistry): void {
  registry.register(patternClass);
  registry.register(matcherClass);
}
