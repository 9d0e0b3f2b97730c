// Summarises a V8 CPU profile (.cpuprofile, as written by node --cpu-prof) by
// pipeline stage. Each sample is charged to the innermost frame that belongs
// to a known stage. Time in a native callee (JSON.parse, a hash) therefore
// counts for the project code that called it.
//
//   node bench/profile-summary.ts <file.cpuprofile>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle, in ms. */
  busyMs: number;
  idleMs: number;
  stages: { stage: string; ms: number; share: number }[];
  /** Functions with the most self time, with their stage. */
  topFunctions: { name: string; stage: string; ms: number; share: number }[];
}

/** Stage of a frame by its script URL or special name; undefined means "look at the caller". */
const stageRules: [RegExp, string][] = [
  [/\/node_modules\/kafkajs\//, 'kafkajs (fetch, decode of record batches, group protocol)'],
  [/\/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|@pinojs|quick-format-unescaped|safe-stable-stringify|atomic-sleep|on-exit-leak-free)\//, 'logging (pino)'],
  [/\/node_modules\/zod\//, 'validation (contract, zod)'],
  [/\/src\/contract\//, 'validation (contract, zod)'],
  [/\/src\/decode\//, 'decode (bytes to JSON value)'],
  [/\/src\/mapping\/email\.ts$/, 'email normalisation and hashing'],
  [/\/src\/mapping\/lines\.ts$/, 'line serialisation'],
  [/\/src\/mapping\//, 'mapping (events to lines)'],
  [/\/src\/window\//, 'windowing'],
  [/\/src\/offsets\//, 'offset tracking and commits'],
  [/\/src\/pipeline\//, 'pipeline glue'],
  [/\/src\/source\//, 'source glue (consumer.ts)'],
  [/\/src\/sink\//, 'HTTP sink (body, retries)'],
  [/\/node_modules\/undici\/|node:internal\/deps\/undici/, 'HTTP client (undici)'],
  [/\/src\/telemetry\//, 'metrics'],
  [/\/node_modules\/prom-client\//, 'metrics'],
];

function stageOfFrame(node: ProfileNode): string | undefined {
  const { functionName, url } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 and native, unattributed (program)';
  if (url === '') return undefined;
  for (const [pattern, stage] of stageRules) if (pattern.test(url)) return stage;
  return undefined;
}

export function summariseProfile(profile: CpuProfile, topCount = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const stageCache = new Map<number, string>();
  const stageOf = (id: number): string => {
    const cached = stageCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id)!;
    const own = stageOfFrame(node);
    const up = parent.get(id);
    const stage = own ?? (up === undefined ? 'Node.js runtime (timers, streams, sockets)' : stageOf(up));
    stageCache.set(id, stage);
    return stage;
  };

  const stageMs = new Map<string, number>();
  const selfMs = new Map<number, number>();
  for (let index = 0; index < profile.samples.length; index += 1) {
    // timeDeltas[i] is the time between sample i-1 and sample i, so it is charged to sample i.
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    const id = profile.samples[index]!;
    selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
    const stage = stageOf(id);
    stageMs.set(stage, (stageMs.get(stage) ?? 0) + ms);
  }

  const idleMs = stageMs.get('idle') ?? 0;
  stageMs.delete('idle');
  const busyMs = [...stageMs.values()].reduce((sum, ms) => sum + ms, 0);
  const stages = [...stageMs].map(([stage, ms]) => ({ stage, ms, share: ms / busyMs })).sort((a, b) => b.ms - a.ms);

  const byFunction = new Map<string, { stage: string; ms: number }>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    const stage = stageOf(id);
    if (stage === 'idle') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|src)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : '(native)'}`;
    const entry = byFunction.get(name) ?? { stage, ms: 0 };
    entry.ms += ms;
    byFunction.set(name, entry);
  }
  const topFunctions = [...byFunction]
    .map(([name, entry]) => ({ name, stage: entry.stage, ms: entry.ms, share: entry.ms / busyMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, topCount);

  return { busyMs, idleMs, stages, topFunctions };
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

export function formatProfileSummary(summary: ProfileSummary, events: number): string {
  const lines = [
    `Sampled CPU: ${(summary.busyMs / 1000).toFixed(1)} s busy, ${(summary.idleMs / 1000).toFixed(1)} s idle; ${((summary.busyMs * 1000) / events).toFixed(1)} µs busy per event`,
    '',
    '| stage | CPU s | share | µs per event |',
    '| --- | ---: | ---: | ---: |',
    ...summary.stages.map((entry) => `| ${entry.stage} | ${(entry.ms / 1000).toFixed(2)} | ${(entry.share * 100).toFixed(1)} % | ${((entry.ms * 1000) / events).toFixed(2)} |`),
    '',
    '| function (self time) | stage | CPU s | share |',
    '| --- | --- | ---: | ---: |',
    ...summary.topFunctions.map((entry) => `| \`${entry.name}\` | ${entry.stage} | ${(entry.ms / 1000).toFixed(2)} | ${(entry.share * 100).toFixed(1)} % |`),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [path, eventsText] = process.argv.slice(2);
  if (!path) {
    process.stderr.write('usage: node bench/profile-summary.ts <file.cpuprofile> [events]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfileSummary(summariseProfile(readProfile(path)), Number(eventsText ?? '1'))}\n`);
}
