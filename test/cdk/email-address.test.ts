import { describe, expect, test } from 'vitest';
import { readInvalidatorContext } from '../../lib/app-config.ts';
import { isEmailAddress } from '../../lib/email-address.ts';
import { queueStack, WWW_DISTRIBUTION } from './cdk-test-app.ts';

/** Accepted by the construct (`alarmEmails`)? */
function constructAccepts(email: string): boolean {
  try {
    queueStack({ alarmEmails: [email] });
    return true;
  } catch {
    return false;
  }
}

/** Accepted by the `invalidator` context reader? */
function contextAccepts(email: string): boolean {
  try {
    readInvalidatorContext({ distributions: [WWW_DISTRIBUTION], alarmEmails: [email] });
    return true;
  } catch {
    return false;
  }
}

const VALID = ['ops@example.org', 'first.last+alarms@mail.example.co.uk', "o'brien@example.org", 'ops@xn--80ak6aa92e.xn--p1ai', 'a@b.io'];
const INVALID = [
  'ops',
  'ops.example.org',
  'ops@example',
  'ops@@example.org',
  'ops @example.org',
  'ops@exa mple.org',
  'ops@-example.org',
  'ops@example-.org',
  'ops@example..org',
  'ops@.example.org',
  'ops@example.org.',
  'ops@10.0.0.1',
  'ops\n@example.org',
  '',
  `${'a'.repeat(65)}@example.org`,
  `ops@${'a'.repeat(250)}.org`,
];

describe('isEmailAddress', () => {
  test.each(VALID)('%j is an address', (email) => {
    expect(isEmailAddress(email)).toBe(true);
  });

  test.each(INVALID)('%j is not an address', (email) => {
    expect(isEmailAddress(email)).toBe(false);
  });

  test.each([...VALID, ...INVALID])('the construct and the context reader agree on %j', (email) => {
    // Act
    const expected = isEmailAddress(email);

    // Assess
    expect(constructAccepts(email)).toBe(expected);
    expect(contextAccepts(email)).toBe(expected);
  });

  test('both name the bad address', () => {
    expect(() => queueStack({ alarmEmails: ['ops@example'] })).toThrow(
      'alarmEmails must hold email addresses (given "ops@example")',
    );
    // The context reader's messages redact anything before an "@" (lambda/read/issue-format.ts, for URL credentials).
    expect(() => readInvalidatorContext({ distributions: [WWW_DISTRIBUTION], alarmEmails: ['ops@example'] })).toThrow(
      /alarmEmails\[0\]: must be an email address \(given "\*\*\*@example"\)$/,
    );
  });
});
