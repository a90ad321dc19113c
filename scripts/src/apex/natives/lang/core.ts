import { NativeRegistry } from '../../runtime';
import { blobClasses } from './blob';
import { dateClasses } from './dates';
import { numberClasses } from './numbers';
import { matcherClass, patternClass } from './regex';
import { idClass, stringClass } from './strings';

/** String and Id, the number classes and Math, Date/Datetime/Time, Blob/EncodingUtil/Crypto, Pattern/Matcher. */
export function registerCore(registry: NativeRegistry): void {
  for (const cls of [
    stringClass,
    idClass,
    ...numberClasses,
    ...dateClasses,
    ...blobClasses,
    patternClass,
    matcherClass
  ])
    registry.register(cls);
}
