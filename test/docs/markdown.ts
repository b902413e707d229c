import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** How a shell block in the docs is checked: run (no AWS, quick), or only parsed (needs AWS; long-running). */
export type BlockMarker = 'run' | 'aws' | 'parse';

/** A fenced code block of a Markdown file, with the marker on the line before it, if any. */
export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly marker: BlockMarker | undefined;
  readonly code: string;
}

/** A relative link of a Markdown file: `[text](target)` outside code. */
export interface RelativeLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

export const SHELL_LANGS: ReadonlySet<string> = new Set(['sh', 'bash', 'shell', 'console']);

const MARKER = /^<!--\s*docs-test:\s*(run|aws|parse)\s*-->$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)?.*$/;

/** The Markdown files the docs test covers, relative to the repository root: README.md and docs/*.md. */
export function docFiles(root: string): string[] {
  const docs = readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** Split a Markdown text into its fenced code blocks and the lines outside them (with their 1-based numbers). */
function scan(text: string): { blocks: Array<Omit<CodeBlock, 'file'>>; prose: Array<{ line: number; text: string }> } {
  const lines = text.split('\n');
  const blocks: Array<Omit<CodeBlock, 'file'>> = [];
  const prose: Array<{ line: number; text: string }> = [];
  let open: { fence: string; lang: string; line: number; marker: BlockMarker | undefined; body: string[] } | undefined;
  let previous = '';
  lines.forEach((raw, index) => {
    if (open !== undefined) {
      if (raw.trim().startsWith(open.fence) && raw.trim().replace(/[`~]/g, '') === '') {
        blocks.push({ line: open.line, lang: open.lang, marker: open.marker, code: open.body.join('\n') });
        open = undefined;
        previous = '';
      } else {
        open.body.push(raw);
      }
      return;
    }
    const fence = FENCE.exec(raw);
    if (fence !== null) {
      const marker = MARKER.exec(previous.trim())?.[1] as BlockMarker | undefined;
      open = { fence: fence[2]!, lang: (fence[3] ?? '').toLowerCase(), line: index + 1, marker, body: [] };
      return;
    }
    prose.push({ line: index + 1, text: raw });
    if (raw.trim() !== '') previous = raw;
  });
  return { blocks, prose };
}

export function codeBlocks(file: string, text: string): CodeBlock[] {
  return scan(text).blocks.map((block) => ({ file, ...block }));
}

/** Relative link targets outside code blocks and inline code (absolute URLs and mailto: are left out). */
export function relativeLinks(file: string, text: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  for (const { line, text: lineText } of scan(text).prose) {
    const withoutCode = lineText.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ file, line, target });
    }
  }
  return links;
}

/** GitHub's anchors for the headings of a Markdown text (lowercase, punctuation dropped, spaces as hyphens). */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: lineText } of scan(text).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(lineText);
    if (heading === null) continue;
    const slug = heading[1]!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}
