import { redactor } from '../cli/redact';
import { xmlEscape, xmlUnescape } from './xml';

/** The highest API version that still has SOAP login() (unavailable from 65.0). */
export const SOAP_LOGIN_MAX_VERSION = '64.0';

export type LoginOutcome =
  | 'ok'
  | 'disabled'
  | 'invalid-login'
  | 'needs-token'
  | 'missing-use-any-api-auth'
  | 'api-disabled'
  | 'unsupported-version'
  | 'error';

/** What a SOAP login() probe found. The session it may have opened is never returned or kept. */
export interface LoginProbe {
  outcome: LoginOutcome;
  apiVersion: string;
  /** Salesforce's fault code (prefix stripped), when it answered with a fault. */
  code?: string;
  /** Salesforce's fault message, or a description of the transport error. */
  message: string;
  passwordExpired?: boolean;
  httpStatus?: number;
}

/**
 * Parses a SOAP fault: the code from `faultcode` with an optional `prefix:` removed (both `sf:INVALID_LOGIN` and a
 * bare `INVALID_LOGIN` occur in real captures), the message from `exceptionMessage` or the faultstring after
 * `CODE: `.
 */
export function parseSoapFault(xml: string): { code: string; message: string } | undefined {
  const faultcode = /<faultcode>([^<]*)<\/faultcode>/.exec(xml)?.[1];
  if (!faultcode) return undefined;
  const code = faultcode.replace(/^[\w-]+:/, '').trim();
  const detail = /<(?:[\w-]+:)?exceptionMessage>([\s\S]*?)<\/(?:[\w-]+:)?exceptionMessage>/.exec(xml)?.[1];
  const faultstring = /<faultstring>([\s\S]*?)<\/faultstring>/.exec(xml)?.[1] ?? '';
  const message = xmlUnescape(detail ?? faultstring.replace(new RegExp(`^${code}:\\s*`), ''));
  return { code, message };
}

/** Maps a fault code to what it means for inbound provisioning. */
export function outcomeOf(code: string): LoginOutcome {
  switch (code) {
    case 'INVALID_OPERATION':
      return 'disabled';
    case 'INVALID_LOGIN':
      return 'invalid-login';
    case 'LOGIN_MUST_USE_SECURITY_TOKEN':
      return 'needs-token';
    case 'INSUFFICIENT_ACCESS':
      return 'missing-use-any-api-auth';
    case 'API_CURRENTLY_DISABLED':
    case 'API_DISABLED_FOR_ORG':
      return 'api-disabled';
    case 'UNSUPPORTED_API_VERSION':
      return 'unsupported-version';
    default:
      return 'error';
  }
}

/** The lower of the org's API version and 64.0: login() exists only up to 64.0. */
export function loginVersion(apiVersion: string): string {
  return Number(apiVersion) > Number(SOAP_LOGIN_MAX_VERSION) ? SOAP_LOGIN_MAX_VERSION : apiVersion;
}

/**
 * Probes SOAP partner login() at `{instanceUrl}/services/Soap/u/{version}` (My Domain host) with a username and
 * password+token, as the Entra gallery connector does. The password is registered with the redactor; the session
 * of a successful login is dropped unread.
 */
export async function probeSoapLogin(options: {
  instanceUrl: string;
  username: string;
  password: string;
  apiVersion: string;
  signal?: AbortSignal;
}): Promise<LoginProbe> {
  redactor.add(options.password);
  const apiVersion = loginVersion(options.apiVersion);
  const body =
    '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">' +
    '<env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com">' +
    `<n1:username>${xmlEscape(options.username)}</n1:username><n1:password>${xmlEscape(options.password)}</n1:password>` +
    '</n1:login></env:Body></env:Envelope>';
  let response: Response;
  try {
    response = await fetch(`${options.instanceUrl.replace(/\/+$/, '')}/services/Soap/u/${apiVersion}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=UTF-8', SOAPAction: 'login' },
      body,
      signal: options.signal
    });
  } catch (error) {
    return { outcome: 'error', apiVersion, message: `login() request failed: ${(error as Error).message}` };
  }
  const text = await response.text();
  const fault = parseSoapFault(text);
  if (fault) {
    return {
      outcome: outcomeOf(fault.code),
      apiVersion,
      code: fault.code,
      message: fault.message,
      httpStatus: response.status
    };
  }
  if (response.ok && /<(?:[\w-]+:)?sessionId>/.test(text)) {
    const sessionId = /<(?:[\w-]+:)?sessionId>([^<]*)</.exec(text)?.[1];
    redactor.add(sessionId);
    return {
      outcome: 'ok',
      apiVersion,
      message: 'login() succeeded',
      passwordExpired: /<(?:[\w-]+:)?passwordExpired>true</.test(text),
      httpStatus: response.status
    };
  }
  return {
    outcome: 'error',
    apiVersion,
    message: `Unexpected login() response (HTTP ${response.status}): ${text.slice(0, 200)}`,
    httpStatus: response.status
  };
}
