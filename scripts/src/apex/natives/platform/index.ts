import { NativeRegistry } from '../../runtime';
import { registerServices } from './services';
import { registerSystem } from './system';

/** Platform classes: System, Test, Limits, Assert, Type, async (system.ts); Http, EventBus, Messaging, UserProvisioning... (services.ts). */
export function registerPlatform(registry: NativeRegistry): void {
  registerSystem(registry);
  registerServices(registry);
}
