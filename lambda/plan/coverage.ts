import { isWildcard } from '../resolve/paths.ts';

/** The paths that created invalidations cover, per distribution. */
export class Coverage {
  readonly #exact = new Map<string, Set<string>>();
  /** The created wildcards without their `*`: few, since one invocation sends at most 15 per distribution. */
  readonly #prefixes = new Map<string, string[]>();

  /** Count the paths of a created invalidation. */
  public add(distributionId: string, paths: readonly string[]): void {
    let exact = this.#exact.get(distributionId);
    if (exact === undefined) this.#exact.set(distributionId, (exact = new Set()));
    for (const path of paths) {
      exact.add(path);
      if (isWildcard(path)) {
        let prefixes = this.#prefixes.get(distributionId);
        if (prefixes === undefined) this.#prefixes.set(distributionId, (prefixes = []));
        prefixes.push(path.slice(0, -1));
      }
    }
  }

  /** Is `path` (a requested path, wildcard or not) invalidated by a created invalidation of the distribution? */
  public covers(distributionId: string, path: string): boolean {
    if (this.#exact.get(distributionId)?.has(path)) return true;
    return this.#prefixes.get(distributionId)?.some((prefix) => path.startsWith(prefix)) ?? false;
  }
}
