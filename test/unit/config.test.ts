import { describe, expect, it } from 'vitest';
import { loadHandlerSettings, parseInvalidatorConfig, parseInvalidatorConfigJson } from '../../lambda/config.ts';
import {
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_RETRY_BASE_DELAY_SECONDS,
  DEFAULT_RETRY_MAX_DELAY_SECONDS,
} from '../../lambda/defaults.ts';
import { ConfigurationError } from '../../lambda/errors.ts';
import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { MEDIA_DISTRIBUTION_ID, WWW_DISTRIBUTION_ID, testConfig } from '../helpers/factories.ts';
import { thrown } from './thrown.ts';

describe('parseInvalidatorConfig', () => {
  it('defaults', () => {
    // Act
    const config = parseInvalidatorConfig({ distributions: [{ id: WWW_DISTRIBUTION_ID }] });

    // Assess
    expect(config).toStrictEqual({
      distributions: [{ id: WWW_DISTRIBUTION_ID }],
      maxPathsPerInvalidation: MAX_PATHS_PER_INVALIDATION,
      maxWildcardsPerInvalidation: MAX_WILDCARDS_IN_PROGRESS,
    });
    expect(config.maxPathsPerInvalidation).toBe(3000);
    expect(config.maxWildcardsPerInvalidation).toBe(15);
  });

  it('keeps the limits given', () => {
    // Act
    const config = parseInvalidatorConfig({
      distributions: [{ id: WWW_DISTRIBUTION_ID }],
      maxPathsPerInvalidation: 1,
      maxWildcardsPerInvalidation: 1,
    });

    // Assess
    expect(config).toMatchObject({ maxPathsPerInvalidation: 1, maxWildcardsPerInvalidation: 1 });
  });

  it('stores hostnames lower-case', () => {
    // Act
    const config = parseInvalidatorConfig({
      distributions: [{ id: WWW_DISTRIBUTION_ID, hostnames: ['WWW.Example.COM', '.Example.ORG', '[::1]', '[FE80::1]', '*'] }],
    });

    // Assess
    expect(config.distributions[0]!.hostnames).toStrictEqual(['www.example.com', '.example.org', '[::1]', '[fe80::1]', '*']);
  });

  it.each([
    ['an exact name', 'www.example.org'],
    ['a domain', '.example.org'],
    ['a single label', 'localhost'],
    ['an IPv4 address', '127.0.0.1'],
    ['an IPv6 address', '[::1]'],
    ['any host', '*'],
    ['a hyphenated label', 'my-site.example.org'],
  ])('accepts %s as a hostname', (_name, hostname) => {
    // Act
    const config = parseInvalidatorConfig({ distributions: [{ id: WWW_DISTRIBUTION_ID, hostnames: [hostname] }] });

    // Assess
    expect(config.distributions[0]!.hostnames).toStrictEqual([hostname]);
  });

  it.each([
    ['a missing distributions list', {}, 'distributions: Invalid input: expected array, received undefined'],
    ['an empty distributions list', { distributions: [] }, 'distributions: must name at least one distribution (given [])'],
    ['null', null, 'Invalid input: expected object, received null (given null)'],
    [
      'a lowercase id',
      { distributions: [{ id: 'edfdvbd6example' }] },
      'distributions[0].id: must be a CloudFront distribution id: 1 to 64 uppercase letters and digits (given "edfdvbd6example")',
    ],
    [
      'an id with a hyphen',
      { distributions: [{ id: 'E1-EXAMPLE' }] },
      'distributions[0].id: must be a CloudFront distribution id: 1 to 64 uppercase letters and digits (given "E1-EXAMPLE")',
    ],
    ['an empty id', { distributions: [{ id: '' }] }, 'distributions[0].id: must be a CloudFront distribution id'],
    [
      'a 65-character id',
      { distributions: [{ id: 'E'.repeat(65) }] },
      `distributions[0].id: must be a CloudFront distribution id: 1 to 64 uppercase letters and digits (given "${'E'.repeat(65)}")`,
    ],
    ['a missing id', { distributions: [{ hostnames: ['www.example.org'] }] }, 'distributions[0].id: Invalid input: expected string, received undefined'],
    [
      'a duplicate id',
      { distributions: [{ id: 'E1' }, { id: 'E1' }] },
      'distributions[1].id: duplicate distribution id "E1" (given "E1")',
    ],
    [
      'a hostname mapped to two distributions',
      { distributions: [{ id: 'E1', hostnames: ['www.example.org'] }, { id: 'E2', hostnames: ['WWW.example.org'] }] },
      'distributions[1].hostnames[0]: duplicate hostname "www.example.org" (already mapped to E1) (given "www.example.org")',
    ],
    [
      'a hostname given twice',
      { distributions: [{ id: 'E1', hostnames: ['.example.org', '.example.org'] }] },
      'distributions[0].hostnames[1]: duplicate hostname ".example.org" (already mapped to E1)',
    ],
    [
      '"*" in two distributions',
      { distributions: [{ id: 'E1', hostnames: ['*'] }, { id: 'E2', hostnames: ['*'] }] },
      'distributions[1].hostnames[0]: duplicate hostname "*" (already mapped to E1)',
    ],
    [
      'a URL as a hostname',
      { distributions: [{ id: 'E1', hostnames: ['https://www.example.org'] }] },
      'distributions[0].hostnames[0]: must be a hostname (www.example.org), a domain with a leading dot (.example.org) or "*" (given "https://www.example.org")',
    ],
    [
      'a "*." wildcard hostname',
      { distributions: [{ id: 'E1', hostnames: ['*.example.org'] }] },
      'distributions[0].hostnames[0]: must be a hostname (www.example.org), a domain with a leading dot (.example.org) or "*" (given "*.example.org")',
    ],
    ['a hostname with a port', { distributions: [{ id: 'E1', hostnames: ['www.example.org:443'] }] }, '(given "www.example.org:443")'],
    ['an empty hostname', { distributions: [{ id: 'E1', hostnames: [''] }] }, 'distributions[0].hostnames[0]: must be a hostname'],
    ['a hostname with a space', { distributions: [{ id: 'E1', hostnames: ['www example.org'] }] }, '(given "www example.org")'],
    ['an unknown top-level field', { distributions: [{ id: 'E1' }], maxPaths: 10 }, 'unknown field "maxPaths"'],
    ['an unknown distribution field', { distributions: [{ id: 'E1', hostname: 'www.example.org' }] }, 'distributions[0]: unknown field "hostname"'],
    ['maxPathsPerInvalidation 0', { distributions: [{ id: 'E1' }], maxPathsPerInvalidation: 0 }, 'maxPathsPerInvalidation: Too small: expected number to be >=1 (given 0)'],
    ['maxPathsPerInvalidation 3001', { distributions: [{ id: 'E1' }], maxPathsPerInvalidation: 3001 }, 'maxPathsPerInvalidation: Too big: expected number to be <=3000 (given 3001)'],
    ['maxPathsPerInvalidation 1.5', { distributions: [{ id: 'E1' }], maxPathsPerInvalidation: 1.5 }, 'maxPathsPerInvalidation: Invalid input: expected int, received number (given 1.5)'],
    ['maxPathsPerInvalidation "10"', { distributions: [{ id: 'E1' }], maxPathsPerInvalidation: '10' }, 'maxPathsPerInvalidation: Invalid input: expected number, received string (given "10")'],
    ['maxWildcardsPerInvalidation 0', { distributions: [{ id: 'E1' }], maxWildcardsPerInvalidation: 0 }, 'maxWildcardsPerInvalidation: Too small: expected number to be >=1 (given 0)'],
    ['maxWildcardsPerInvalidation 16', { distributions: [{ id: 'E1' }], maxWildcardsPerInvalidation: 16 }, 'maxWildcardsPerInvalidation: Too big: expected number to be <=15 (given 16)'],
  ])('rejects %s, naming the field and value', (_name, value, expected) => {
    // Act
    const error = thrown(() => parseInvalidatorConfig(value));

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^INVALIDATOR_CONFIG is invalid: /);
    expect(error.message).toContain(expected);
  });

  it('names the configuration by its source', () => {
    // Act
    const error = thrown(() => parseInvalidatorConfig({ distributions: [] }, 'invalidator context'));

    // Assess
    expect(error.message).toMatch(/^invalidator context is invalid: /);
  });

  it('reports every bad field at once', () => {
    // Act
    const error = thrown(() =>
      parseInvalidatorConfig({ distributions: [{ id: 'bad' }, { id: 'E2', hostnames: ['no way'] }], maxPathsPerInvalidation: 0 }),
    );

    // Assess
    expect(error.message).toContain('distributions[0].id');
    expect(error.message).toContain('distributions[1].hostnames[0]');
    expect(error.message).toContain('maxPathsPerInvalidation');
  });
});

describe('parseInvalidatorConfigJson', () => {
  it('parses JSON text', () => {
    // Act
    const config = parseInvalidatorConfigJson(`{"distributions":[{"id":"${WWW_DISTRIBUTION_ID}"}]}`);

    // Assess
    expect(config.distributions).toStrictEqual([{ id: WWW_DISTRIBUTION_ID }]);
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '  \n'],
  ])('says a configuration that is %s is not set, with an example', (_name, text) => {
    // Act
    const error = thrown(() => parseInvalidatorConfigJson(text));

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^INVALIDATOR_CONFIG is not set: give it a JSON object such as \{"distributions"/);
  });

  it('rejects text that is not JSON, keeping the cause', () => {
    // Act
    const error = thrown(() => parseInvalidatorConfigJson('{distributions:[]}', 'MY_CONFIG'));

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/^MY_CONFIG is not valid JSON: /);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });
});

describe('loadHandlerSettings', () => {
  const environment = {
    INVALIDATOR_CONFIG: JSON.stringify({ distributions: [{ id: WWW_DISTRIBUTION_ID, hostnames: ['www.example.com'] }] }),
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invalidation-dlq',
  };

  it('defaults', () => {
    // Act
    const settings = loadHandlerSettings(environment);

    // Assess
    expect(settings).toStrictEqual({
      config: {
        distributions: [{ id: WWW_DISTRIBUTION_ID, hostnames: ['www.example.com'] }],
        maxPathsPerInvalidation: 3000,
        maxWildcardsPerInvalidation: 15,
      },
      deadLetterQueueUrl: environment.DEAD_LETTER_QUEUE_URL,
      maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT,
      retryBaseDelaySeconds: DEFAULT_RETRY_BASE_DELAY_SECONDS,
      retryMaxDelaySeconds: DEFAULT_RETRY_MAX_DELAY_SECONDS,
      maxBacklogAgeSeconds: 86_400,
      invalidationSeconds: 60,
      backlogRecheckSeconds: 15,
    });
  });

  it('reads every setting', () => {
    // Act
    const settings = loadHandlerSettings({
      ...environment,
      MAX_RECEIVE_COUNT: '5',
      RETRY_BASE_DELAY_SECONDS: '10',
      RETRY_MAX_DELAY_SECONDS: '120',
      MAX_BACKLOG_AGE_SECONDS: '3600',
      INVALIDATION_SECONDS: '5',
      BACKLOG_RECHECK_SECONDS: '1',
    });

    // Assess
    expect(settings).toMatchObject({
      maxReceiveCount: 5,
      retryBaseDelaySeconds: 10,
      retryMaxDelaySeconds: 120,
      maxBacklogAgeSeconds: 3600,
      invalidationSeconds: 5,
      backlogRecheckSeconds: 1,
    });
  });

  it('treats an empty setting as unset', () => {
    // Act
    const settings = loadHandlerSettings({ ...environment, MAX_RECEIVE_COUNT: '' });

    // Assess
    expect(settings.maxReceiveCount).toBe(DEFAULT_MAX_RECEIVE_COUNT);
  });

  it.each([
    ['a missing configuration', { INVALIDATOR_CONFIG: undefined }, /^INVALIDATOR_CONFIG is not set/],
    ['a bad configuration', { INVALIDATOR_CONFIG: '{"distributions":[]}' }, /^INVALIDATOR_CONFIG is invalid: distributions: must name at least one distribution/],
    ['a missing dead-letter queue URL', { DEAD_LETTER_QUEUE_URL: undefined }, /^DEAD_LETTER_QUEUE_URL must be the dead-letter queue's URL \(given null\)$/],
    ['a dead-letter queue name instead of its URL', { DEAD_LETTER_QUEUE_URL: 'invalidation-dlq' }, /\(given "invalidation-dlq"\)$/],
    ['MAX_RECEIVE_COUNT 0', { MAX_RECEIVE_COUNT: '0' }, /^MAX_RECEIVE_COUNT must be an integer from 1 to 1000 \(given "0"\)$/],
    ['MAX_RECEIVE_COUNT 1001', { MAX_RECEIVE_COUNT: '1001' }, /^MAX_RECEIVE_COUNT must be an integer from 1 to 1000 \(given "1001"\)$/],
    ['MAX_RECEIVE_COUNT "ten"', { MAX_RECEIVE_COUNT: 'ten' }, /\(given "ten"\)$/],
    ['MAX_RECEIVE_COUNT 2.5', { MAX_RECEIVE_COUNT: '2.5' }, /\(given "2.5"\)$/],
    ['a negative base delay', { RETRY_BASE_DELAY_SECONDS: '-1' }, /^RETRY_BASE_DELAY_SECONDS must be an integer from 0 to 43200 \(given "-1"\)$/],
    ['a max delay above 12 hours', { RETRY_MAX_DELAY_SECONDS: '43201' }, /^RETRY_MAX_DELAY_SECONDS must be an integer from 30 to 43200 \(given "43201"\)$/],
    [
      'a max delay below the base delay',
      { RETRY_BASE_DELAY_SECONDS: '100', RETRY_MAX_DELAY_SECONDS: '50' },
      /^RETRY_MAX_DELAY_SECONDS must be an integer from 100 to 43200 \(given "50"\)$/,
    ],
    ['a backlog age past 14 days', { MAX_BACKLOG_AGE_SECONDS: '1209601' }, /^MAX_BACKLOG_AGE_SECONDS must be an integer from 60 to 1209600 \(given "1209601"\)$/],
    ['an invalidation time past SQS’s 900 s delay', { INVALIDATION_SECONDS: '901' }, /^INVALIDATION_SECONDS must be an integer from 1 to 900 \(given "901"\)$/],
    ['a recheck of 0 s', { BACKLOG_RECHECK_SECONDS: '0' }, /^BACKLOG_RECHECK_SECONDS must be an integer from 1 to 900 \(given "0"\)$/],
  ])('rejects %s, naming the variable and value', (_name, overrides, expected) => {
    // Act
    const error = thrown(() => loadHandlerSettings({ ...environment, ...overrides }));

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(expected);
  });
});

describe('testConfig', () => {
  it('is a valid two-distribution configuration', () => {
    // Act
    const config = testConfig();

    // Assess
    expect(config).toStrictEqual({
      distributions: [
        { id: WWW_DISTRIBUTION_ID, hostnames: ['www.example.com', '.example.org'] },
        { id: MEDIA_DISTRIBUTION_ID, hostnames: ['media.example.com'] },
      ],
      maxPathsPerInvalidation: 3000,
      maxWildcardsPerInvalidation: 15,
    });
  });
});

describe('wildcardCollapse.whenBacklogRoundsAbove', () => {
  const distributions = [{ id: WWW_DISTRIBUTION_ID, hostnames: ['www.example.com'] }];

  it('is optional, and kept as given with the threshold defaulted', () => {
    expect(parseInvalidatorConfig({ distributions, wildcardCollapse: {} }).wildcardCollapse).toStrictEqual({ minPathsPerDirectory: 10 });
    expect(parseInvalidatorConfig({ distributions, wildcardCollapse: { whenBacklogRoundsAbove: 3 } }).wildcardCollapse).toStrictEqual({
      minPathsPerDirectory: 10,
      whenBacklogRoundsAbove: 3,
    });
  });

  it.each([0, 1001, 2.5])('rejects %s, naming the field', (rounds) => {
    const error = thrown(() => parseInvalidatorConfig({ distributions, wildcardCollapse: { whenBacklogRoundsAbove: rounds } }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/wildcardCollapse\.whenBacklogRoundsAbove/);
  });
});
