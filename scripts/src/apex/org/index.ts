import { NativeRegistry, Org } from '../runtime';
import { registerOrgClasses } from './natives';
import { LocalOrg } from './org';

export interface OrgOptions {
  /** Project root: its force-app metadata supplies custom objects, custom metadata records and static resources. */
  projectRoot: string;
}

/** Builds the in-memory org: the project's schema and custom metadata records plus the seeded setup records. */
export function createOrg(options: OrgOptions): Org {
  return new LocalOrg(options.projectRoot);
}

/** Database, Schema, SObject, AccessLevel and StatusCode. */
export function registerOrgNatives(registry: NativeRegistry): void {
  registerOrgClasses(registry);
}
