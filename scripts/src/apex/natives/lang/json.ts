import { NativeRegistry } from '../../runtime';

/** (being written) */
export function registerJson(registry: NativeRegistry): void {
  void registry;
}
