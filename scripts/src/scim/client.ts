import { ExitCode, ProvisioError } from '../cli/errors';
import { redactor } from '../cli/redact';

/** One SCIM call as evidence: what was sent and received (redacted), with timing. */
export interface ScimExchange {
  method: string;
  url: string;
  status?: number;
  request?: unknown;
  response?: unknown;
  durationMs: number;
  attempts: number;
  notes: string[];
}

export interface ScimResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  exchange: ScimExchange;
}

export interface ScimClientOptions {
  /** Per-attempt timeout (default 20 s, like the engine's TimeoutMs__c default). */
  timeoutMs?: number;
  /** Retries of 429/503 answers, honouring Retry-After (default 3). */
  maxRetries?: number;
  /** Longest Retry-After we wait for, in seconds (default 30). */
  maxRetryAfterSeconds?: number;
  signal?: AbortSignal;
  /** Called with each finished exchange (for evidence reports). */
  onExchange?: (exchange: ScimExchange) => void;
  /** Called before waiting for a retry. */
  onRetry?: (message: string) => void;
}

/** Thrown for a SCIM answer that is an error: carries the HTTP status and the target's `detail`. */
export class ScimError extends ProvisioError {
  constructor(
    name: string,
    message: string,
    readonly status: number | undefined,
    readonly detail: string | undefined,
    readonly scimType: string | undefined,
    options: { exitCode?: (typeof ExitCode)[keyof typeof ExitCode]; actions?: string[]; cause?: unknown } = {}
  ) {
    super(name, message, {
      exitCode: options.exitCode ?? ExitCode.FAILED,
      actions: options.actions,
      cause: options.cause
    });
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      },
      { once: true }
    );
  });

/** Reads a boolean the way targets send it: true/false, or Entra-style "True"/"False" strings. */
export function scimBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return undefined;
}

function networkCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code;
}

/**
 * A small SCIM 2.0 client for the CLI's own checks (validate outbound, scim-target smoke tests). It turns every
 * way a target can misbehave into a ProvisioError that names the target, the status and the target's own
 * `detail`, and retries 429/503 according to Retry-After.
 */
export class ScimClient {
  readonly baseUrl: string;
  private readonly options: Required<Omit<ScimClientOptions, 'signal' | 'onExchange' | 'onRetry'>> &
    Pick<ScimClientOptions, 'signal' | 'onExchange' | 'onRetry'>;

  constructor(
    baseUrl: string,
    private readonly token: string,
    options: ScimClientOptions = {}
  ) {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw new ProvisioError('BadTargetUrl', `"${baseUrl}" is not a URL.`, {
        exitCode: ExitCode.USAGE,
        actions: ['Pass the SCIM base URL, for example https://scim.example.com/scim/v2']
      });
    }
    if (!/^https?:$/.test(parsed.protocol)) {
      throw new ProvisioError('BadTargetUrl', `The SCIM base URL must be http(s), not ${parsed.protocol}`, {
        exitCode: ExitCode.USAGE
      });
    }
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    redactor.add(token);
    this.options = {
      timeoutMs: options.timeoutMs ?? 20_000,
      maxRetries: options.maxRetries ?? 3,
      maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 30,
      signal: options.signal,
      onExchange: options.onExchange,
      onRetry: options.onRetry
    };
  }

  /** Sends one SCIM request; resolves for 2xx, throws ScimError for everything else. */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<ScimResponse<T>> {
    const url = `${this.baseUrl}${path}`;
    const exchange: ScimExchange = {
      method,
      url,
      request: body === undefined ? undefined : redactor.redactValue(body),
      durationMs: 0,
      attempts: 0,
      notes: []
    };
    const started = Date.now();
    try {
      for (;;) {
        exchange.attempts++;
        const response = await this.send(method, url, body);
        exchange.status = response.status;
        const text = await this.readBody(response, url);
        if ((response.status === 429 || response.status === 503) && exchange.attempts <= this.options.maxRetries) {
          const waitSeconds = retryAfterSeconds(response.headers.get('retry-after'));
          if (waitSeconds <= this.options.maxRetryAfterSeconds) {
            const note = `${method} ${path}: target answered ${response.status}; retrying in ${waitSeconds}s (Retry-After).`;
            exchange.notes.push(note);
            this.options.onRetry?.(note);
            await sleep(waitSeconds * 1000, this.options.signal);
            continue;
          }
        }
        const parsed = this.parse(response, text, url);
        exchange.response = redactor.redactValue(parsed);
        if (response.status >= 200 && response.status < 300) {
          return { status: response.status, body: parsed as T, headers: response.headers, exchange };
        }
        throw this.statusError(method, url, response, parsed);
      }
    } finally {
      exchange.durationMs = Date.now() - started;
      this.options.onExchange?.(exchange);
    }
  }

  private async send(method: string, url: string, body: unknown): Promise<Response> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = this.options.signal ? AbortSignal.any([timeout, this.options.signal]) : timeout;
    try {
      return await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          Accept: 'application/scim+json, application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal
      });
    } catch (error) {
      throw this.networkError(method, url, error, timeout);
    }
  }

  private async readBody(response: Response, url: string): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw new ScimError(
        'TargetConnectionReset',
        `The SCIM target closed the connection while sending the answer to ${url} (HTTP ${response.status}).`,
        response.status,
        undefined,
        undefined,
        { exitCode: ExitCode.ORG, cause: error, actions: ['Retry; if it persists, check the target or its proxy.'] }
      );
    }
  }

  private networkError(method: string, url: string, error: unknown, timeout: AbortSignal): ProvisioError {
    if (this.options.signal?.aborted) {
      return this.options.signal.reason instanceof ProvisioError
        ? this.options.signal.reason
        : new ProvisioError('Interrupted', 'Interrupted.', { exitCode: ExitCode.INTERRUPTED });
    }
    if (timeout.aborted) {
      return new ScimError(
        'TargetTimeout',
        `The SCIM target did not answer ${method} ${url} within ${this.options.timeoutMs / 1000}s.`,
        undefined,
        undefined,
        undefined,
        { exitCode: ExitCode.ORG, cause: error, actions: ['Check that the target is healthy, or raise --timeout.'] }
      );
    }
    const code = networkCode(error);
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
      return new ScimError(
        'TargetUnreachable',
        `The SCIM target at ${this.baseUrl} is down or unreachable (${code}).`,
        undefined,
        undefined,
        undefined,
        { exitCode: ExitCode.ORG, cause: error, actions: ['Check the URL and that the target is running.'] }
      );
    }
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
      return new ScimError(
        'TargetConnectionReset',
        `The SCIM target reset the connection for ${method} ${url} (${code}).`,
        undefined,
        undefined,
        undefined,
        { exitCode: ExitCode.ORG, cause: error, actions: ['Retry; if it persists, check the target or its proxy.'] }
      );
    }
    return new ScimError(
      'TargetRequestFailed',
      `${method} ${url} failed: ${error instanceof Error ? error.message : String(error)}${code ? ` (${code})` : ''}`,
      undefined,
      undefined,
      undefined,
      { exitCode: ExitCode.ORG, cause: error }
    );
  }

  private parse(response: Response, text: string, url: string): unknown {
    if (text === '') return {};
    const type = response.headers.get('content-type') ?? '';
    if (/html/i.test(type) || /^\s*<(!doctype|html)/i.test(text)) {
      throw new ScimError(
        'TargetAnsweredHtml',
        `The SCIM target answered ${url} with an HTML page (HTTP ${response.status}) instead of SCIM JSON: ` +
          'the URL may point at a web page, a login page or a proxy error page.',
        response.status,
        undefined,
        undefined,
        { exitCode: ExitCode.ORG, actions: ['Check the SCIM base URL (it usually ends in /scim/v2).'] }
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ScimError(
        'TargetInvalidJson',
        `The SCIM target answered ${url} (HTTP ${response.status}) with a body that is not valid JSON ` +
          `(${text.length} bytes; truncated?): ${text.slice(0, 80)}`,
        response.status,
        undefined,
        undefined,
        {
          exitCode: ExitCode.ORG,
          actions: ['Retry; a truncated body usually means a proxy or the target cut the answer.']
        }
      );
    }
  }

  private statusError(method: string, url: string, response: Response, body: unknown): ScimError {
    const b = (body ?? {}) as { detail?: unknown; scimType?: unknown };
    const detail = typeof b.detail === 'string' ? b.detail : undefined;
    const scimType = typeof b.scimType === 'string' ? b.scimType : undefined;
    const status = response.status;
    const said = detail ? `: "${detail}"` : '';
    if (status === 401) {
      return new ScimError(
        'TargetUnauthorized',
        `The SCIM target refused the bearer token (401)${said}.`,
        status,
        detail,
        scimType,
        { exitCode: ExitCode.ORG, actions: ['Check the token (and that it belongs to this target URL).'] }
      );
    }
    if (status === 403) {
      return new ScimError(
        'TargetForbidden',
        `The SCIM target answered 403 Forbidden${said}.`,
        status,
        detail,
        scimType,
        {
          exitCode: ExitCode.ORG,
          actions: ['The token is valid but lacks permission for this operation.']
        }
      );
    }
    if (status === 429 || status === 503) {
      const retryAfter = response.headers.get('retry-after');
      return new ScimError(
        status === 429 ? 'TargetRateLimited' : 'TargetUnavailable',
        `The SCIM target answered ${status} to ${method} ${url}${said}` +
          `${retryAfter ? ` (Retry-After: ${retryAfter})` : ''}, and kept doing so after ${this.options.maxRetries} retries.`,
        status,
        detail,
        scimType,
        { exitCode: ExitCode.ORG, actions: ['Wait and run again, or lower the request rate.'] }
      );
    }
    if (status >= 500) {
      return new ScimError(
        'TargetServerError',
        `The SCIM target failed ${method} ${url} with HTTP ${status}${said}.`,
        status,
        detail,
        scimType,
        {
          exitCode: ExitCode.ORG
        }
      );
    }
    return new ScimError(
      'TargetRejected',
      `The SCIM target rejected ${method} ${url} with HTTP ${status}${scimType ? ` (${scimType})` : ''}${said}.`,
      status,
      detail,
      scimType
    );
  }

  getUser(id: string): Promise<ScimResponse> {
    return this.request('GET', `/Users/${encodeURIComponent(id)}`);
  }

  /** The user with this userName, or undefined (filter `userName eq`, RFC 7644 §3.4.2.2). */
  async findUserByUserName(userName: string): Promise<Record<string, unknown> | undefined> {
    const filter = `userName eq "${userName.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    const response = await this.request<{ Resources?: Array<Record<string, unknown>> }>(
      'GET',
      `/Users?filter=${encodeURIComponent(filter)}`
    );
    return response.body.Resources?.[0];
  }

  serviceProviderConfig(): Promise<ScimResponse> {
    return this.request('GET', '/ServiceProviderConfig');
  }
}

function retryAfterSeconds(header: string | null): number {
  if (!header) return 1;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1 : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
