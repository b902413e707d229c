import { coalesce, type CoalescedPaths } from './coalesce.ts';
import { isWildcard } from '../resolve/paths.ts';

/**
 * The opt-in wildcard collapse: within one batch and distribution, replace many paths in one directory by
 * `directory/*` when that bills fewer paths. CloudFront bills a wildcard as one path, so 40 article paths under
 * `/news/` cost 40 and `/news/*` costs 1; the price is that every other page under `/news/` is invalidated too.
 */

/** The configuration field `wildcardCollapse`. */
export interface WildcardCollapseOptions {
  /**
   * Collapse a directory only when at least this many of the batch's paths sit directly in it (its own pages and
   * sub-directory index pages; `/news/` and `/news/*` sit in `/`, `/news/a/` in `/news/`). Valid range: 2 to 3,000.
   */
  readonly minPathsPerDirectory: number;
  /**
   * Collapse only under a backlog: while what a distribution owes exceeds this many rounds of CloudFront's in-progress
   * limit (see plan/backlog-collapse.ts). Absent: in every batch. Valid range: 1 to 1,000.
   */
  readonly whenBacklogRoundsAbove?: number;
}

/** The threshold when `wildcardCollapse` is given without one (lambda/defaults.ts; re-exported for existing importers). */

/**
 * Choose the wildcards to add to a batch: the set of directories, none inside another, that saves the most billed
 * paths, each holding at least `minPathsPerDirectory` paths directly, and no more of them than the wildcard budget
 * left after the wildcards already requested. On a tie the deeper directories win: they invalidate less.
 *
 * @example
 * chooseWildcards(['/', '/news/', '/news/a/', '/news/b/', '/news/c/'], { minPathsPerDirectory: 3, maxWildcards: 15 });
 * // ['/news/*'] (5 paths billed become 2)
 * @param paths - coalesced paths of one distribution: distinct, none covered by a wildcard of the set
 * @param options - the threshold, and `maxWildcards`: the most wildcards the batch may carry in total
 * @returns the wildcards to add, sorted; coalescing them with `paths` drops every path they cover
 */
export function chooseWildcards(
  paths: readonly string[],
  options: WildcardCollapseOptions & { readonly maxWildcards: number },
): string[] {
  let requestedWildcards = 0;
  for (const path of paths) if (isWildcard(path)) requestedWildcards++;
  const budget = Math.min(options.maxWildcards - requestedWildcards, paths.length);
  if (budget <= 0 || paths.length < options.minPathsPerDirectory) return [];

  const root = buildTree(paths);
  const best = solve(root, budget, options.minPathsPerDirectory);
  const chosen: string[] = [];
  // best[] never decreases: spend the fewest wildcards that reach the most saving.
  collect(root, best.indexOf(best[budget]!), chosen);
  return chosen.sort();
}

/**
 * Coalesce a batch's requested paths with the wildcard collapse applied: the same result shape as `coalesce`, each
 * requested path that a chosen wildcard covers mapped to it in `coveredBy`.
 *
 * @example
 * collapseToWildcards(['/news/a/', '/news/b/'], { minPathsPerDirectory: 2, maxWildcards: 15 }).paths; // ['/news/*']
 */
export function collapseToWildcards(
  requested: Iterable<string>,
  options: WildcardCollapseOptions & { readonly maxWildcards: number },
): CoalescedPaths {
  const all = [...requested];
  const plain = coalesce(all);
  const wildcards = chooseWildcards(plain.paths, options);
  return wildcards.length === 0 ? plain : coalesce([...all, ...wildcards]);
}

/** A directory (`/`, `/news/`, `/docs/api/`) and what the batch holds under it. */
interface DirectoryNode {
  readonly prefix: string;
  readonly children: Map<string, DirectoryNode>;
  /** Paths whose own directory this is. */
  direct: number;
  /** Paths this directory's wildcard would cover (at any depth, and the directory's own index path). */
  covered: number;
  /** best[k]: the most paths saved in this subtree with at most k wildcards. */
  best: number[];
  /** Whether best[k] is reached by collapsing this directory itself. */
  collapseSelf: boolean[];
  /** split[i][k]: wildcards given to the first i + 1 children when the subtree has k. */
  split: number[][];
}

function node(prefix: string): DirectoryNode {
  return { prefix, children: new Map(), direct: 0, covered: 0, best: [], collapseSelf: [], split: [] };
}

/** The directory tree of the batch, from the path part of each path (before `?`); `*` counts as its prefix. */
function buildTree(paths: readonly string[]): DirectoryNode {
  const root = node('/');
  for (const path of paths) {
    const key = isWildcard(path) ? path.slice(0, -1) : path;
    const query = key.indexOf('?');
    const pathPart = query === -1 ? key : key.slice(0, query);
    // The directory a path sits in: `/news/a/` and `/news/a` sit in `/news/`; `/news/` and `/news/*` in `/`.
    const trimmed = pathPart.length > 1 && pathPart.endsWith('/') ? pathPart.slice(0, -1) : pathPart;
    const ownDirectoryEnd = trimmed === '/' ? -1 : trimmed.lastIndexOf('/') + 1;

    root.covered++;
    let current = root;
    let slash = pathPart.indexOf('/', 1);
    while (slash !== -1) {
      const prefix = pathPart.slice(0, slash + 1);
      let child = current.children.get(prefix);
      if (child === undefined) current.children.set(prefix, (child = node(prefix)));
      child.covered++;
      current = child;
      slash = pathPart.indexOf('/', slash + 1);
    }
    if (ownDirectoryEnd > 0) directoryOf(root, pathPart.slice(0, ownDirectoryEnd)).direct++;
  }
  return root;
}

function directoryOf(root: DirectoryNode, prefix: string): DirectoryNode {
  let current = root;
  let slash = prefix.indexOf('/', 1);
  while (slash !== -1) {
    current = current.children.get(prefix.slice(0, slash + 1))!;
    slash = prefix.indexOf('/', slash + 1);
  }
  return current;
}

/**
 * Tree knapsack: the chosen directories form an antichain (a wildcard inside a chosen one would add nothing), so
 * the savings of disjoint subtrees add up. Collapsing a directory saves `covered - 1` billed paths.
 */
function solve(root: DirectoryNode, budget: number, minPathsPerDirectory: number): number[] {
  // Children before parents, without recursion: a deep path must not overflow the stack.
  const order: DirectoryNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const current = stack.pop()!;
    order.push(current);
    for (const child of [...current.children.values()].sort(byPrefix)) stack.push(child);
  }
  for (let index = order.length - 1; index >= 0; index--) {
    const current = order[index]!;
    let combined = new Array<number>(budget + 1).fill(0);
    for (const child of [...current.children.values()].sort(byPrefix)) {
      const merged = new Array<number>(budget + 1).fill(0);
      const split = new Array<number>(budget + 1).fill(0);
      for (let total = 0; total <= budget; total++) {
        for (let given = 0; given <= total; given++) {
          const saving = combined[total - given]! + child.best[given]!;
          // Strictly better only: on a tie, fewer wildcards go to this child.
          if (saving > merged[total]!) {
            merged[total] = saving;
            split[total] = given;
          }
        }
      }
      current.split.push(split);
      combined = merged;
    }
    const own = current.direct >= minPathsPerDirectory ? current.covered - 1 : 0;
    current.best = combined.map((saving, k) => (k >= 1 && own > saving ? own : saving));
    current.collapseSelf = combined.map((saving, k) => k >= 1 && own > saving);
  }
  return root.best;
}

/** Walk the decisions back down from `root` with `wildcards` to spend, collecting the collapsed directories. */
function collect(root: DirectoryNode, wildcards: number, chosen: string[]): void {
  const work: Array<[DirectoryNode, number]> = [[root, wildcards]];
  while (work.length > 0) {
    const [current, k] = work.pop()!;
    if (k === 0 || current.best[k] === 0) continue;
    if (current.collapseSelf[k]) {
      chosen.push(`${current.prefix}*`);
      continue;
    }
    const children = [...current.children.values()].sort(byPrefix);
    let left = k;
    for (let index = children.length - 1; index >= 0; index--) {
      const given = current.split[index]![left]!;
      work.push([children[index]!, given]);
      left -= given;
    }
  }
}

function byPrefix(a: DirectoryNode, b: DirectoryNode): number {
  return a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0;
}
