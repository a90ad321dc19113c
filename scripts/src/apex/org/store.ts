/** Record storage of the local org: live rows per object, the recycle bin, counters; cheap deep snapshots. */
import { ApexSObject, Value } from '../values';

export function copyRecord(r: ApexSObject, keepRelationships = false): ApexSObject {
  const c = new ApexSObject(r.type);
  for (const [k, v] of r.fields) {
    if (!keepRelationships && (v.value instanceof ApexSObject || isListValue(v.value))) continue;
    c.fields.set(k, { name: v.name, value: v.value });
  }
  return c;
}

const isListValue = (v: Value): boolean => typeof v === 'object' && v !== null && v.constructor.name === 'ApexList';

export interface StoreState {
  live: Map<string, Map<string, ApexSObject>>;
  bin: Map<string, ApexSObject>;
  ids: number;
  autoNumbers: Map<string, number>;
  /** How many rows other transactions had committed when this state was taken (see Store.commitElsewhere). */
  foreign: number;
}

export class Store {
  state: StoreState = { live: new Map(), bin: new Map(), ids: 0, autoNumbers: new Map(), foreign: 0 };
  /** Rows committed by another transaction while one ran: a rollback of the running one keeps them. */
  private readonly foreignRows: ApexSObject[] = [];

  table(object: string): Map<string, ApexSObject> {
    const key = object.toLowerCase();
    let t = this.state.live.get(key);
    if (!t) {
      t = new Map();
      this.state.live.set(key, t);
    }
    return t;
  }

  get(id: string): ApexSObject | undefined {
    for (const t of this.state.live.values()) {
      const r = t.get(id);
      if (r) return r;
    }
    return undefined;
  }

  snapshot(): StoreState {
    const live = new Map<string, Map<string, ApexSObject>>();
    for (const [k, t] of this.state.live) {
      const copy = new Map<string, ApexSObject>();
      for (const [id, r] of t) copy.set(id, copyRecord(r));
      live.set(k, copy);
    }
    const bin = new Map<string, ApexSObject>();
    for (const [id, r] of this.state.bin) bin.set(id, copyRecord(r));
    return {
      live,
      bin,
      ids: this.state.ids,
      autoNumbers: new Map(this.state.autoNumbers),
      foreign: this.foreignRows.length
    };
  }

  /** Marks a stored row as committed by another (concurrent) transaction: restoring an older snapshot keeps it. */
  commitElsewhere(row: ApexSObject): void {
    this.foreignRows.push(copyRecord(row));
    this.state.foreign = this.foreignRows.length;
  }

  restore(s: StoreState): void {
    // Restore a copy so the same snapshot can be restored again (test isolation restores one token many times).
    const keep = this.state;
    this.state = s;
    const again = this.snapshot();
    this.state = again;
    for (const row of this.foreignRows.slice(s.foreign))
      this.table(row.type).set(row.get('Id') as string, copyRecord(row));
    this.state.foreign = this.foreignRows.length;
    void keep;
  }
}
