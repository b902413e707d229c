import { describe, expect, it } from 'vitest';
import { parseInvalidatorConfig, type BucketConfigInput } from '../../lambda/config.ts';
import { InvalidMessageError, InvalidPathError } from '../../lambda/errors.ts';
import { parseS3Body, type S3Body } from '../../lambda/read/s3-events.ts';
import { BucketRouter, bucketRouterOf, isPathPrefix, objectKeyPaths, resolveS3Body } from '../../lambda/resolve/bucket-keys.ts';
import {
  EVENTBRIDGE_OBJECT_CREATED_EXAMPLE,
  EVENTBRIDGE_OBJECT_DELETED_EXAMPLE,
  EVENTBRIDGE_RESTORE_COMPLETED_EXAMPLE,
  NOTIFICATION_PUT_EXAMPLE,
  TEST_EVENT_EXAMPLE,
  notificationOf,
  withObject,
} from '../fixtures/s3-events.ts';
import { MEDIA_DISTRIBUTION_ID as MEDIA, WWW_DISTRIBUTION_ID as WWW, TWO_DISTRIBUTIONS } from '../helpers/factories.ts';
import { thrown } from './thrown.ts';

const SITE = { keyPrefix: 'public/', pathPrefix: '/', indexDocument: 'index.html' };

function routerOf(...buckets: BucketConfigInput[]): BucketRouter {
  return bucketRouterOf(parseInvalidatorConfig({ ...TWO_DISTRIBUTIONS, buckets }));
}

function s3Body(value: unknown): S3Body {
  return parseS3Body(value)!;
}

/** `targets` as `DISTRIBUTION path` lines. */
function lines(targets: ReadonlyArray<{ distributionId: string; path: string }>): string[] {
  return targets.map(({ distributionId, path }) => `${distributionId} ${path}`);
}

describe('objectKeyPaths', () => {
  it.each([
    ['a key under keyPrefix, without it, after pathPrefix', 'public/css/site.css', ['/css/site.css']],
    ['blog/index.html: the file and its directory', 'public/blog/index.html', ['/blog/index.html', '/blog/']],
    ['index.html: the file and "/"', 'public/index.html', ['/index.html', '/']],
    ['a deeper index document', 'public/a/b/c/index.html', ['/a/b/c/index.html', '/a/b/c/']],
    ['a file only ending like the index document', 'public/blog/myindex.html', ['/blog/myindex.html']],
    ['non-ASCII and a space, encoded by the path rules', 'public/images/café menu.png', ['/images/caf%C3%A9%20menu.png']],
    ['"%" in a key: part of the name, never an escape', 'public/100%25 done.html', ['/100%2525%20done.html']],
    ['"?" in a key: part of the name, not a query', 'public/what?.html', ['/what%3F.html']],
    ['"#" in a key: encoded', 'public/c#.html', ['/c%23.html']],
    ['"+" in a key: kept (decoded from %2B)', 'public/c++.html', ['/c++.html']],
    ['"*" in a key: a wildcard covering it', 'public/a*b/c.html', ['/a*']],
  ])('%s', (_name, key, paths) => {
    expect(objectKeyPaths(key, SITE)).toStrictEqual(paths);
  });

  it.each([
    ['a key outside keyPrefix', 'private/report.pdf'],
    ['a "folder" key (ending in "/")', 'public/blog/'],
    ['the keyPrefix itself', 'public/'],
  ])('ignores %s', (_name, key) => {
    expect(objectKeyPaths(key, SITE)).toBeUndefined();
  });

  it('prepends pathPrefix; with keyPrefix "" every key counts', () => {
    expect(objectKeyPaths('logo.png', { keyPrefix: '', pathPrefix: '/static/' })).toStrictEqual(['/static/logo.png']);
    expect(objectKeyPaths('index.html', { keyPrefix: '', pathPrefix: '/static/', indexDocument: 'index.html' })).toStrictEqual([
      '/static/index.html',
      '/static/',
    ]);
  });

  it('rejects a key whose path breaks a path rule (a control character)', () => {
    // Act
    const error = thrown(() => objectKeyPaths('public/a\nb.html', SITE));

    // Assess
    expect(error).toBeInstanceOf(InvalidPathError);
    expect(error.message).toBe('invalid path "/a\\nb.html": contains the control character U+000A');
  });
});

describe('isPathPrefix', () => {
  it.each(['/', '/static/', '/caf%C3%A9/', '/café/'])('accepts %s', (prefix) => expect(isPathPrefix(prefix)).toBe(true));
  it.each(['', 'static/', '/static', '/a*/', '/?q=/', '/a\u0000/'])('rejects %j', (prefix) => expect(isPathPrefix(prefix)).toBe(false));
});

describe('resolveS3Body', () => {
  it('invalidates the documented Put example on its bucket\'s distribution', () => {
    // Act
    const resolved = resolveS3Body(s3Body(NOTIFICATION_PUT_EXAMPLE), routerOf({ name: 'mybucket', distributionId: WWW }));

    // Assess
    expect(resolved).toStrictEqual({
      targets: [{ distributionId: WWW, path: '/HappyFace.jpg' }],
      ignored: 0,
      rejected: [],
      testEvent: false,
      notes: { source: 'aws:s3', reason: 'ObjectCreated:Put s3://mybucket/HappyFace.jpg' },
    });
  });

  it('decodes, then encodes by the path rules: images/caf%C3%A9+menu.png gives /images/caf%C3%A9%20menu.png', () => {
    // Act
    const { targets } = resolveS3Body(
      s3Body(withObject(NOTIFICATION_PUT_EXAMPLE, { bucket: 'example-site', key: 'images/caf%C3%A9+menu.png' })),
      routerOf({ name: 'example-site', distributionId: WWW }),
    );

    // Assess
    expect(lines(targets)).toStrictEqual([`${WWW} /images/caf%C3%A9%20menu.png`]);
  });

  it.each([
    ['Object Created', EVENTBRIDGE_OBJECT_CREATED_EXAMPLE],
    ['Object Deleted', EVENTBRIDGE_OBJECT_DELETED_EXAMPLE],
  ])('invalidates the documented EventBridge %s example', (_name, example) => {
    // Act
    const resolved = resolveS3Body(s3Body(example), routerOf({ name: 'DOC-EXAMPLE-BUCKET1', distributionId: MEDIA }));

    // Assess
    expect(lines(resolved.targets)).toStrictEqual([`${MEDIA} /example-key`]);
    expect(resolved.notes).toStrictEqual({ source: 'aws.s3', reason: `${example['detail-type']} s3://DOC-EXAMPLE-BUCKET1/example-key` });
  });

  it('acknowledges the test message: no target, no error, even for a bucket not configured', () => {
    expect(resolveS3Body(s3Body(TEST_EVENT_EXAMPLE), routerOf({ name: 'example-site', distributionId: WWW }))).toMatchObject({
      targets: [],
      ignored: 0,
      rejected: [],
      testEvent: true,
    });
  });

  it('counts, without targets, keys outside keyPrefix, "folder" keys and events that change no content', () => {
    // Prepare
    const router = routerOf({ name: 'example-site', distributionId: WWW, ...SITE });
    const body = notificationOf('example-site', ['private/a.html', 'public/blog/', 'public/a.html']);

    // Act
    const resolved = resolveS3Body(s3Body(body), router);
    const restored = resolveS3Body(s3Body(withObject(EVENTBRIDGE_RESTORE_COMPLETED_EXAMPLE, { bucket: 'example-site', key: 'public/a.html' })), router);

    // Assess
    expect(lines(resolved.targets)).toStrictEqual([`${WWW} /a.html`]);
    expect(resolved.ignored).toBe(2);
    expect(restored).toMatchObject({ targets: [], ignored: 1, rejected: [] });
  });

  it('invalidates a key for every source of its bucket whose keyPrefix holds it, each path once', () => {
    // Prepare
    const router = routerOf(
      { name: 'example-site', distributionId: WWW, keyPrefix: 'site/', indexDocument: 'index.html' },
      { name: 'example-site', distributionId: MEDIA, keyPrefix: 'site/img/', pathPrefix: '/img/' },
      { name: 'example-site', distributionId: MEDIA, keyPrefix: 'other/' },
    );
    const body = notificationOf('example-site', ['site/img/a.png', 'site/index.html', 'site/index.html']);

    // Act
    const { targets } = resolveS3Body(s3Body(body), router);

    // Assess
    expect(lines(targets)).toStrictEqual([`${WWW} /img/a.png`, `${MEDIA} /img/a.png`, `${WWW} /index.html`, `${WWW} /`]);
  });

  it("invalidates a tenant's bucket on the tenant: targets keyed by its dt_ id, beside a distribution's", () => {
    // Prepare
    const TENANT = 'dt_2wjDZi3hD1ivOXf6rpZJO1AB';
    const config = parseInvalidatorConfig({
      distributions: [{ id: WWW }, { id: 'E2SAASPLATFORM', tenants: [{ id: TENANT, hostnames: ['shop.customer-a.com'] }] }],
      buckets: [
        { name: 'customer-a-site', tenantId: TENANT, ...SITE },
        { name: 'customer-a-site', distributionId: WWW, keyPrefix: 'public/shared/', pathPrefix: '/shared/' },
      ],
    });
    const body = notificationOf('customer-a-site', ['public/shared/index.html', 'public/blog/index.html']);

    // Act
    const { targets, ignored, rejected } = resolveS3Body(s3Body(body), bucketRouterOf(config));

    // Assess
    expect(lines(targets)).toStrictEqual([
      `${TENANT} /shared/index.html`,
      `${TENANT} /shared/`,
      `${WWW} /shared/index.html`,
      `${TENANT} /blog/index.html`,
      `${TENANT} /blog/`,
    ]);
    expect({ ignored, rejected }).toStrictEqual({ ignored: 0, rejected: [] });
  });

  it('dead-letters (throws) a body of a bucket not configured, with UnknownBucket naming it', () => {
    // Act
    const error = thrown(() => resolveS3Body(s3Body(NOTIFICATION_PUT_EXAMPLE), routerOf({ name: 'example-site', distributionId: WWW })));

    // Assess
    expect(error).toBeInstanceOf(InvalidMessageError);
    expect(error).toMatchObject({ code: 'UnknownBucket' });
    expect(error.message).toBe('Records[0]: bucket "mybucket" is not a configured bucket (configured: example-site)');
    expect(thrown(() => resolveS3Body(s3Body(NOTIFICATION_PUT_EXAMPLE), new BucketRouter())).message).toMatch(/\(no bucket is configured\)$/);
  });

  it('dead-letters a body with no valid record with the first bad record\'s code, naming each', () => {
    // Prepare
    const body = {
      Records: [
        ...notificationOf('example-site', ['public/a%0Ab.html']).Records,
        { ...NOTIFICATION_PUT_EXAMPLE.Records[0], eventSource: 'aws:sqs' },
        ...notificationOf('elsewhere', ['public/c.html']).Records,
        ...notificationOf('example-site', ['private/ignored.html']).Records,
      ],
    };

    // Act
    const error = thrown(() => resolveS3Body(s3Body(body), routerOf({ name: 'example-site', distributionId: WWW, ...SITE })));

    // Assess
    expect(error).toMatchObject({ code: 'InvalidPath' });
    expect(error.message).toBe(
      '3 records rejected: Records[0]: key "public/a\\nb.html": invalid path "/a\\nb.html": contains the control character U+000A (InvalidPath); ' +
        'Records[1]: eventSource must be "aws:s3" (given "aws:sqs") (InvalidMessage); ' +
        'Records[2]: bucket "elsewhere" is not a configured bucket (configured: example-site) (UnknownBucket)',
    );
  });

  it('invalidates the valid records of a body with bad ones too, and returns the bad ones', () => {
    // Prepare
    const body = { Records: [...(notificationOf('elsewhere', ['x.html']).Records), ...(notificationOf('example-site', ['public/a.html', 'public/b.html']).Records)] };

    // Act
    const resolved = resolveS3Body(s3Body(body), routerOf({ name: 'example-site', distributionId: WWW, ...SITE }));

    // Assess
    expect(lines(resolved.targets)).toStrictEqual([`${WWW} /a.html`, `${WWW} /b.html`]);
    expect(resolved.rejected).toStrictEqual([
      { where: 'Records[0]', code: 'UnknownBucket', message: 'Records[0]: bucket "elsewhere" is not a configured bucket (configured: example-site)' },
    ]);
    expect(resolved.notes.reason).toBe('2 object changes in s3://example-site');
  });

  it('lists at most five bad records in the reason', () => {
    // Act
    const error = thrown(() => resolveS3Body(s3Body(notificationOf('elsewhere', ['1', '2', '3', '4', '5', '6', '7'])), routerOf({ name: 'example-site', distributionId: WWW })));

    // Assess
    expect(error.message).toMatch(/^7 records rejected: Records\[0\]: .*Records\[4\]: [^;]*; and 2 more$/);
  });
});
