import { describe, expect, it } from 'vitest';
import { parseInvalidatorConfig } from '../../lambda/config.ts';
import { ConfigurationError } from '../../lambda/errors.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, WWW_DISTRIBUTION_ID as WWW, TWO_DISTRIBUTIONS } from '../helpers/factories.ts';
import { thrown } from './thrown.ts';

/** The `buckets` of the configuration (INVALIDATOR_CONFIG, cdk.json's `invalidator` context, the construct's props). */
describe('parseInvalidatorConfig: buckets', () => {
  it('defaults: keyPrefix "", pathPrefix "/", no index document', () => {
    // Act
    const config = parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, buckets: [{ name: 'example-site', distributionId: WWW }] });

    // Assess
    expect(config.buckets).toStrictEqual([{ name: 'example-site', distributionId: WWW, keyPrefix: '', pathPrefix: '/' }]);
  });

  it('keeps the shape the docs give, and no buckets when absent', () => {
    // Prepare
    const bucket = { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' };

    // Act
    const config = parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, buckets: [bucket] });

    // Assess
    expect(config.buckets).toStrictEqual([bucket]);
    expect(parseInvalidatorConfig(TWO_DISTRIBUTIONS)).not.toHaveProperty('buckets');
  });

  it('accepts a bucket for several distributions, and several key prefixes of a bucket', () => {
    // Prepare
    const buckets = [
      { name: 'example-site', distributionId: WWW, keyPrefix: 'www/' },
      { name: 'example-site', distributionId: MEDIA, keyPrefix: 'media/', pathPrefix: '/media/' },
      { name: 'example-site', distributionId: MEDIA, keyPrefix: 'www/' },
    ];

    // Act
    const config = parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, buckets });

    // Assess
    expect(config.buckets).toHaveLength(3);
  });

  it.each([
    ['a name of today', 'my-site.example.org'],
    ['an older us-east-1 name, with capitals and underscores (as AWS examples)', 'DOC-EXAMPLE-BUCKET1'],
    ['a 3-character name', 'abc'],
  ])('accepts %s', (_name, name) => {
    expect(parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, buckets: [{ name, distributionId: WWW }] }).buckets![0]!.name).toBe(name);
  });

  it.each([
    ['a name of 2 characters', { name: 'ab', distributionId: WWW }, 'buckets[0].name: must be an S3 bucket name'],
    ['an s3:// URL as the name', { name: 's3://example-site', distributionId: WWW }, '(given "s3://example-site")'],
    ['a name ending in a dot', { name: 'example.', distributionId: WWW }, 'buckets[0].name: must be an S3 bucket name'],
    ['no distributionId', { name: 'example-site' }, 'buckets[0].distributionId: Invalid input: expected string, received undefined'],
    [
      'a distribution not configured',
      { name: 'example-site', distributionId: 'E9OTHER' },
      `buckets[0].distributionId: must be a configured distribution (configured: ${WWW}, ${MEDIA}) (given "E9OTHER")`,
    ],
    ['a pathPrefix without the leading "/"', { name: 'example-site', distributionId: WWW, pathPrefix: 'static/' }, 'buckets[0].pathPrefix: must be an invalidation path starting and ending with "/"'],
    ['a pathPrefix without the trailing "/"', { name: 'example-site', distributionId: WWW, pathPrefix: '/static' }, '(given "/static")'],
    ['a wildcard pathPrefix', { name: 'example-site', distributionId: WWW, pathPrefix: '/static/*/' }, '(given "/static/*/")'],
    ['a pathPrefix with a query', { name: 'example-site', distributionId: WWW, pathPrefix: '/?a=/' }, '(given "/?a=/")'],
    ['a pathPrefix with a control character', { name: 'example-site', distributionId: WWW, pathPrefix: '/a\n/' }, 'buckets[0].pathPrefix'],
    ['an indexDocument with "/"', { name: 'example-site', distributionId: WWW, indexDocument: 'docs/index.html' }, 'buckets[0].indexDocument: must be a file name without "/"'],
    ['an empty indexDocument', { name: 'example-site', distributionId: WWW, indexDocument: '' }, 'buckets[0].indexDocument'],
    ['a keyPrefix of 1,025 characters', { name: 'example-site', distributionId: WWW, keyPrefix: 'k'.repeat(1025) }, 'buckets[0].keyPrefix: Too big'],
    ['an unknown field', { name: 'example-site', distributionId: WWW, prefix: 'public/' }, 'buckets[0]: unknown field "prefix"'],
    ['tenantId (distribution tenants are not in this configuration yet)', { name: 'example-site', tenantId: 'T1' }, 'unknown field "tenantId"'],
  ])('rejects %s, naming the field and value', (_name, bucket, expected) => {
    // Act
    const error = thrown(() => parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, buckets: [bucket] }));

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(expected);
  });

  it('rejects the same source twice', () => {
    // Act
    const error = thrown(() =>
      parseInvalidatorConfig({
        ...TWO_DISTRIBUTIONS,
        buckets: [
          { name: 'example-site', distributionId: WWW, keyPrefix: 'public/' },
          { name: 'example-site', distributionId: WWW, keyPrefix: 'public/', indexDocument: 'index.html' },
        ],
      }),
    );

    // Assess
    expect(error.message).toContain(`buckets[1]: duplicate bucket source: "example-site" with keyPrefix "public/" for ${WWW}`);
  });
});
