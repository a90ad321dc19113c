/**
 * The platform's exception classes, modelled as built-in classes of the interpreter's class model so that user
 * exceptions extend them and `catch` matches by subtype (Apex Developer Guide, "Exception Class and Built-In
 * Exceptions"). Every built-in type is in the System namespace; `getTypeName()` answers `System.XxxException`.
 */
import { ClassDef } from './classes';

/** The built-in exception types the Apex Reference lists in the System namespace. */
export const BUILTIN_EXCEPTIONS = [
  'AssertException',
  'AuraHandledException',
  'AsyncException',
  'BigObjectException',
  'CalloutException',
  'DmlException',
  'EmailException',
  'ExternalObjectException',
  'FinalException',
  'HandledException',
  'IllegalArgumentException',
  'InvalidHeaderException',
  'InvalidParameterValueException',
  'JSONException',
  'LimitException',
  'ListException',
  'MathException',
  'NoAccessException',
  'NoDataFoundException',
  'NoSuchElementException',
  'NullPointerException',
  'QueryException',
  'RequiredFeatureMissingException',
  'SearchException',
  'SecurityException',
  'SerializationException',
  'SObjectException',
  'StringException',
  'TypeException',
  'UnexpectedException',
  'VisualforceException',
  'XmlException',
  'CryptoException',
  'ProcedureException',
  'QueueableException'
];

/** Creates the built-in exception classes: `Exception` and its System subtypes, keyed by lower-case simple name. */
export function builtinExceptionClasses(): Map<string, ClassDef> {
  const out = new Map<string, ClassDef>();
  const base = new ClassDef('Exception', 'class', '<platform>', 0);
  base.isException = true;
  base.modifiers = ['virtual', 'global'];
  out.set('exception', base);
  for (const name of BUILTIN_EXCEPTIONS) out.set(name.toLowerCase(), builtinException(name, base));
  return out;
}

export function builtinException(name: string, base: ClassDef): ClassDef {
  const cls = new ClassDef(`System.${name}`, 'class', '<platform>', 0);
  cls.isException = true;
  cls.superClass = base;
  cls.modifiers = ['virtual', 'global'];
  return cls;
}

/** The type name Apex reports for an exception class: `System.NullPointerException`, `MyService.MyException`. */
export function exceptionTypeName(cls: ClassDef): string {
  return cls.name === 'Exception' ? 'System.Exception' : cls.name;
}
