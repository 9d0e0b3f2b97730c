/**
 * V8 flags the connector is started with: the Dockerfile's ENTRYPOINT, the
 * shebang of the installed command, `npm start` and the benchmark all pass
 * them, and a deployment test checks that they agree.
 *
 * A semi-space of 4 MiB (V8 picks up to 64 MiB on a large machine) keeps the
 * young generation small. While the connector drains a backlog, it allocates
 * fast, and a large young generation adds about 100 MiB to the resident set
 * without making it faster. V8 reads these flags only at start-up, so they
 * cannot be set from the program itself.
 */
export const nodeFlags = ['--max-semi-space-size=4'] as const;
