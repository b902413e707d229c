import { describe, expect, it } from 'vitest';
import { parseInvalidatorConfig } from '../../lambda/config.ts';
import { DistributionRouter } from '../../lambda/resolve/routing.ts';
import { MEDIA_DISTRIBUTION_ID, WWW_DISTRIBUTION_ID, testConfig } from '../helpers/factories.ts';

/** A router over distributions given as `{ id: hostnames }`, validated like the real configuration. */
function routerFor(hostnamesById: Record<string, string[]>): DistributionRouter {
  const distributions = Object.entries(hostnamesById).map(([id, hostnames]) => ({ id, hostnames }));
  return new DistributionRouter(parseInvalidatorConfig({ distributions }));
}

describe('DistributionRouter', () => {
  it('lists the configured distribution ids in configuration order', () => {
    // Prepare
    const router = new DistributionRouter(testConfig());

    // Act
    const ids = [...router.distributionIds];

    // Assess
    expect(ids).toStrictEqual([WWW_DISTRIBUTION_ID, MEDIA_DISTRIBUTION_ID]);
  });

  it('lists a distribution without hostnames, but routes no host to it', () => {
    // Prepare
    const router = routerFor({ E1: [] });

    // Act
    const routed = router.route('www.example.com');

    // Assess
    expect([...router.distributionIds]).toStrictEqual(['E1']);
    expect(routed).toBeUndefined();
  });

  describe.each([
    ['www.example.com', WWW_DISTRIBUTION_ID],
    ['WWW.EXAMPLE.COM', WWW_DISTRIBUTION_ID],
    ['Www.Example.Com', WWW_DISTRIBUTION_ID],
    ['media.example.com', MEDIA_DISTRIBUTION_ID],
    ['example.org', WWW_DISTRIBUTION_ID],
    ['www.example.org', WWW_DISTRIBUTION_ID],
    ['a.b.example.org', WWW_DISTRIBUTION_ID],
    ['EXAMPLE.ORG', WWW_DISTRIBUTION_ID],
    ['badexample.org', undefined],
    ['example.org.evil.com', undefined],
    ['example.com', undefined],
    ['other.example.com', undefined],
    ['org', undefined],
    ['', undefined],
  ])('with the test configuration, host %j', (host, expected) => {
    it(`routes to ${expected ?? 'nothing'}`, () => {
      // Prepare
      const router = new DistributionRouter(testConfig());

      // Act
      const routed = router.route(host);

      // Assess
      expect(routed).toBe(expected);
    });
  });

  it.each([
    ['an exact name beats a domain', { EXACT: ['www.example.org'], DOMAIN: ['.example.org'] }, 'www.example.org', 'EXACT'],
    ['an exact name beats "*"', { EXACT: ['www.example.org'], ANY: ['*'] }, 'www.example.org', 'EXACT'],
    ['a domain beats "*"', { DOMAIN: ['.example.org'], ANY: ['*'] }, 'www.example.org', 'DOMAIN'],
    ['"*" takes the rest', { DOMAIN: ['.example.org'], ANY: ['*'] }, 'www.example.com', 'ANY'],
    ['the longest domain wins', { SHORT: ['.example.org'], LONG: ['.shop.example.org'] }, 'eu.shop.example.org', 'LONG'],
    ['the longest domain wins in any order', { LONG: ['.shop.example.org'], SHORT: ['.example.org'] }, 'eu.shop.example.org', 'LONG'],
    ['the longest domain matches its own name', { SHORT: ['.example.org'], LONG: ['.shop.example.org'] }, 'shop.example.org', 'LONG'],
    ['a shorter domain takes a sibling', { SHORT: ['.example.org'], LONG: ['.shop.example.org'] }, 'blog.example.org', 'SHORT'],
    ['a domain does not match a longer label', { SHORT: ['.example.org'], LONG: ['.shop.example.org'] }, 'myshop.example.org', 'SHORT'],
    ['an exact name does not cover subdomains', { EXACT: ['example.org'] }, 'www.example.org', undefined],
    ['an exact name and a domain of the same name', { EXACT: ['example.org'], DOMAIN: ['.example.org'] }, 'example.org', 'EXACT'],
    ['a configured uppercase name', { EXACT: ['WWW.EXAMPLE.ORG'] }, 'www.example.org', 'EXACT'],
    ['an IPv6 host by its name', { LOOPBACK: ['[::1]'] }, '[::1]', 'LOOPBACK'],
    ['an IPv6 host by "*"', { ANY: ['*'] }, '[::1]', 'ANY'],
    ['an IPv4 host', { LOOPBACK: ['127.0.0.1'] }, '127.0.0.1', 'LOOPBACK'],
    ['"*" matches any host', { ANY: ['*'] }, 'anything.example.net', 'ANY'],
  ])('%s', (_name, hostnamesById, host, expected) => {
    // Prepare
    const router = routerFor(hostnamesById);

    // Act
    const routed = router.route(host);

    // Assess
    expect(routed).toBe(expected);
  });
});
