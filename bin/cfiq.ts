#!/usr/bin/env node
// cfiq: the operator's CLI (README, "The `cfiq` CLI"). The commands live in local/cli/; this file only dispatches.
// package.json's "bin" runs it through bin/cfiq.js, which picks this source or, in the npm package, its compiled form.
import { createRequire } from 'node:module';
import { EXIT_CODES } from '../local/cli/errors.ts';
import { processIo } from '../local/cli/io.ts';
import { runCli } from '../local/cli/main.ts';

const interrupt = new AbortController();
const onSignal = (signal: NodeJS.Signals) => {
  if (interrupt.signal.aborted) {
    // A second Ctrl-C: stop now, whatever is running.
    process.stderr.write(`\ncfiq: ${signal} again, exiting\n`);
    process.exit(EXIT_CODES.interrupted);
  }
  interrupt.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const argv = process.argv.slice(2);
if (argv.length === 1 && argv[0] === '--version') {
  // The package's own name resolves to this package (its "exports" map), from the source and from dist/ alike.
  const { version } = createRequire(import.meta.url)('cloudfront-invalidation-queue/package.json') as { version: string };
  process.stdout.write(`${version}\n`);
} else {
  process.exitCode = await runCli(argv, processIo(interrupt.signal));
}
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
