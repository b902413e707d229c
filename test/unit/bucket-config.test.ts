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
    ['neither distributionId nor tenantId', { name: 'example-site' }, 'buckets[0]: must name exactly one of distributionId and tenantId'],
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
    ['a malformed tenantId', { name: 'example-site', tenantId: 'T1' }, 'buckets[0].tenantId: must be a CloudFront distribution tenant id'],
    ['a tenantId while no tenant is configured', { name: 'example-site', tenantId: 'dt_2wjDZi3hD1ivOXf6rpZJO1AB' }, 'buckets[0].tenantId: must be a configured distribution tenant (configured: none)'],
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

/** A bucket served by a distribution tenant (CloudFront SaaS Manager): `tenantId` instead of `distributionId`. */
describe('parseInvalidatorConfig: buckets of distribution tenants', () => {
  const PLATFORM = 'E2SAASPLATFORM';
  const TENANT = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
  const OTHER_TENANT = 'dt_3xkEAj4iE2jwPYg7sqaKP2BC';
  const WITH_TENANTS = { distributions: [{ id: WWW }, { id: PLATFORM, tenants: [{ id: TENANT }, { id: OTHER_TENANT }] }] };

  it('accepts tenantId of a configured tenant, defaults applied', () => {
    // Act
    const config = parseInvalidatorConfig({ ...WITH_TENANTS, buckets: [{ name: 'customer-a-site', tenantId: TENANT }] });

    // Assess
    expect(config.buckets).toStrictEqual([{ name: 'customer-a-site', tenantId: TENANT, keyPrefix: '', pathPrefix: '/' }]);
  });

  it('accepts one bucket for a distribution and for a tenant', () => {
    // Act
    const config = parseInvalidatorConfig({
      ...WITH_TENANTS,
      buckets: [
        { name: 'shared-site', distributionId: WWW },
        { name: 'shared-site', tenantId: TENANT },
        { name: 'shared-site', tenantId: OTHER_TENANT, keyPrefix: 'b/' },
      ],
    });

    // Assess
    expect(config.buckets).toHaveLength(3);
  });

  it.each([
    ['both distributionId and tenantId', { name: 'customer-a-site', distributionId: PLATFORM, tenantId: TENANT }, 'buckets[0]: must name exactly one of distributionId and tenantId'],
    [
      'a tenant not configured',
      { name: 'customer-a-site', tenantId: 'dt_9NOTCONFIGURED' },
      `buckets[0].tenantId: must be a configured distribution tenant (configured: ${TENANT}, ${OTHER_TENANT}) (given "dt_9NOTCONFIGURED")`,
    ],
    ['a tenant id as distributionId', { name: 'customer-a-site', distributionId: TENANT }, 'buckets[0].distributionId: must be a CloudFront distribution id'],
  ])('rejects %s', (_name, bucket, expected) => {
    // Act
    const error = thrown(() => parseInvalidatorConfig({ ...WITH_TENANTS, buckets: [bucket] }));

    // Assess
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(expected);
  });

  it('rejects the same tenant source twice', () => {
    // Act
    const error = thrown(() =>
      parseInvalidatorConfig({ ...WITH_TENANTS, buckets: [{ name: 'customer-a-site', tenantId: TENANT }, { name: 'customer-a-site', tenantId: TENANT }] }),
    );

    // Assess
    expect(error.message).toContain(`buckets[1]: duplicate bucket source: "customer-a-site" with keyPrefix "" for ${TENANT}`);
  });
});
