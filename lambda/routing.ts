import type { InvalidatorConfig } from './config.ts';

/**
 * Maps a URL's hostname to the distribution that serves it: an exact name first, then the longest matching
 * domain (`.example.org` matches `example.org` and every subdomain), then `*`.
 */
export class DistributionRouter {
  readonly #exact = new Map<string, string>();
  readonly #domains: Array<{ suffix: string; id: string }> = [];
  #any: string | undefined;
  readonly #ids: ReadonlySet<string>;

  public constructor(config: Pick<InvalidatorConfig, 'distributions'>) {
    this.#ids = new Set(config.distributions.map((distribution) => distribution.id));
    for (const { id, hostnames = [] } of config.distributions) {
      for (const name of hostnames) {
        if (name === '*') this.#any = id;
        else if (name.startsWith('.')) this.#domains.push({ suffix: name, id });
        else this.#exact.set(name, id);
      }
    }
    this.#domains.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  /** Configured distribution ids, in configuration order. */
  public get distributionIds(): ReadonlySet<string> {
    return this.#ids;
  }

  /** The distribution serving `hostname` (case-insensitive), or undefined. */
  public route(hostname: string): string | undefined {
    const host = hostname.toLowerCase();
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const { suffix, id } of this.#domains) {
      if (host.endsWith(suffix) || host === suffix.slice(1)) return id;
    }
    return this.#any;
  }
}
