import { NativeRegistry } from '../../runtime';

/** (being written) */
export function registerSystem(registry: NativeRegistry): void {
  void registry;
}
