// Builds the npm package's dist/ (`npm run build`; `npm pack` and `npm publish` run it as `prepack`):
//   dist/{bin,lib,lambda,local}/  JavaScript (ES modules) and declarations, by tsc -p tsconfig.build.json;
//   dist/handler/                 the Lambda handler bundled with lib/handler-bundling.ts's options, which the
//                                 compiled construct deploys as it is (lib/handler-code.ts).
// The repository's own workflow never needs dist/: it runs the .ts files directly.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLER_ENTRY } from '../lib/handler-code.ts';
import { HANDLER_ESBUILD_OPTIONS } from '../lib/handler-bundling.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** A relative import or export of a `.ts` file, which Node refuses to load from node_modules. */
const TS_SPECIFIER = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)\.(ts|mts|cts)['"]/g;

rmSync(DIST, { recursive: true, force: true });

const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);

// tsc rewrites `.ts` specifiers to `.js` in JavaScript (rewriteRelativeImportExtensions), not in declarations: a
// consumer's TypeScript then looks for the `.ts` file. Point declarations at the `.js` files too, as a published
// package's are (TypeScript finds `x.d.ts` for `./x.js`).
for (const file of filesUnder(DIST)) {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.d.ts')) {
    const rewritten = text.replace(TS_SPECIFIER, (match, path: string, ext: string) => match.replace(`${path}.${ext}`, `${path}.${ext.replace('t', 'j')}`));
    if (rewritten !== text) writeFileSync(file, rewritten);
  } else if (file.endsWith('.js') && TS_SPECIFIER.test(text)) {
    throw new Error(`${relative(ROOT, file)} still imports a .ts file: is rewriteRelativeImportExtensions on?`);
  }
  TS_SPECIFIER.lastIndex = 0;
}

await build({
  ...HANDLER_ESBUILD_OPTIONS,
  external: [...HANDLER_ESBUILD_OPTIONS.external],
  entryPoints: [HANDLER_ENTRY],
  outfile: join(DIST, 'handler', 'index.mjs'),
  logLevel: 'warning',
});

console.log(`built ${relative(ROOT, DIST)}/: ${filesUnder(DIST).length} files`);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
