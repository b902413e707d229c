// Says, in one line, which Node this project needs, instead of the stack trace an older Node prints for a .ts
// file (ERR_UNKNOWN_FILE_EXTENSION). Plain JavaScript that any Node with ES modules runs: it is what runs first.
//
//   node scripts/check-node.js test     # before `vitest run` (package.json); exits 1 on an older Node
import { fileURLToPath } from 'node:url';

/** The first Node release that runs .ts files without a flag (type stripping). */
export const REQUIRED_NODE = '22.18';

/** True when this Node can run the project. */
export function nodeIsRecentEnough(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

/**
 * Exit 1 with one line on standard error when this Node is too old.
 *
 * @param {string} npmArguments - how to run the same through scripts/npm, e.g. "test" or "exec -- cfiq"
 */
export function requireNode(npmArguments) {
  if (nodeIsRecentEnough()) return;
  process.stderr.write(
    `This needs Node ${REQUIRED_NODE} or later; this is Node ${process.version}. From the repository, run ` +
      `"bash scripts/npm ${npmArguments}" (it installs Node 24 into .node24/), or put Node 24 on your PATH (nvm install 24).\n`,
  );
  process.exit(1);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  requireNode(process.argv.slice(2).join(' ') || 'test');
}
