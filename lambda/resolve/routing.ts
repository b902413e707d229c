import type { InvalidatorConfig } from '../config.ts';

/** Bounds of DistributionRouter's memo of routed hostnames. */
const MAX_MEMO_HOSTNAMES = 1024;
const MAX_MEMO_HOSTNAME_LENGTH = 253;

/**
 * Maps a URL's hostname to the distribution that serves it: an exact name first, then the longest matching
 * domain (`.example.org` matches `example.org` and every subdomain), then `*`.
 */
export class DistributionRouter {
  readonly #exact = new Map<string, string>();
  readonly #domains: Array<{ suffix: string; id: string }> = [];
  #any: string | undefined;
  readonly #ids: ReadonlySet<string>;
  /** Hostnames as given (any case) already routed to a distribution: a batch names a few hosts thousands of times. */
  readonly #routed = new Map<string, string>();

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
    let id = this.#routed.get(hostname);
    if (id === undefined) {
      id = this.#match(hostname);
      // Bounded: the configuration is fixed, but the hostnames come from messages.
      if (id !== undefined && hostname.length <= MAX_MEMO_HOSTNAME_LENGTH) {
        if (this.#routed.size >= MAX_MEMO_HOSTNAMES) this.#routed.clear();
        this.#routed.set(hostname, id);
      }
    }
    return id;
  }

  #match(hostname: string): string | undefined {
    const host = hostname.toLowerCase();
    const exact = this.#exact.get(host);
    if (exact !== undefined) return exact;
    for (const { suffix, id } of this.#domains) {
      if (host.endsWith(suffix) || host === suffix.slice(1)) return id;
    }
    return this.#any;
  }
}
