import { InvalidMessageError, InvalidPathError, displayValue } from '../errors.ts';
import { MAX_PATH_LENGTH } from '../limits.ts';

/**
 * Invalidation paths as CloudFront wants them: starting with `/`, `*` only as the last character, at most
 * 4,000 characters, non-ASCII and RFC 1738 unsafe characters percent-encoded as UTF-8, existing `%XX` kept.
 */

/** RFC 1738 section 2.2 "unsafe" characters, plus `%` when it does not start an escape. */
const UNSAFE_ASCII = new Set([' ', '<', '>', '"', '#', '{', '}', '|', '\\', '^', '~', '[', ']', '`']);
const HEX = /^[0-9A-Fa-f]{2}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
/**
 * Paths that normalizing leaves unchanged: safe ASCII and valid `%XX` escapes only, `*` only last. Most paths
 * qualify (a parsed URL's path is already percent-encoded): they skip the character loop, the handler's hot spot.
 */
const ALREADY_NORMAL = /^\/(?:[!$&'()+,\-./0-9:;=?@A-Z_a-z]|%[0-9A-Fa-f]{2})*\*?$/;

/** Does `path` end in the wildcard `*`? */
export function isWildcard(path: string): boolean {
  return path.endsWith('*');
}

/**
 * Normalize one invalidation path.
 *
 * @example
 * normalizePath('/café/a b'); // '/caf%C3%A9/a%20b'
 * normalizePath('/already%20encoded'); // '/already%20encoded'
 * @param raw - the path as the producer wrote it
 * @returns the path to submit
 * @throws {InvalidPathError} naming the path and the rule it breaks
 */
export function normalizePath(raw: string): string {
  if (raw.length <= MAX_PATH_LENGTH && ALREADY_NORMAL.test(raw)) return raw;
  if (!raw.startsWith('/')) throw new InvalidPathError(raw, 'must start with "/"');
  const control = CONTROL_CHARACTER.exec(raw);
  if (control) {
    throw new InvalidPathError(raw, `contains the control character U+${control[0].codePointAt(0)!.toString(16).padStart(4, '0').toUpperCase()}`);
  }
  const star = raw.indexOf('*');
  if (star !== -1 && star !== raw.length - 1) {
    throw new InvalidPathError(raw, '"*" is allowed only as the last character');
  }
  let encoded = '';
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index]!;
    const code = char.charCodeAt(0);
    if (code > 0x7f) {
      const pointLength = code >= 0xd800 && code <= 0xdbff ? 2 : 1;
      const point = raw.slice(index, index + pointLength);
      try {
        encoded += encodeURIComponent(point);
      } catch {
        throw new InvalidPathError(raw, 'contains a lone UTF-16 surrogate, which has no UTF-8 encoding');
      }
      index += pointLength - 1;
    } else if (char === '%') {
      encoded += HEX.test(raw.slice(index + 1, index + 3)) ? '%' : '%25';
    } else if (UNSAFE_ASCII.has(char)) {
      encoded += `%${code.toString(16).toUpperCase()}`;
    } else {
      encoded += char;
    }
  }
  if (encoded.length > MAX_PATH_LENGTH) {
    throw new InvalidPathError(raw, `is ${encoded.length} characters once encoded; CloudFront allows at most ${MAX_PATH_LENGTH}`);
  }
  return encoded;
}

/** A URL with any `user:password@` replaced by `***@`, for error messages and logs. */
export function redactUrl(raw: string): string {
  // Up to the last "@" before the path: a password may itself contain "@" (or spaces, quotes).
  return raw.replace(/^(\s*[a-z][a-z0-9+.-]*:[/\\]*)?[^/?#]*@/i, '$1***@');
}

/**
 * Like `redactUrl`, but up to the last "@" of the whole text: for a URL the parser did not split (unparseable,
 * protocol-relative, another scheme, a value of the wrong type), where a password may hold an unencoded "#", "?" or "/".
 */
export function redactUnparsedUrl(raw: string): string {
  return raw.replace(/^(\s*(?:[a-z][a-z0-9+.-]*:)?[/\\]*)?[\s\S]*@/i, '$1***@');
}

/**
 * Parse a page URL into its hostname (to choose the distribution) and its invalidation path: the URL's path
 * plus `?query` when it has one; the fragment is dropped.
 *
 * @example
 * parsePageUrl('http://www.example.com?query=value'); // { hostname: 'www.example.com', path: '/?query=value' }
 * @throws {InvalidMessageError} `InvalidUrl` for a relative URL, a scheme other than http/https, credentials, a
 * control character or a lone surrogate
 * @throws {InvalidPathError} when the derived path breaks a path rule
 */
export function parsePageUrl(raw: string): { hostname: string; path: string } {
  return parseSimplePageUrl(raw) ?? parsePageUrlInFull(raw);
}

function parsePageUrlInFull(raw: string): { hostname: string; path: string } {
  // The URL parser silently drops tabs and newlines ("/a\nb" would become "/ab"): reject them, as in paths.
  const control = CONTROL_CHARACTER.exec(raw);
  if (control) {
    throw new InvalidMessageError(
      'InvalidUrl',
      `invalid URL ${displayValue(redactUnparsedUrl(raw))}: contains the control character U+${control[0].codePointAt(0)!.toString(16).padStart(4, '0').toUpperCase()}`,
    );
  }
  // The URL parser silently replaces a lone surrogate by U+FFFD (another path): reject it, as in paths.
  if (!raw.isWellFormed()) {
    throw new InvalidMessageError('InvalidUrl', `invalid URL ${displayValue(redactUnparsedUrl(raw))}: contains a lone UTF-16 surrogate`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidMessageError('InvalidUrl', `invalid URL ${displayValue(redactUnparsedUrl(raw))}: not an absolute URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidMessageError('InvalidUrl', `invalid URL ${displayValue(redactUrl(raw))}: credentials are not allowed in a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidMessageError(
      'InvalidUrl',
      `invalid URL ${displayValue(redactUnparsedUrl(raw))}: scheme ${JSON.stringify(url.protocol.slice(0, -1))} is not http or https`,
    );
  }
  return { hostname: url.hostname, path: normalizePath(url.pathname + url.search) };
}

/** Character classes of the fast path, by ASCII code. */
const HOST_CHAR = 1;
/** Kept as is by the URL parser (path and query alike) and by normalizePath. */
const PATH_CHAR = 2;
const CHAR_CLASS = new Uint8Array(128);
for (const char of 'abcdefghijklmnopqrstuvwxyz0123456789.-') CHAR_CLASS[char.charCodeAt(0)] = HOST_CHAR | PATH_CHAR;
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZ_!$&()+,;=:@/") CHAR_CLASS[char.charCodeAt(0)] = PATH_CHAR;
const isHexDigit = (code: number): boolean => (code >= 0x30 && code <= 0x39) || ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x66);
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;

/**
 * parsePageUrl's fast path, for the URLs producers send: `http(s)://` in lowercase, a host of `[a-z0-9.-]` (no
 * empty label, no `xn--`, not ending in a digit-led label, which the URL parser would read as IPv4), an optional
 * port, then a path and query of characters that neither the URL parser nor normalizePath changes, `%XX` escapes
 * and non-ASCII text (both encode it as UTF-8 `%XX`). Returns exactly what the full path returns, or undefined for
 * anything else (dot segments, `%2e`, `\\`, `#`, `'`, credentials, controls, an empty query, ...): the full path
 * then decides, and words every error.
 *
 * @example
 * parseSimplePageUrl('https://www.example.org/café/?p=2'); // { hostname: 'www.example.org', path: '/caf%C3%A9/?p=2' }
 * parseSimplePageUrl('https://www.example.org/a/../b'); // undefined
 */
export function parseSimplePageUrl(raw: string): { hostname: string; path: string } | undefined {
  const length = raw.length;
  let index = raw.startsWith('https://') ? 8 : raw.startsWith('http://') ? 7 : -1;
  if (index === -1) return undefined;

  const hostStart = index;
  let labelStart = index;
  for (; index < length; index++) {
    const code = raw.charCodeAt(index);
    if (code >= 128 || (CHAR_CLASS[code]! & HOST_CHAR) === 0) break;
    if (code === 0x2e /* . */) {
      if (index === labelStart) return undefined;
      labelStart = index + 1;
    } else if (index === labelStart && code === 0x78 /* x */ && raw.startsWith('xn--', index)) {
      return undefined;
    }
  }
  if (index === labelStart || isDigit(raw.charCodeAt(labelStart))) return undefined;
  const hostname = raw.slice(hostStart, index);

  if (index < length && raw.charCodeAt(index) === 0x3a /* : */) {
    const portStart = ++index;
    while (index < length && isDigit(raw.charCodeAt(index))) index++;
    if (index === portStart || index - portStart > 5 || Number(raw.slice(portStart, index)) > 65_535) return undefined;
  }
  if (index === length) return { hostname, path: '/' };
  const first = raw.charCodeAt(index);
  if (first !== 0x2f /* / */ && first !== 0x3f /* ? */) return undefined;

  const pathStart = index;
  let nonAscii = false;
  let escapes = false;
  let inQuery = false;
  let segmentStart = index + 1;
  for (; index < length; index++) {
    const code = raw.charCodeAt(index);
    if (code < 128 && (CHAR_CLASS[code]! & PATH_CHAR) !== 0) {
      if (code === 0x2f /* / */ && !inQuery) {
        if (isDotSegment(raw, segmentStart, index)) return undefined;
        segmentStart = index + 1;
      }
    } else if (code === 0x3f /* ? */) {
      if (!inQuery) {
        if (index === length - 1 || isDotSegment(raw, segmentStart, index)) return undefined;
        inQuery = true;
      }
    } else if (code === 0x25 /* % */) {
      const high = raw.charCodeAt(index + 1);
      const low = raw.charCodeAt(index + 2);
      if (!isHexDigit(high) || !isHexDigit(low) || (!inQuery && high === 0x32 && (low | 0x20) === 0x65)) return undefined;
      escapes = true;
      index += 2;
    } else if (code === 0x2a /* * */) {
      if (index !== length - 1) return undefined;
    } else if (code >= 128) {
      // Non-ASCII, encoded below; a lone surrogate has no UTF-8 form.
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = raw.charCodeAt(index + 1);
        if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return undefined;
        index++;
      }
      nonAscii = true;
    } else {
      return undefined;
    }
  }
  if (!inQuery && isDotSegment(raw, segmentStart, length)) return undefined;

  let path = first === 0x3f ? `/${raw.slice(pathStart)}` : raw.slice(pathStart);
  // The URL parser and normalizePath both write non-ASCII as its UTF-8 bytes in %XX (uppercase), as encodeURI does;
  // encodeURI leaves every other character accepted here as is, but for "%": then encode character by character.
  // Without "%", encodeURI runs even on ASCII, where it changes nothing: it writes a flat copy, where a slice stays a
  // view into the URL that V8 hashes and compares about twice as slowly (the planner sorts and hashes every path).
  if (!escapes) path = encodeURI(path);
  else if (nonAscii) path = path.replace(/[^\0-\x7f]+/g, encodeURIComponent);
  return path.length <= MAX_PATH_LENGTH ? { hostname, path } : undefined;
}

/** Is `raw.slice(start, end)` a `.` or `..` segment, which the URL parser resolves? */
function isDotSegment(raw: string, start: number, end: number): boolean {
  const length = end - start;
  return (length === 1 || length === 2) && raw.charCodeAt(start) === 0x2e && raw.charCodeAt(end - 1) === 0x2e;
}

/** How many of `paths` are files and how many wildcards. */
export function countPaths(paths: Iterable<string>): { files: number; wildcards: number } {
  let files = 0;
  let wildcards = 0;
  for (const path of paths) {
    if (isWildcard(path)) wildcards++;
    else files++;
  }
  return { files, wildcards };
}
