import { NativeRegistry } from '../../runtime';

/** Platform services: Http, Test, Limits, async, EventBus, Messaging, UserInfo, UserProvisioning... (in progress). */
export function registerPlatform(registry: NativeRegistry): void {
  void registry;
}
