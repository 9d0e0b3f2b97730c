export const mainHelp = `Usage: mediarithmics-deletion-connector [command] [options]

Turns consent-withdrawal events from Kafka into mediarithmics deletion
executions, committing offsets only after delivery.

Commands:
  run            Consume and send deletions until SIGTERM or SIGINT (default)
  replay         Process a time range of the topics with a separate consumer
                 group, then exit with a summary
  dry-run        Write the windows that would be sent now as ndjson files;
                 nothing is sent or committed
  check-config   Validate the configuration and check that Kafka, the Schema
                 Registry and the mediarithmics API are reachable

Options for every command:
  --config <file>  JSON or YAML file of configuration variables (names as in
                   docs/configuration.md); environment variables win over it
  -h, --help       Show the help of a command

Configuration comes from environment variables; see docs/configuration.md.
Exit codes: 0 success, 1 failure, 2 invalid configuration or arguments.
`;

export const runHelp = `Usage: mediarithmics-deletion-connector run [--config <file>]

Joins the consumer group KAFKA_GROUP_ID on KAFKA_TOPICS and sends deletions
until SIGTERM or SIGINT. On the first signal it stops fetching, sends the open
windows, commits and leaves the group within SHUTDOWN_TIMEOUT_MS (default
25000 ms), then exits 0; if records are left unsettled it exits 1, and they
are read again after a restart. A second signal exits at once with code 130.

Health and metrics: /healthz, /readyz and /metrics on HTTP_PORT (default 9464).

Options:
  --config <file>  JSON or YAML file of configuration variables
  -h, --help       Show this help
`;

export const replayHelp = `Usage: mediarithmics-deletion-connector replay --from <time|earliest> [options]

Processes the records of a time range again, for a backfill: resolves the
start offsets by timestamp, takes the end offsets when it starts (or from
--to), consumes with its own consumer group until every partition reaches its
end, sends and commits, prints a summary and exits 0. The live group's
offsets are never touched. The outgoing rate limit applies.

Options:
  --from <time|earliest>   First record to process: an RFC 3339 time with an
                           offset (2026-11-01T00:00:00Z, 2026-11-01T01:00:00+01:00)
                           or "earliest". Required.
  --to <time|now>          End, exclusive: an RFC 3339 time with an offset, or
                           "now" (default: now, the end offsets at start)
  --topics <list>          Comma-separated topics (default: KAFKA_TOPICS)
  --group <id>             Consumer group of the replay (default:
                           <KAFKA_GROUP_ID>-replay); never KAFKA_GROUP_ID itself
  --dry-run                Write windows as ndjson files instead of sending
                           them, and commit nothing
  --output-dir <dir>       Folder of the dry-run files (default:
                           ./dry-run-<UTC time>)
  --progress-interval <s>  Seconds between progress log lines when stderr is
                           not a terminal (default: 10 s)
  --config <file>          JSON or YAML file of configuration variables
  -h, --help               Show this help
`;

export const dryRunHelp = `Usage: mediarithmics-deletion-connector dry-run [options]

Does everything the connector would do now except sending and committing:
reads from the live group's committed offsets (or --from) up to the end
offsets at start, and writes each window as an ndjson file plus summary.json,
so the deletions can be reviewed before they are sent. A throwaway consumer
group is used and deleted afterwards; the live group is not touched.

Options:
  --from <time|earliest>   First record: RFC 3339 time with an offset, or
                           "earliest" (default: the live group's committed
                           offsets, earliest where it has none)
  --to <time|now>          End, exclusive (default: now)
  --topics <list>          Comma-separated topics (default: KAFKA_TOPICS)
  --output-dir <dir>       Folder of the files (default: ./dry-run-<UTC time>)
  --progress-interval <s>  Seconds between progress log lines (default: 10 s)
  --config <file>          JSON or YAML file of configuration variables
  -h, --help               Show this help
`;

export const checkConfigHelp = `Usage: mediarithmics-deletion-connector check-config [options]

Validates the configuration and the mapping file, then checks that the
brokers answer, that the topics (and DLQ_TOPIC, RECEIPTS_TOPIC) exist, that
the Schema Registry answers when configured, and that the mediarithmics API
accepts the token and knows the datamart. Prints what the connector would
do. Exit code 0 when every check passed, 1 when one failed, 2 when the
configuration is invalid.

Options:
  --timeout <ms>    Time allowed for each check, in milliseconds (default: 10000)
  --config <file>   JSON or YAML file of configuration variables
  -h, --help        Show this help
`;
