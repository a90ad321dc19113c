import { NativeRegistry } from '../../runtime';

/** (being written) */
export function registerCore(registry: NativeRegistry): void {
  void registry;
}
