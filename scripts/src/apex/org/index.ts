import { NativeRegistry, Org } from '../runtime';
import { LocalOrg } from './org';

export interface OrgOptions {
  /** Project root: its force-app metadata supplies custom objects, custom metadata records and static resources. */
  projectRoot: string;
}

/** Builds the in-memory org: the project's schema and custom metadata records plus the seeded setup records. */
export function createOrg(options: OrgOptions): Org {
  return new LocalOrg(options.projectRoot);
}

/** Database, Schema and SObject platform classes (in progress). */
export function registerOrgNatives(registry: NativeRegistry): void {
  void registry;
}
