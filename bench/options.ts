// Command-line options of bench/run.ts.
import { parseArgs } from 'node:util';

export const PHASES = ['java', 'bare', 'bare-json', 'platformatic', 'platformatic-json', 'connector', 'naive', 'pair', 'memory', 'profile'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  events: number;
  partitions: number;
  runs: number;
  latencyMs: number;
  /** WINDOW_MAX_AGE_MS given to the connector; undefined keeps the connector's default. */
  windowMaxAgeMs: number | undefined;
  phases: Set<Phase>;
  naiveMaxEvents: number;
  naiveMaxSeconds: number;
  /** Event count of the smaller memory-check topic; the larger one has 5 times as many. */
  memoryBaseEvents: number;
  proxyMode: 'count' | 'forward';
  /** Extra connector environment variables, for experiments with its settings. */
  connectorEnv: Record<string, string>;
  /** NODE_OPTIONS for the connector processes, for example --max-old-space-size=128. */
  nodeOptions: string | undefined;
  steady: boolean;
  rate: number;
  durationSeconds: number;
  quick: boolean;
}

export const USAGE = `Usage: node bench/run.ts [options]

Backlog mode (the default) loads a topic once and measures, one after the other,
Kafka's Java consumer, bare kafkajs and @platformatic/kafka consumers, the
connector and a naive connector.

  --events N             events in the backlog topic (default 2000000)
  --partitions P         partitions of the topic (default 6)
  --runs K               measured runs of each consumer; medians are reported (default 3)
  --latency-ms L         delay added to every mediarithmics API reply, in ms (default 50)
  --window-max-age-ms T  WINDOW_MAX_AGE_MS for the connector (default: the connector's own, 10000)
  --only LIST            comma-separated phases: ${PHASES.join(',')}
                         (default: every phase but profile)
  --profile              add one connector run with --cpu-prof and summarise the profile
  --naive-max-events N   stop the naive connector after N committed records (default 20000)
  --naive-max-seconds S  stop the naive connector S seconds after it joined (default 45)
  --memory-base N        smaller topic of the memory check; the larger has 5 x N (default events / 5)
  --proxy-mode MODE      count: the proxy answers executions itself (default);
                         forward: the stand-in checks and stores every execution
  --env NAME=VALUE       extra connector environment variable; repeat for several
  --node-options TEXT    NODE_OPTIONS for the connector processes
  --quick                20000 events, 1 run, WINDOW_MAX_AGE_MS=2000, forward mode: checks the harness

Steady mode:
  --steady               produce at a fixed rate and report produce-to-POST latency
  --rate R               events per second (default 2000)
  --duration-s D         seconds of production (default 60)
`;

/** Parses argv; throws an Error with a message naming the bad option. */
export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      events: { type: 'string' },
      partitions: { type: 'string' },
      runs: { type: 'string' },
      'latency-ms': { type: 'string' },
      'window-max-age-ms': { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'boolean' },
      'naive-max-events': { type: 'string' },
      'naive-max-seconds': { type: 'string' },
      'memory-base': { type: 'string' },
      'proxy-mode': { type: 'string' },
      env: { type: 'string', multiple: true },
      'node-options': { type: 'string' },
      quick: { type: 'boolean' },
      steady: { type: 'boolean' },
      rate: { type: 'string' },
      'duration-s': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';

  const quick = values.quick === true;
  const events = integer(values.events, '--events', quick ? 20_000 : 2_000_000, 1);
  const phases = new Set<Phase>(values.only === undefined ? PHASES.filter((phase) => phase !== 'profile') : []);
  for (const name of values.only?.split(',') ?? []) {
    if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only: unknown phase "${name}"; expected some of ${PHASES.join(',')}`);
    phases.add(name as Phase);
  }
  if (values.profile) phases.add('profile');

  const proxyMode = values['proxy-mode'] ?? (quick ? 'forward' : 'count');
  if (proxyMode !== 'count' && proxyMode !== 'forward') throw new Error(`--proxy-mode must be count or forward, received "${proxyMode}"`);

  const connectorEnv: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`--env must look like NAME=VALUE, received "${pair}"`);
    connectorEnv[match[1]!] = match[2]!;
  }

  const memoryBaseEvents = integer(values['memory-base'], '--memory-base', Math.max(1, Math.floor(events / 5)), 1);
  return {
    events,
    partitions: integer(values.partitions, '--partitions', 6, 1),
    runs: integer(values.runs, '--runs', quick ? 1 : 3, 1),
    latencyMs: integer(values['latency-ms'], '--latency-ms', 50, 0),
    windowMaxAgeMs: windowMaxAgeMs(values['window-max-age-ms'], quick),
    phases,
    naiveMaxEvents: integer(values['naive-max-events'], '--naive-max-events', quick ? 2_000 : 20_000, 1),
    naiveMaxSeconds: integer(values['naive-max-seconds'], '--naive-max-seconds', quick ? 10 : 45, 1),
    memoryBaseEvents,
    proxyMode,
    connectorEnv,
    nodeOptions: values['node-options'],
    steady: values.steady === true,
    rate: integer(values.rate, '--rate', quick ? 500 : 2000, 1),
    durationSeconds: integer(values['duration-s'], '--duration-s', quick ? 10 : 60, 1),
    quick,
  };
}

/** WINDOW_MAX_AGE_MS for the connector: the option, 2 s in quick mode, else undefined for the connector's default. */
function windowMaxAgeMs(text: string | undefined, quick: boolean): number | undefined {
  if (text !== undefined) return integer(text, '--window-max-age-ms', 0, 1);
  return quick ? 2000 : undefined;
}

function integer(text: string | undefined, name: string, fallback: number, minimum: number): number {
  if (text === undefined) return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value < minimum) throw new Error(`${name} must be a whole number of at least ${minimum}, received "${text}"`);
  return value;
}
