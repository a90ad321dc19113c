import { NativeRegistry } from '../../runtime';

/** (being written) */
export function registerCollections(registry: NativeRegistry): void {
  void registry;
}
