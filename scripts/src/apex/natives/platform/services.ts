import { NativeRegistry } from '../../runtime';

/** (being written) */
export function registerServices(registry: NativeRegistry): void {
  void registry;
}
