import { NativeRegistry } from '../runtime';
import { registerLang } from './lang';
import { registerPlatform } from './platform';
import { registerOrgNatives } from '../org';

/** Every platform class the runtime implements, in one registry. */
export function buildRegistry(): NativeRegistry {
  const registry = new NativeRegistry();
  registerLang(registry);
  registerOrgNatives(registry);
  registerPlatform(registry);
  return registry;
}
