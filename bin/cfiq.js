#!/usr/bin/env node
// The `cfiq` command (package.json "bin"). In a clone of the repository it runs the TypeScript source, bin/cfiq.ts,
// as every other script does (Node strips the types; nothing to build), after checking in plain JavaScript that this
// Node can (22.18 or later), so an older one gets one line saying what to do. In the npm package, which ships no .ts
// files, it runs the compiled dist/bin/cfiq.js: Node strips no types under node_modules.
import { existsSync } from 'node:fs';

const source = new URL('./cfiq.ts', import.meta.url);
if (existsSync(source)) {
  const { requireNode } = await import('../scripts/check-node.js');
  requireNode('exec -- cfiq ...');
  await import(source.href);
} else {
  await import(new URL('../dist/bin/cfiq.js', import.meta.url).href);
}
