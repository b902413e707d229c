import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Summarize a V8 CPU profile (`node --cpu-prof`): self and inclusive time per function. V8 charges an inlined
 * function's time to its caller, so a figure is "time in this function and what V8 inlined into it".
 *
 * @example
 * node bench/profile-summary.ts bench/tmp/profile/CPU.*.cpuprofile
 */

export interface FunctionTime {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly self: readonly FunctionTime[];
  readonly inclusive: readonly FunctionTime[];
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Read a `.cpuprofile` and total the sampled time per function, largest first. */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

  const selfMicros = new Map<number, number>();
  let totalMicros = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
    totalMicros += delta;
  });

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const name = nameOf(nodes.get(id)!);
    self.set(name, (self.get(name) ?? 0) + micros);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const ancestor = nameOf(nodes.get(current)!);
      if (seen.has(ancestor)) continue;
      seen.add(ancestor);
      inclusive.set(ancestor, (inclusive.get(ancestor) ?? 0) + micros);
    }
  }
  const sorted = (times: Map<string, number>): FunctionTime[] =>
    [...times]
      .sort((a, b) => b[1] - a[1])
      .map(([name, micros]) => ({ name, ms: Math.round(micros / 100) / 10, share: Math.round((1000 * micros) / totalMicros) / 1000 }));
  return { totalMs: Math.round(totalMicros / 1000), self: sorted(self), inclusive: sorted(inclusive) };
}

function nameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*?\/(lambda|bench)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (file === undefined) throw new Error('usage: node bench/profile-summary.ts PROFILE.cpuprofile');
  const summary = summarizeProfile(file);
  const line = (time: FunctionTime) => `${time.ms.toFixed(0).padStart(7)} ms ${(time.share * 100).toFixed(1).padStart(5)}%  ${time.name}`;
  console.log(`total ${summary.totalMs} ms sampled\n\nself time:\n${summary.self.slice(0, 20).map(line).join('\n')}`);
  console.log(`\ninclusive time:\n${summary.inclusive.slice(0, 30).map(line).join('\n')}`);
}
