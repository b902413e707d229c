/**
 * The one rule for an email address the alarm topic subscribes, used by the construct (`alarmEmails`) and by the
 * `invalidator` context reader, so that both accept the same addresses.
 */

/** A domain label: letters, digits and inner hyphens, at most 63 characters. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** The last label starts with a letter (`org`, `xn--p1ai`), so `ops@10.0.0.1` is refused. */
const TOP_LABEL = '[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL_ADDRESS = new RegExp(`^[^\\s@\\x00-\\x1f\\x7f]{1,64}@(?:${LABEL}\\.)+${TOP_LABEL}$`);
/** RFC 5321's longest forward path, less its angle brackets. */
const MAX_EMAIL_ADDRESS_LENGTH = 254;

/**
 * Whether `value` looks like an address SNS can send a subscription confirmation to: a local part of up to 64
 * characters without spaces, control characters or `@`, then a domain of at least two labels. It catches typos
 * (no `@`, no domain, a space); the address still has to confirm its subscription.
 *
 * @example
 * isEmailAddress('ops@example.org'); // true
 * isEmailAddress('ops.example.org'); // false
 */
export function isEmailAddress(value: string): boolean {
  return value.length <= MAX_EMAIL_ADDRESS_LENGTH && EMAIL_ADDRESS.test(value);
}
