import type { Config } from './load.ts';

const MiB = 1024 * 1024;

/** Advice for bounds that do not fit, shown by the start-up warning and by check-config. */
export const heapShortfallAdvice = 'lower MAX_BUFFERED_BYTES or WINDOW_MAX_BYTES, or raise --max-old-space-size in NODE_OPTIONS';

/** Converts bytes to whole MiB, for messages. */
export function mebibytes(bytes: number): number {
  return Math.round(bytes / MiB);
}

/** Live memory of the runtime, kafkajs and the connector before any record is held, in bytes: about 40 MiB of old space after start-up in the benchmark, rounded up. */
const BASE_BYTES = 64 * MiB;

/**
 * Held records cost about four times the bytes MAX_BUFFERED_BYTES counts:
 * object headers, window maps and the line strings come on top of the values
 * (deploy/kubernetes/measure-buffer-memory.ts measures it).
 */
const HELD_BYTES_FACTOR = 4;

export interface HeapEstimate {
  /** Estimated peak of live memory for these bounds, in bytes. */
  neededBytes: number;
  /** The V8 heap limit of this process, in bytes. */
  heapLimitBytes: number;
}

/**
 * Estimates the live memory the configured bounds allow: the held records, two
 * fetch responses and two copies (string and bytes) of every execution body in
 * flight. Returns the estimate when it exceeds the heap limit, else undefined.
 * It is an estimate: it catches bounds raised far above a capped heap
 * (`--max-old-space-size`), not a small excess.
 */
export function heapShortfall(config: Config, heapLimitBytes: number): HeapEstimate | undefined {
  const neededBytes =
    BASE_BYTES +
    HELD_BYTES_FACTOR * config.buffer.maxBytes +
    2 * config.kafka.fetchMaxBytes +
    2 * config.api.maxConcurrentExecutions * config.window.maxBytes;
  return neededBytes > heapLimitBytes ? { neededBytes, heapLimitBytes } : undefined;
}
