import { NativeRegistry } from '../../runtime';

/** Language-level platform classes: String, collections, numbers, dates, JSON, Pattern, Crypto... (in progress). */
export function registerLang(registry: NativeRegistry): void {
  void registry;
}
