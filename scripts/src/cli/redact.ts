/**
 * Keeps secrets out of everything the CLI prints or writes. Every secret the CLI reads (passwords, tokens,
 * security tokens) is registered here the moment it is read; `redact` replaces each occurrence with a mask in any
 * text, and `redactValue` walks objects (reports, JSON output, recorded HTTP exchanges) and also masks values of
 * keys that look secret, such as `password`, `access_token` or an `Authorization` header.
 */
const MASK = '[REDACTED]';
const SECRET_KEY = /pass(word)?|secret|token|authorization|sessionid|session_id|api[-_]?key|cookie|credential/i;
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Registers a secret value; short values are ignored to avoid masking common words. */
  add(secret: string | undefined | null): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) {
      this.secrets.add(secret);
      // Tokens also travel URL-encoded (SOAP bodies, query strings): mask that form too.
      const encoded = encodeURIComponent(secret);
      if (encoded !== secret) this.secrets.add(encoded);
    }
  }

  /** Masks every registered secret and bearer/session tokens in a string. */
  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(MASK);
    }
    out = out.replace(/(Bearer|OAuth)\s+[A-Za-z0-9._~+/=!-]{8,}/g, `$1 ${MASK}`);
    out = out.replace(/<(\w+:)?(sessionId|password)>[^<]*<\/(\w+:)?\2>/g, `<$1$2>${MASK}</$3$2>`);
    return out;
  }

  /** Deep copy of `value` with registered secrets masked and secret-looking keys blanked. */
  redactValue<T>(value: T): T {
    return this.walk(value, undefined) as T;
  }

  private walk(value: unknown, key: string | undefined): unknown {
    if (typeof value === 'string') {
      return key && SECRET_KEY.test(key) && value.length > 0 ? MASK : this.redact(value);
    }
    if (Array.isArray(value)) return value.map((item) => this.walk(item, undefined));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = this.walk(v, k);
      return out;
    }
    return value;
  }
}

/** The process-wide redactor used by output, logs and reports. */
export const redactor = new Redactor();
