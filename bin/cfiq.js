#!/usr/bin/env node
// The `cfiq` command (package.json "bin"): checks the Node version in plain JavaScript, then runs the CLI, which
// is TypeScript (bin/cfiq.ts) that only Node 22.18 and later run.
import { requireNode } from '../scripts/check-node.js';

requireNode('exec -- cfiq ...');
await import('./cfiq.ts');
