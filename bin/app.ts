#!/usr/bin/env node
import { App, Errors } from 'aws-cdk-lib';
import { ConfigurationError } from '../lambda/errors.ts';
import { addInvalidationQueueStack } from '../lib/app.ts';

const app = new App();
try {
  addInvalidationQueueStack(app);
} catch (error) {
  // A configuration mistake (a bad context value, or props the construct refuses): say what to fix, without a
  // stack trace.
  if (!(error instanceof ConfigurationError) && !Errors.isValidationError(error)) throw error;
  console.error(`Error: ${error.message}`);
  process.exit(1);
}
