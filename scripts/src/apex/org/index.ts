import { NativeRegistry, Org } from '../runtime';

export interface OrgOptions {
  /** Project root: its force-app metadata supplies custom objects, custom metadata records and static resources. */
  projectRoot: string;
}

/** Builds the in-memory org (in progress). */
export function createOrg(options: OrgOptions): Org {
  throw new Error(`createOrg not implemented yet for ${options.projectRoot}`);
}

/** Database, Schema and SObject platform classes (in progress). */
export function registerOrgNatives(registry: NativeRegistry): void {
  void registry;
}
