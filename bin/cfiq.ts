#!/usr/bin/env node
// cfiq: the operator's CLI (README, "The `cfiq` CLI"). The commands live in local/cli/; this file only dispatches.
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

process.exitCode = await runCli(process.argv.slice(2), processIo(interrupt.signal));
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
