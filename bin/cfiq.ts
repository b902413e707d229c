#!/usr/bin/env node
// cfiq: the operator's CLI (docs/operating.md, "The `cfiq` CLI"). The commands live in local/cli/; this file only
// dispatches, and turns signals into an AbortSignal the commands stop on. package.json's "bin" runs it through
// bin/cfiq.js, which picks this source or, in the npm package, its compiled form.
import { EXIT_CODES } from '../local/cli/errors.ts';
import { processIo } from '../local/cli/io.ts';
import { runCli } from '../local/cli/main.ts';
import { watchParent } from '../local/parent-watch.ts';

const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals | 'parent-exit') => {
  if (interrupt.signal.aborted) {
    if (signal === 'parent-exit') return;
    // A second Ctrl-C: stop now, whatever is running.
    process.stderr.write(`\ncfiq: ${signal} again, exiting\n`);
    process.exit(EXIT_CODES.interrupted);
  }
  interrupt.abort();
};
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
for (const signal of signals) process.on(signal, onSignal);
// Run by an npm script (npm start, npm run demo, npm exec): npm may die of a SIGTERM without passing it on, which
// would leave this process (and its ports) behind; stop with it instead.
const stopWatching = watchParent(process.env, () => onSignal('parent-exit'));

process.exitCode = await runCli(process.argv.slice(2), processIo(interrupt.signal));
stopWatching();
for (const signal of signals) process.off(signal, onSignal);
