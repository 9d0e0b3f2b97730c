// The samples file that record.ts writes and render.ts reads: every scrape of
// the connector's /metrics endpoint during one local run, parsed.
import { readFileSync } from 'node:fs';

/** One sample of the text exposition: metric name, labels and value. */
export interface ScrapedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One scrape. `up` is false when the endpoint did not return 200, and `samples` is empty then. */
export interface Scrape {
  /** Time the scrape started, in ms since the epoch. Prometheus also stamps a scrape's samples with its start time. */
  timeMs: number;
  up: boolean;
  /** Reason the scrape failed, when `up` is false. */
  error?: string;
  samples: ScrapedSample[];
}

/** A timestamped moment of the run, drawn as a marker under the dashboard. */
export interface RunEvent {
  timeMs: number;
  text: string;
}

export interface SamplesFile {
  /** Format version of this file. */
  version: 1;
  /**
   * Target labels that Prometheus would attach to every sample of this target.
   * The dashboard filters on `job` and groups by `instance`.
   */
  target: { job: string; instance: string };
  scrapeIntervalMs: number;
  startedAt: string;
  endedAt: string;
  /** Time SIGTERM was sent to the connector. render.ts ends the dashboard's time range there unless given --include-shutdown. */
  sigtermSentAt?: string;
  /** The command and settings of the run, for the page footer. */
  description: string[];
  events: RunEvent[];
  scrapes: Scrape[];
}

/** Reads and checks a samples file, throwing an error that names the file when it is not one. */
export function readSamplesFile(path: string): SamplesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Could not read the samples file ${path}: ${(error as Error).message}. Run scripts/dashboard/record.ts first.`);
  }
  const file = parsed as Partial<SamplesFile>;
  if (file.version !== 1 || !Array.isArray(file.scrapes) || typeof file.scrapeIntervalMs !== 'number' || file.target === undefined) {
    throw new Error(`${path} is not a version 1 samples file written by scripts/dashboard/record.ts.`);
  }
  return file as SamplesFile;
}
