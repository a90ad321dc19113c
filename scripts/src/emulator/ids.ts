import { randomBytes } from 'node:crypto';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Well-known key prefixes of the sObjects the emulator stores. */
export const KEY_PREFIX: Record<string, string> = {
  Organization: '00D',
  User: '005',
  Profile: '00e',
  UserLicense: '100',
  PermissionSet: '0PS',
  PermissionSetAssignment: '0Pa',
  PermissionSetLicense: '0PL',
  LoginIpRange: '0Ig',
  UserRole: '00E',
  Group: '00G',
  Account: '001',
  Contact: '003',
  AsyncApexJob: '707',
  DeployRequest: '0Af',
  QueryLocator: '01g',
  ExternalClientApplication: '0xI',
  ConnectedApplication: '0H4'
};

/** The 3-character case-safe suffix Salesforce appends to a 15-character id. */
export function idSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return suffix;
}

/** Converts a 15-character id to its 18-character form (18-character ids are returned unchanged). */
export function to18(id: string): string {
  return id.length === 15 ? id + idSuffix(id) : id;
}

/** Whether `value` looks like a Salesforce id (15 or 18 characters, valid suffix when 18). */
export function isSalesforceId(value: string): boolean {
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value)) return false;
  return value.length === 15 || idSuffix(value.slice(0, 15)) === value.slice(15);
}

/** Generates ids: deterministic per generator (a counter after a pod-like prefix), 18 characters. */
export class IdGenerator {
  private counter = 0;
  constructor(private readonly pod = '5g') {}

  next(keyPrefix: string): string {
    this.counter++;
    let n = this.counter;
    let body = '';
    while (body.length < 8) {
      body = BASE62.charAt(n % 62) + body;
      n = Math.floor(n / 62);
    }
    const id15 = `${keyPrefix}${this.pod}00${body}`.slice(0, 15);
    return to18(id15);
  }
}

/** Random base62 text, for session tokens and security tokens. */
export function randomText(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62.charAt(bytes[i] % 62);
  return out;
}
