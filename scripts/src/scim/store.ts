import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync
} from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';

/** A stored SCIM resource: the attributes SCIMMY hands to ingress, plus the server-owned `id` and `meta`. */
export interface StoredResource {
  id: string;
  meta: { resourceType: 'User' | 'Group'; created: string; lastModified: string };
  [attribute: string]: unknown;
}

export type ResourceKind = 'User' | 'Group';

/** One line of the journal: a whole resource written, or a resource removed. */
interface JournalEntry {
  seq: number;
  op: 'put' | 'delete';
  kind: ResourceKind;
  id: string;
  resource?: StoredResource;
}

interface Snapshot {
  format: 'provisio-scim-target';
  version: 1;
  seq: number;
  users: StoredResource[];
  groups: StoredResource[];
}

/** Raised for a userName (or group displayName) that is already taken; the server maps it to 409 uniqueness. */
export class UniquenessError extends Error {}

/** Raised when the data file cannot be read back: the target refuses to start rather than start empty. */
export class StoreCorruptError extends Error {}

const COMPACT_EVERY = 50_000;

/**
 * The SCIM target's data: users and groups in memory, made durable with a snapshot file plus an append-only journal
 * (`<file>.journal`). Every change is appended to the journal with a sequence number before the request is
 * answered, so a crash or a restart loses nothing (with `fsync`, not even on power loss). The snapshot is rewritten
 * atomically (temporary file, fsync, rename) on close and after 50,000 changes (or twice the data size); journal lines already in the
 * snapshot are skipped on load, so a crash between the rename and the journal truncation is harmless.
 * Without a file the store is memory only.
 */
export class ScimStore {
  readonly users = new Map<string, StoredResource>();
  readonly groups = new Map<string, StoredResource>();
  private readonly userNames = new Map<string, string>();
  private readonly memberOf = new Map<string, Set<string>>();
  private seq = 0;
  private journalFd?: number;
  private journalEntries = 0;
  /** Lines of the journal that could not be replayed (a torn last line after a crash). */
  readonly recovered: { replayed: number; skippedTornLine: boolean } = { replayed: 0, skippedTornLine: false };

  private constructor(
    private readonly file: string | undefined,
    private readonly fsync: boolean
  ) {}

  /** Opens (or creates) the store at `file`; `undefined` keeps everything in memory. */
  static open(file: string | undefined, options: { fsync?: boolean } = {}): ScimStore {
    const store = new ScimStore(file, Boolean(options.fsync));
    if (file) store.load(file);
    return store;
  }

  private load(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file)) {
      let snapshot: Snapshot;
      try {
        snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
      } catch (error) {
        throw new StoreCorruptError(
          `The SCIM target data file ${file} is not valid JSON (${(error as Error).message}); move it away to start empty.`
        );
      }
      if (snapshot.format !== 'provisio-scim-target' || !Array.isArray(snapshot.users)) {
        throw new StoreCorruptError(`${file} is not a provisio scim-target data file; pass another --data-file.`);
      }
      this.seq = snapshot.seq;
      for (const user of snapshot.users) this.applyPut('User', user);
      for (const group of snapshot.groups ?? []) this.applyPut('Group', group);
    }
    const journal = `${file}.journal`;
    if (existsSync(journal)) {
      const lines = readFileSync(journal, 'utf8').split('\n');
      lines.forEach((line, index) => {
        if (line.trim() === '') return;
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line) as JournalEntry;
        } catch {
          // Only the last line can be torn (a crash mid-write); anything else is real corruption.
          if (index >= lines.length - 2) {
            this.recovered.skippedTornLine = true;
            return;
          }
          throw new StoreCorruptError(`${journal} line ${index + 1} is not valid JSON; the journal is corrupt.`);
        }
        if (entry.seq <= this.seq) return;
        this.apply(entry);
        this.seq = entry.seq;
        this.recovered.replayed++;
      });
    }
    this.journalFd = openSync(journal, 'a');
    if (this.recovered.replayed > 0 || this.recovered.skippedTornLine) this.compact();
  }

  private apply(entry: JournalEntry): void {
    if (entry.op === 'put' && entry.resource) this.applyPut(entry.kind, entry.resource);
    else if (entry.op === 'delete') this.applyDelete(entry.kind, entry.id);
  }

  private applyPut(kind: ResourceKind, resource: StoredResource): void {
    if (kind === 'User') {
      const previous = this.users.get(resource.id);
      if (previous) this.userNames.delete(String(previous.userName).toLowerCase());
      this.users.set(resource.id, resource);
      this.userNames.set(String(resource.userName).toLowerCase(), resource.id);
    } else {
      const previous = this.groups.get(resource.id);
      for (const member of memberIds(previous)) this.memberOf.get(member)?.delete(resource.id);
      this.groups.set(resource.id, resource);
      for (const member of memberIds(resource)) {
        const set = this.memberOf.get(member) ?? new Set<string>();
        set.add(resource.id);
        this.memberOf.set(member, set);
      }
    }
  }

  private applyDelete(kind: ResourceKind, id: string): void {
    if (kind === 'User') {
      const previous = this.users.get(id);
      if (!previous) return;
      this.userNames.delete(String(previous.userName).toLowerCase());
      this.users.delete(id);
      // A deleted user leaves every group it was in (RFC 7644 §3.6: the service provider removes references).
      for (const groupId of this.memberOf.get(id) ?? []) {
        const group = this.groups.get(groupId);
        if (group) group.members = (group.members as Array<{ value: string }>).filter((m) => m.value !== id);
      }
      this.memberOf.delete(id);
    } else {
      const previous = this.groups.get(id);
      for (const member of memberIds(previous)) this.memberOf.get(member)?.delete(id);
      this.groups.delete(id);
    }
  }

  private record(entry: Omit<JournalEntry, 'seq'>): void {
    const full: JournalEntry = { ...entry, seq: this.seq + 1 };
    if (this.journalFd !== undefined) {
      writeSync(this.journalFd, `${JSON.stringify(full)}\n`);
      if (this.fsync) fsyncSync(this.journalFd);
      this.journalEntries++;
    }
    this.seq = full.seq;
    this.apply(full);
    // Amortised: a snapshot costs O(resources), so compact only after at least that many changes.
    if (this.journalEntries >= Math.max(COMPACT_EVERY, 2 * (this.users.size + this.groups.size))) this.compact();
  }

  /** Writes the snapshot atomically and empties the journal. */
  compact(): void {
    if (!this.file || this.journalFd === undefined) return;
    const snapshot: Snapshot = {
      format: 'provisio-scim-target',
      version: 1,
      seq: this.seq,
      users: [...this.users.values()],
      groups: [...this.groups.values()]
    };
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(snapshot));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    ftruncateSync(this.journalFd, 0);
    this.journalEntries = 0;
  }

  /** Compacts and closes the journal. */
  close(): void {
    if (this.journalFd === undefined) return;
    this.compact();
    closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  /** Sequence number of the last change; any write moves it (used to invalidate cached renderings). */
  get version(): number {
    return this.seq;
  }

  /** The id of the user with this userName (case-insensitive: userName has caseExact=false in RFC 7643). */
  userIdByName(userName: string): string | undefined {
    return this.userNames.get(userName.toLowerCase());
  }

  /** Ids of the groups a user belongs to. */
  groupsOf(userId: string): string[] {
    return [...(this.memberOf.get(userId) ?? [])];
  }

  /** Creates (no id) or replaces (id) a resource; returns the stored copy. */
  write(kind: ResourceKind, id: string | undefined, attributes: Record<string, unknown>): StoredResource {
    const map = kind === 'User' ? this.users : this.groups;
    const previous = id === undefined ? undefined : map.get(id);
    if (id !== undefined && !previous) throw new NotFoundError(`${kind} ${id} not found`);
    if (kind === 'User') {
      const userName = typeof attributes.userName === 'string' ? attributes.userName : '';
      const owner = this.userIdByName(userName);
      if (owner !== undefined && owner !== id) throw new UniquenessError(`userName ${userName} is already taken`);
    } else {
      const unknown = memberIds(attributes).filter((member) => !this.users.has(member) && !this.groups.has(member));
      if (unknown.length > 0) throw new InvalidMemberError(`No such member: ${unknown.join(', ')}`);
    }
    const now = new Date().toISOString();
    const resource: StoredResource = {
      ...withoutServerOwned(attributes),
      id: previous?.id ?? randomUUID(),
      meta: { resourceType: kind, created: previous?.meta.created ?? now, lastModified: now }
    };
    this.record({ op: 'put', kind, id: resource.id, resource });
    return resource;
  }

  /** Deletes a resource; throws NotFoundError when it does not exist. */
  remove(kind: ResourceKind, id: string): void {
    const map = kind === 'User' ? this.users : this.groups;
    if (!map.has(id)) throw new NotFoundError(`${kind} ${id} not found`);
    this.record({ op: 'delete', kind, id });
  }

  /** Removes every user and group (admin reset), durably. */
  clear(): void {
    for (const id of [...this.groups.keys()]) this.record({ op: 'delete', kind: 'Group', id });
    for (const id of [...this.users.keys()]) this.record({ op: 'delete', kind: 'User', id });
  }
}

export class NotFoundError extends Error {}
export class InvalidMemberError extends Error {}

function memberIds(resource: Record<string, unknown> | undefined): string[] {
  const members = resource?.members;
  if (!Array.isArray(members)) return [];
  return members.map((member: { value?: unknown }) => String(member.value));
}

/** Drops what the server owns (id, meta), the computed `groups`, and secrets that must never reach the data file. */
function withoutServerOwned(attributes: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(attributes)) as Record<string, unknown>;
  delete copy.id;
  delete copy.meta;
  delete copy.groups;
  delete copy.password;
  delete copy.schemas;
  return copy;
}
