#!/usr/bin/env node
// The `cfiq` command (package.json "bin"). In a clone of the repository it runs the TypeScript source, bin/cfiq.ts,
// as every other script does (Node strips the types; nothing to build). In the npm package, which ships no .ts
// files, it runs the compiled dist/bin/cfiq.js: Node strips no types under node_modules.
import { existsSync } from 'node:fs';

const source = new URL('./cfiq.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/bin/cfiq.js', import.meta.url).href);
