#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigurationError } from '../lambda/errors.ts';
import { addInvalidationQueueStack } from '../lib/app.ts';

const app = new App();
try {
  addInvalidationQueueStack(app);
} catch (error) {
  // A configuration mistake: say what to fix, without a stack trace.
  if (!(error instanceof ConfigurationError)) throw error;
  console.error(`Error: ${error.message}`);
  process.exit(1);
}
