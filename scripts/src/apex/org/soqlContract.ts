/**
 * The contract with the SOQL engine in ./soql (written by another helper). Loaded lazily so the org builds even
 * before that module exists; a query then fails loudly as unsupported.
 */
import { BindResolver, Runtime, UnsupportedError } from '../runtime';
import { ApexSObject } from '../values';

export interface SoqlSource {
  rows(object: string): ApexSObject[];
  /** The object's rows in the recycle bin (IsDeleted = true), for ALL ROWS. */
  deletedRows?(object: string): ApexSObject[];
  objectName(n: string): string | undefined;
  fieldName(o: string, f: string): string | undefined;
  fieldType(o: string, f: string): string | undefined;
  parentRelationship(o: string, relName: string): { field: string; targets: string[] } | undefined;
  childRelationship(o: string, relName: string): { childObject: string; field: string } | undefined;
  record(id: string): ApexSObject | undefined;
}

export type SoqlResult =
  | { kind: 'rows'; object: string; rows: ApexSObject[] }
  | { kind: 'count'; count: number }
  | { kind: 'aggregate'; rows: ApexSObject[] };

type RunSoql = (rt: Runtime, soql: string, binds: BindResolver, src: SoqlSource) => SoqlResult;

let cached: RunSoql | undefined;

export function runSoqlEngine(rt: Runtime, soql: string, binds: BindResolver, src: SoqlSource): SoqlResult {
  if (!cached) {
    let mod: { runSoql?: RunSoql };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require('./soql') as { runSoql?: RunSoql };
    } catch {
      throw new UnsupportedError('SOQL (the engine in scripts/src/apex/org/soql is not there)', rt.currentPos());
    }
    if (typeof mod.runSoql !== 'function')
      throw new UnsupportedError('SOQL (org/soql exports no runSoql)', rt.currentPos());
    cached = mod.runSoql;
  }
  return cached(rt, soql, binds, src);
}

/** For tests: replaces the engine. */
export function setSoqlEngine(fn: RunSoql | undefined): void {
  cached = fn;
}
