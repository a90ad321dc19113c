/**
 * Blob, EncodingUtil and Crypto (Apex Reference). Digest and MAC names follow the documented algorithm names
 * (MD5, SHA1, SHA-256, SHA-512; hmacSHA256...). EncodingUtil.urlEncode is application/x-www-form-urlencoded
 * (spaces as '+'), as java.net.URLEncoder does.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { NativeClass, Runtime } from '../../runtime';
import { ApexBlob, Value } from '../../values';
import { Fns, int, long, lowerKeys, npe, str, unsupported } from './util';

const blob = (rt: Runtime, v: Value): Buffer => {
  if (v === null) npe(rt);
  if (!(v instanceof ApexBlob)) unsupported(rt, 'a Blob argument');
  return v.bytes;
};

const DIGESTS: Record<string, string> = {
  md5: 'md5',
  sha1: 'sha1',
  'sha-256': 'sha256',
  'sha-512': 'sha512',
  sha256: 'sha256',
  sha512: 'sha512'
};
const MACS: Record<string, string> = { hmacmd5: 'md5', hmacsha1: 'sha1', hmacsha256: 'sha256', hmacsha512: 'sha512' };

function algorithm(rt: Runtime, table: Record<string, string>, name: Value): string {
  const a = table[str(rt, name).toLowerCase()];
  if (!a) rt.throwApex('System.InvalidParameterValueException', `Invalid algorithm: ${str(rt, name)}`);
  return a;
}

const AES: Record<string, string> = { aes128: 'aes-128-cbc', aes192: 'aes-192-cbc', aes256: 'aes-256-cbc' };

const encodingStatics: Fns = {
  base64Encode: (rt, [b]) => blob(rt, b).toString('base64'),
  base64Decode: (rt, [s]) => {
    const text = str(rt, s);
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(text)) rt.throwApex('System.StringException', 'Unrecognized base64 character');
    return new ApexBlob(Buffer.from(text, 'base64'));
  },
  convertToHex: (rt, [b]) => blob(rt, b).toString('hex'),
  convertFromHex: (rt, [s]) => new ApexBlob(Buffer.from(str(rt, s), 'hex')),
  urlEncode: (rt, [s, enc]) => {
    if (enc !== undefined && str(rt, enc).toUpperCase() !== 'UTF-8')
      unsupported(rt, `urlEncode charset ${str(rt, enc)}`);
    return encodeURIComponent(str(rt, s))
      .replace(/%20/g, '+')
      .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  },
  urlDecode: (rt, [s, enc]) => {
    if (enc !== undefined && str(rt, enc).toUpperCase() !== 'UTF-8')
      unsupported(rt, `urlDecode charset ${str(rt, enc)}`);
    try {
      return decodeURIComponent(str(rt, s).replace(/\+/g, ' '));
    } catch {
      return rt.throwApex(
        'System.IllegalArgumentException',
        `URLDecoder: Illegal hex characters in escape (%) pattern`
      );
    }
  }
};

const cryptoStatics: Fns = {
  generateDigest: (rt, [a, b]) =>
    new ApexBlob(
      createHash(algorithm(rt, DIGESTS, a))
        .update(blob(rt, b))
        .digest()
    ),
  generateMac: (rt, [a, input, key]) =>
    new ApexBlob(
      createHmac(algorithm(rt, MACS, a), blob(rt, key))
        .update(blob(rt, input))
        .digest()
    ),
  getRandomInteger: () => randomInt(-(2 ** 31), 2 ** 31 - 1),
  getRandomLong: () => long(randomBytes(8).readBigInt64BE()),
  generateAesKey: (rt, [size]) => {
    const n = int(rt, size);
    if (![128, 192, 256].includes(n))
      rt.throwApex('System.InvalidParameterValueException', `Invalid AES key size: ${n}`);
    return new ApexBlob(randomBytes(n / 8));
  },
  encryptWithManagedIV: (rt, [a, key, data]) => {
    const alg = AES[str(rt, a).toLowerCase()] ?? unsupported(rt, `Crypto algorithm ${str(rt, a)}`);
    const iv = randomBytes(16);
    const c = createCipheriv(alg, blob(rt, key), iv);
    return new ApexBlob(Buffer.concat([iv, c.update(blob(rt, data)), c.final()]));
  },
  decryptWithManagedIV: (rt, [a, key, data]) => {
    const alg = AES[str(rt, a).toLowerCase()] ?? unsupported(rt, `Crypto algorithm ${str(rt, a)}`);
    const bytes = blob(rt, data);
    try {
      const d = createDecipheriv(alg, blob(rt, key), bytes.subarray(0, 16));
      return new ApexBlob(Buffer.concat([d.update(bytes.subarray(16)), d.final()]));
    } catch {
      return rt.throwApex('System.SecurityException', 'Given final block not properly padded');
    }
  }
};

export const blobClasses: NativeClass[] = [
  {
    name: 'Blob',
    namespace: 'System',
    kind: 'class',
    statics: lowerKeys({
      valueOf: (rt: Runtime, [s]: Value[]) => new ApexBlob(Buffer.from(str(rt, s), 'utf8'))
    }),
    methods: lowerKeys({
      size: (rt: Runtime, _a: Value[], s: Value) => blob(rt, s).length,
      toString: (rt: Runtime, _a: Value[], s: Value) => blob(rt, s).toString('utf8')
    })
  },
  { name: 'EncodingUtil', namespace: 'System', kind: 'class', statics: lowerKeys(encodingStatics) },
  { name: 'Crypto', namespace: 'System', kind: 'class', statics: lowerKeys(cryptoStatics) }
];
