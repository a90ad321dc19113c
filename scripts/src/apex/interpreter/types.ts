/**
 * Type names of the interpreter: canonical primitive names, the value → type mapping and Id validation.
 * Apex Developer Guide, "Primitive Data Types" and "Collections".
 */
import {
  ApexBlob,
  ApexDate,
  ApexDatetime,
  ApexDecimal,
  ApexDouble,
  ApexEnumValue,
  ApexList,
  ApexLong,
  ApexMap,
  ApexObject,
  ApexSet,
  ApexSObject,
  ApexTime,
  ApexTypeToken,
  NativeObject,
  TypeRef,
  typeRef,
  Value
} from '../values';

export const PRIMITIVES: Record<string, string> = {
  string: 'String',
  integer: 'Integer',
  long: 'Long',
  decimal: 'Decimal',
  double: 'Double',
  boolean: 'Boolean',
  id: 'Id',
  date: 'Date',
  datetime: 'Datetime',
  time: 'Time',
  blob: 'Blob',
  object: 'Object',
  sobject: 'SObject',
  list: 'List',
  set: 'Set',
  map: 'Map'
};

export const NUMERIC_RANK: Record<string, number> = { Integer: 1, Long: 2, Double: 3, Decimal: 4 };

export const T_OBJECT = typeRef('Object');
export const T_STRING = typeRef('String');
export const T_INTEGER = typeRef('Integer');
export const T_BOOLEAN = typeRef('Boolean');
export const T_ID = typeRef('Id');
export const T_SOBJECT = typeRef('SObject');

/** The runtime type of a value (user objects and natives by the caller-supplied name). */
export function valueType(v: Value): TypeRef {
  if (v === null) return T_OBJECT;
  if (typeof v === 'string') return T_STRING;
  if (typeof v === 'number') return T_INTEGER;
  if (typeof v === 'boolean') return T_BOOLEAN;
  if (v instanceof ApexLong) return typeRef('Long');
  if (v instanceof ApexDouble) return typeRef('Double');
  if (v instanceof ApexDecimal) return typeRef('Decimal');
  if (v instanceof ApexDate) return typeRef('Date');
  if (v instanceof ApexDatetime) return typeRef('Datetime');
  if (v instanceof ApexTime) return typeRef('Time');
  if (v instanceof ApexBlob) return typeRef('Blob');
  if (v instanceof ApexList) return typeRef('List', v.elemType);
  if (v instanceof ApexSet) return typeRef('Set', v.elemType);
  if (v instanceof ApexMap) return typeRef('Map', v.keyType, v.valueType);
  if (v instanceof ApexSObject) return typeRef(v.type);
  if (v instanceof ApexObject) return typeRef(v.cls.name);
  if (v instanceof ApexEnumValue) return typeRef(v.enumType);
  if (v instanceof ApexTypeToken) return typeRef('Type');
  if (v instanceof NativeObject) return typeRef(v.typeName);
  return T_OBJECT;
}
