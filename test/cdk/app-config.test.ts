import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
  DEFAULT_MAX_CONCURRENCY,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_STACK_NAME,
} from '../../lambda/defaults.ts';
import { ConfigurationError } from '../../lambda/errors.ts';
import { MAX_PATHS_PER_INVALIDATION, MAX_WILDCARDS_IN_PROGRESS } from '../../lambda/limits.ts';
import { loadCdkJsonInvalidatorContext, readInvalidatorContext, readStackName } from '../../lib/app-config.ts';
import { CDK_JSON_PATH, MEDIA_DISTRIBUTION, WWW_DISTRIBUTION } from './cdk-test-app.ts';

const HOW_TO = /set "invalidator": \{"distributions": \[\{"id": "EDFDVBD6EXAMPLE".*\}\]\} in the "context" of cdk\.json, or pass -c invalidator='\{"distributions":\[\{"id":"EDFDVBD6EXAMPLE"\}\]\}'/;

describe('readInvalidatorContext', () => {
  test('defaults', () => {
    // WHEN
    const settings = readInvalidatorContext({ distributions: [{ id: 'EDFDVBD6EXAMPLE' }] });

    // THEN
    expect(settings).toStrictEqual({
      config: {
        distributions: [{ id: 'EDFDVBD6EXAMPLE' }],
        maxPathsPerInvalidation: MAX_PATHS_PER_INVALIDATION,
        maxWildcardsPerInvalidation: MAX_WILDCARDS_IN_PROGRESS,
      },
      batchSize: DEFAULT_BATCH_SIZE,
      maxBatchingWindowSeconds: DEFAULT_MAX_BATCHING_WINDOW_SECONDS,
      maxConcurrency: DEFAULT_MAX_CONCURRENCY,
      sendLeases: true,
      maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT,
      alarmEmails: [],
    });
  });

  test('every setting', () => {
    // GIVEN
    const value = {
      distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION],
      maxPathsPerInvalidation: 500,
      maxWildcardsPerInvalidation: 5,
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 5,
      sendLeases: false,
      maxReceiveCount: 3,
      alarmEmails: ['ops@example.org'],
    };

    // WHEN
    const settings = readInvalidatorContext(value);

    // THEN
    expect(settings).toStrictEqual({
      config: { distributions: [WWW_DISTRIBUTION, MEDIA_DISTRIBUTION], maxPathsPerInvalidation: 500, maxWildcardsPerInvalidation: 5 },
      batchSize: 10,
      maxBatchingWindowSeconds: 0,
      maxConcurrency: 5,
      sendLeases: false,
      maxReceiveCount: 3,
      alarmEmails: ['ops@example.org'],
    });
  });

  test('JSON text, as given with -c invalidator=...', () => {
    // WHEN
    const settings = readInvalidatorContext('{"distributions":[{"id":"EDFDVBD6EXAMPLE"}],"batchSize":10}');

    // THEN
    expect(settings.config.distributions).toStrictEqual([{ id: 'EDFDVBD6EXAMPLE' }]);
    expect(settings.batchSize).toBe(10);
  });

  test.each([
    ['not set', undefined],
    ['null', null],
    ['without distributions', { batchSize: 10 }],
    ['with no distribution', { distributions: [] }],
  ])('%s says how to configure a distribution', (_name, value) => {
    expect(() => readInvalidatorContext(value)).toThrow(ConfigurationError);
    expect(() => readInvalidatorContext(value)).toThrow(/^No CloudFront distribution configured/);
    expect(() => readInvalidatorContext(value)).toThrow(HOW_TO);
  });

  test.each([
    ['invalid JSON', '{distributions', /^context "invalidator" is not valid JSON: /],
    ['not an object', '[1]', /^context "invalidator" must be a JSON object \(given \[1\]\)$/],
    [
      'a malformed id',
      { distributions: [{ id: 'e-1' }] },
      /^context "invalidator" is invalid: distributions\[0\]\.id: must be a CloudFront distribution id.*\(given "e-1"\)$/,
    ],
    [
      'an unknown key',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], batchsize: 10 },
      /^context "invalidator" is invalid: unknown field "batchsize"$/,
    ],
    [
      'a batch size out of range',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], batchSize: 10_001 },
      /^context "invalidator" is invalid: batchSize: .*10000.* \(given 10001\)$/,
    ],
    [
      'a large batch without a window',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], batchSize: 11, maxBatchingWindowSeconds: 0 },
      /maxBatchingWindowSeconds: must be at least 1 when batchSize is above 10 \(given 0\)$/,
    ],
    [
      'a max concurrency below 2',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], maxConcurrency: 1 },
      /maxConcurrency: .*2.* \(given 1\)$/,
    ],
    [
      'sendLeases that is not a boolean',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], sendLeases: 'no' },
      /sendLeases: .*boolean.* \(given "no"\)$/,
    ],
    [
      'a max receive count out of range',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], maxReceiveCount: 0 },
      /maxReceiveCount: .*1.* \(given 0\)$/,
    ],
    [
      'an alarm email that is not one',
      { distributions: [{ id: 'EDFDVBD6EXAMPLE' }], alarmEmails: ['ops'] },
      /alarmEmails\[0\]: must be an email address \(given "ops"\)$/,
    ],
  ])('%s is an error', (_name, value, message) => {
    expect(() => readInvalidatorContext(value)).toThrow(ConfigurationError);
    expect(() => readInvalidatorContext(value)).toThrow(message);
  });

  test('reports distribution and deployment problems together', () => {
    // WHEN
    const read = () => readInvalidatorContext({ distributions: [{ id: 'bad' }], batchSize: 0 });

    // THEN
    expect(read).toThrow(/distributions\[0\]\.id: .*\(given "bad"\); batchSize: .*\(given 0\)$/);
  });
});

describe('loadCdkJsonInvalidatorContext', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdk-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the repository's cdk.json ships the documented example", () => {
    // WHEN
    const settings = loadCdkJsonInvalidatorContext(CDK_JSON_PATH);

    // THEN
    expect(settings.config.distributions).toStrictEqual([WWW_DISTRIBUTION, MEDIA_DISTRIBUTION]);
    expect(settings.batchSize).toBe(DEFAULT_BATCH_SIZE);
  });

  test('reads the context of another file', () => {
    // GIVEN
    const path = join(dir, 'cdk.json');
    writeFileSync(path, JSON.stringify({ app: 'x', context: { invalidator: { distributions: [{ id: 'E1' }], maxConcurrency: 3 } } }));

    // WHEN
    const settings = loadCdkJsonInvalidatorContext(path);

    // THEN
    expect(settings.config.distributions).toStrictEqual([{ id: 'E1' }]);
    expect(settings.maxConcurrency).toBe(3);
  });

  test('a missing file is an error naming it', () => {
    const path = join(dir, 'missing.json');
    expect(() => loadCdkJsonInvalidatorContext(path)).toThrow(`cannot read ${path}: `);
  });

  test('a file that is not JSON is an error naming it', () => {
    // GIVEN
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{');

    // THEN
    expect(() => loadCdkJsonInvalidatorContext(path)).toThrow(`${path} is not valid JSON: `);
  });

  test('a file without the key says how to configure a distribution', () => {
    // GIVEN
    const path = join(dir, 'empty.json');
    writeFileSync(path, JSON.stringify({ app: 'x', context: {} }));

    // THEN
    expect(() => loadCdkJsonInvalidatorContext(path)).toThrow(
      `No CloudFront distribution configured ("context.invalidator" of ${path} is not set)`,
    );
  });
});

describe('readStackName', () => {
  test('defaults', () => {
    expect(readStackName(undefined)).toBe(DEFAULT_STACK_NAME);
  });

  test('a valid name', () => {
    expect(readStackName('Invalidator-Staging')).toBe('Invalidator-Staging');
  });

  test.each(['1stack', 'my_stack', 'a'.repeat(129)])('%s is an error', (name) => {
    expect(() => readStackName(name)).toThrow(
      `context "stackName" must be a CloudFormation stack name: a letter, then up to 127 letters, digits and hyphens (given "${name}")`,
    );
  });
});
