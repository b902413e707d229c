import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  INVALIDATOR_CONTEXT_KEY,
  loadCdkJsonInvalidatorContext,
  readInvalidatorContext,
  type InvalidatorSettings,
} from '../lib/app-config.ts';
import { ConfigurationError } from '../lambda/errors.ts';

export type { InvalidatorSettings };

/**
 * The invalidator's settings for local mode and the CLI: from `--config FILE` (a cdk.json, or a file holding the
 * `invalidator` object itself), else from the `invalidator` context of ./cdk.json.
 *
 * @throws {ConfigurationError} when the file is missing or unreadable, or the settings are invalid
 */
export function loadInvalidatorSettings(configFile?: string, cwd = process.cwd()): InvalidatorSettings {
  if (configFile === undefined) return loadCdkJsonInvalidatorContext(resolve(cwd, 'cdk.json'));
  const path = resolve(cwd, configFile);
  const value = readJson(path, configFile);
  if (typeof value === 'object' && value !== null && 'context' in value) return loadCdkJsonInvalidatorContext(path);
  return readInvalidatorContext(value, configFile);
}

/**
 * Like {@link loadInvalidatorSettings}, but undefined when no file was named and ./cdk.json has no `invalidator`
 * context: commands that can work without the configuration (send, status) use it when it is there.
 *
 * @throws {ConfigurationError} when a named file, or the context that is there, is invalid
 */
export function findInvalidatorSettings(configFile?: string, cwd = process.cwd()): InvalidatorSettings | undefined {
  if (configFile !== undefined) return loadInvalidatorSettings(configFile, cwd);
  const path = resolve(cwd, 'cdk.json');
  if (!existsSync(path)) return undefined;
  const value = readJson(path, 'cdk.json') as { context?: Record<string, unknown> } | null;
  if (value?.context?.[INVALIDATOR_CONTEXT_KEY] === undefined) return undefined;
  return loadCdkJsonInvalidatorContext(path);
}

function readJson(path: string, name: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`cannot read ${name}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
