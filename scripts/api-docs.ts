// The API reference in docs/api/ (`npm run api`), from the package's declarations:
//   1. scripts/build-package.ts builds dist/ (skipped with --check: the caller has just built it, as `npm pack` does);
//   2. the declarations are copied into .api-extractor/types/ with this project's JSDoc conventions written as TSDoc
//      (tsdocOf, below): the shipped ones keep `@default`, which Construct Hub and IDEs read;
//   3. API Extractor (api-extractor.json) writes the API report, docs/api/cloudfront-invalidation-queue.api.md: every
//      exported signature, so a change to the public API shows in review (semantic versioning, CHANGELOG.md);
//   4. api-documenter writes a page per exported item into docs/api/ from API Extractor's model.
// With --check nothing is written into docs/: it exits 1 when the report or a page differs from a fresh one, or an
// optional property of an exported interface has no `@default`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
const WORK = join(ROOT, '.api-extractor');
const TYPES = join(WORK, 'types');
const MARKDOWN = join(WORK, 'markdown');
const DOCS = join(ROOT, 'docs', 'api');
const REPORT = 'cloudfront-invalidation-queue.api.md';

/** The block tags that end an `@example` block. */
const BLOCK_TAG = /^@(?:param|returns?|throws|default|defaultValue|example|remarks|see|deprecated|typeParam)\b/;

/**
 * A declaration file's doc comments as TSDoc: an `@example` without a code fence gets one (TSDoc reads braces and
 * `@` in it as tags otherwise), `@throws {Type}` names the type in backticks, `@default` becomes `@defaultValue`
 * (the tag api-documenter prints as "Default Value"). Anything outside doc comments is kept as it is.
 */
export function tsdocOf(declarations: string): string {
  return declarations.replace(/\/\*\*[\s\S]*?\*\//g, (comment) => {
    const lines = comment.split('\n');
    const out: string[] = [];
    let example: { prefix: string; lines: string[] } | undefined;
    const closeExample = () => {
      if (example === undefined) return;
      const body = trimTrailingBlank(example.lines);
      if (body.some((line) => line.includes('```'))) out.push(...body);
      else out.push(`${example.prefix}\`\`\`ts`, ...body, `${example.prefix}\`\`\``);
      example = undefined;
    };
    for (const line of lines) {
      const match = /^(\s*\*\s?)(.*)$/.exec(line);
      const isEnd = line.trimEnd().endsWith('*/');
      if (match === null || isEnd) {
        closeExample();
        out.push(line);
        continue;
      }
      const [, prefix = ' * ', text = ''] = match;
      if (example !== undefined && !BLOCK_TAG.test(text)) {
        example.lines.push(line);
        continue;
      }
      closeExample();
      if (/^@example\s*$/.test(text)) {
        out.push(line);
        example = { prefix: prefix.endsWith(' ') ? prefix : `${prefix} `, lines: [] };
        continue;
      }
      out.push(
        prefix +
          text.replace(/^@default(?=\s|$)/, '@defaultValue').replace(/^@throws \{([\w.]+)\}/, (_, type: string) => `@throws \`${type}\``),
      );
    }
    return out.join('\n');
  });
}

function trimTrailingBlank(lines: string[]): string[] {
  const copy = [...lines];
  while (copy.length > 0 && /^\s*\*\s*$/.test(copy.at(-1)!)) copy.pop();
  return copy;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
}

/** Optional properties of exported interfaces without a default, from API Extractor's model. */
function propsWithoutDefault(apiJson: string): string[] {
  interface Member { kind: string; name?: string; isOptional?: boolean; docComment?: string; members?: Member[] }
  const model = JSON.parse(readFileSync(apiJson, 'utf8')) as Member;
  const missing: string[] = [];
  for (const entryPoint of model.members ?? []) {
    for (const item of entryPoint.members ?? []) {
      if (item.kind !== 'Interface') continue;
      for (const property of item.members ?? []) {
        if (property.kind === 'PropertySignature' && property.isOptional && !/@defaultValue\b/.test(property.docComment ?? '')) {
          missing.push(`${item.name}.${property.name}`);
        }
      }
    }
  }
  return missing;
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  if (!check) run(process.execPath, [join(ROOT, 'scripts', 'build-package.ts')]);
  if (!existsSync(join(DIST, 'lib', 'index.d.ts'))) throw new Error('dist/lib/index.d.ts is missing: run `npm run build` first');

  rmSync(WORK, { recursive: true, force: true });
  for (const file of filesUnder(DIST).filter((name) => name.endsWith('.d.ts'))) {
    mkdirSync(dirname(join(TYPES, file)), { recursive: true });
    writeFileSync(join(TYPES, file), tsdocOf(readFileSync(join(DIST, file), 'utf8')));
  }

  const messages: ExtractorMessage[] = [];
  const config = ExtractorConfig.loadFileAndPrepare(join(ROOT, 'api-extractor.json'));
  const result = Extractor.invoke(config, {
    localBuild: !check,
    messageCallback: (message) => {
      message.handled = true;
      if (message.logLevel === 'error' || message.logLevel === 'warning') messages.push(message);
    },
  });
  for (const message of messages) console.error(`${message.logLevel}: ${message.formatMessageWithLocation(ROOT)}`);
  const problems: string[] = [];
  if (!result.succeeded) {
    problems.push(
      result.apiReportChanged
        ? `docs/api/${REPORT} is not current: the public API changed (see .api-extractor/${REPORT}); run npm run api and review it`
        : `API Extractor failed with ${result.errorCount} error(s)`,
    );
  }
  const undocumented = propsWithoutDefault(config.apiJsonFilePath);
  if (undocumented.length > 0) problems.push(`optional properties without @default: ${undocumented.join(', ')}`);

  run(join(ROOT, 'node_modules', '.bin', 'api-documenter'), ['markdown', '-i', dirname(config.apiJsonFilePath), '-o', MARKDOWN]);
  const pages = filesUnder(MARKDOWN);
  if (check) {
    const current = filesUnder(DOCS).filter((name) => name !== REPORT);
    const stale = [...new Set([...pages, ...current])].filter(
      (name) => !existsSync(join(DOCS, name)) || !existsSync(join(MARKDOWN, name)) || readFileSync(join(DOCS, name), 'utf8') !== readFileSync(join(MARKDOWN, name), 'utf8'),
    );
    if (stale.length > 0) problems.push(`docs/api/ is not current (${stale.length} page(s), e.g. ${stale.slice(0, 3).join(', ')}): run npm run api`);
  } else {
    for (const name of filesUnder(DOCS).filter((file) => file !== REPORT)) rmSync(join(DOCS, name));
    cpSync(MARKDOWN, DOCS, { recursive: true });
    console.log(`wrote docs/api/: ${REPORT} and ${pages.length} pages`);
  }
  for (const problem of problems) console.error(problem);
  return problems.length === 0 ? 0 : 1;
}

if (import.meta.main) process.exitCode = await main();
