import { NativeRegistry } from '../../runtime';
import { registerCollections } from './collections';
import { registerCore } from './core';
import { registerJson } from './json';

/** Language-level platform classes: String, numbers, dates, Blob, Pattern, Crypto (core), collections, JSON. */
export function registerLang(registry: NativeRegistry): void {
  registerCore(registry);
  registerCollections(registry);
  registerJson(registry);
}
