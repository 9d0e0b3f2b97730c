/**
 * V8 flags the connector is started with: the Dockerfile's ENTRYPOINT, the
 * shebang of the installed command, `npm start` and the benchmark all pass
 * them, and a deployment test checks that they agree.
 *
 * A semi-space of 4 MiB keeps the young generation small, where V8 grows each
 * semi-space to 64 MiB on 64-bit Node.js. The connector allocates fast while it
 * drains a backlog, and in the benchmark (docs/benchmarks.md) smaller
 * semi-spaces (8 and 2 MiB) lowered the peak resident set by 50 to 100 MiB at no
 * CPU cost.
 * V8 reads these flags only at start-up, so the program cannot set them itself.
 */
export const nodeFlags = ['--max-semi-space-size=4'] as const;
