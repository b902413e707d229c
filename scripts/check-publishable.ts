// `npm publish` runs this first (`prepublishOnly`, after `prepack` built dist/): it refuses to publish a package
// whose metadata is still a placeholder, or a version CHANGELOG.md does not describe.
import { readFileSync } from 'node:fs';

const ROOT = new URL('..', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { version: string; repository?: { url?: string } };
const changelog = readFileSync(new URL('CHANGELOG.md', ROOT), 'utf8');

const problems: string[] = [];
if (manifest.repository?.url === undefined || /\/OWNER\//.test(manifest.repository.url)) {
  problems.push(`package.json's repository.url is a placeholder (${manifest.repository?.url}): set the repository's address`);
}
if (!changelog.includes(`## [${manifest.version}]`)) {
  problems.push(`CHANGELOG.md has no "## [${manifest.version}]" section: describe the release`);
}
for (const problem of problems) console.error(`not publishable: ${problem}`);
process.exitCode = problems.length === 0 ? 0 : 1;
