// A deliberately naive connector, of the kind a team writes first, as a
// baseline for the benchmark: kafkajs eachMessage, one execution POST per
// event, and one offset commit per message. It maps the common identifier
// types with the same rules as the connector but skips most validation.
// Run by bench/run.ts as its own process; it consumes until SIGTERM.
//
//   node bench/naive-connector.ts <brokers> <topic> <groupId> <apiUrl> <datamartId>
//   with the API token in MEDIARITHMICS_API_TOKEN
import { hash } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ignoreNegativeTimeoutWarnings, reportToHarness } from './child-io.ts';

ignoreNegativeTimeoutWarnings();

const [brokers, topic, groupId, apiUrl, datamartId] = process.argv.slice(2);
const token = process.env.MEDIARITHMICS_API_TOKEN;
if (!brokers || !topic || !groupId || !apiUrl || !datamartId || !token) {
  process.stderr.write('usage: MEDIARITHMICS_API_TOKEN=... node bench/naive-connector.ts <brokers> <topic> <groupId> <apiUrl> <datamartId>\n');
  process.exit(2);
}

const importName = 'naive-consent-deletions';
const headers = { authorization: token, accept: 'application/json' };

/** Finds the document import by name, or creates it. */
async function documentImportId(): Promise<string> {
  const query = new URLSearchParams({ keywords: importName, first_result: '0', max_results: '100' });
  const listed = await fetch(`${apiUrl}/v1/datamarts/${datamartId}/document_imports?${query}`, { headers });
  if (!listed.ok) throw new Error(`listing document imports failed with HTTP ${listed.status}`);
  const { data } = (await listed.json()) as { data: { id: string | number; name: string; document_type: string }[] };
  const found = data.find((item) => item.name === importName && item.document_type === 'USER_POINTS_DELETION');
  if (found) return String(found.id);

  const created = await fetch(`${apiUrl}/v1/datamarts/${datamartId}/document_imports`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ document_type: 'USER_POINTS_DELETION', mime_type: 'APPLICATION_X_NDJSON', encoding: 'utf-8', name: importName }),
  });
  if (!created.ok) throw new Error(`creating the document import failed with HTTP ${created.status}`);
  return String(((await created.json()) as { data: { id: string | number } }).data.id);
}

interface Identifier {
  type?: string;
  user_point_id?: string;
  user_account_id?: string;
  compartment_id?: string;
  email?: string;
  hash?: string;
  user_agent_id?: string;
}

interface Event {
  event_type?: string;
  scope?: { all?: boolean; withdrawn?: unknown[] };
  identifiers?: Identifier[];
}

function deletes(event: Event): boolean {
  if (event.event_type === 'erasure.requested') return true;
  const withdrawnSome = (event.scope?.withdrawn?.length ?? 0) > 0;
  if (event.event_type === 'consent.withdrawn') return event.scope?.all !== false || withdrawnSome;
  return event.event_type === 'consent.updated' && withdrawnSome;
}

function linesOf(event: Event): string[] {
  const lines: string[] = [];
  for (const identifier of event.identifiers ?? []) {
    switch (identifier.type) {
      case 'user_point':
        lines.push(JSON.stringify({ type: 'USER_POINT', user_point_id: identifier.user_point_id }));
        break;
      case 'user_account':
        lines.push(JSON.stringify({ type: 'USER_ACCOUNT', user_account_id: identifier.user_account_id, compartment_id: identifier.compartment_id }));
        break;
      case 'email':
        lines.push(JSON.stringify({ type: 'USER_EMAIL', hash: hash('sha256', (identifier.email ?? '').trim().toLowerCase(), 'hex') }));
        break;
      case 'email_hash':
        lines.push(JSON.stringify({ type: 'USER_EMAIL', hash: (identifier.hash ?? '').toLowerCase() }));
        break;
      case 'user_agent':
        lines.push(JSON.stringify({ type: 'USER_AGENT', user_agent_id: identifier.user_agent_id }));
        break;
    }
  }
  return lines;
}

const importId = await documentImportId();
const executionsUrl = `${apiUrl}/v1/datamarts/${datamartId}/document_imports/${importId}/executions`;

const kafka = new Kafka({ clientId: 'bench-naive-connector', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId });
let joined = false;
consumer.on(consumer.events.GROUP_JOIN, () => {
  if (joined) return;
  joined = true;
  reportToHarness({ event: 'joined', atMs: Date.now() });
});

await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ topic: messageTopic, partition, message }) => {
    let event: Event | undefined;
    try {
      event = JSON.parse(message.value?.toString('utf8') ?? '') as Event;
    } catch {
      event = undefined;
    }

    if (event && deletes(event)) {
      const lines = linesOf(event);
      if (lines.length > 0) {
        const response = await fetch(executionsUrl, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/x-ndjson' },
          body: `${lines.join('\n')}\n`,
        });
        await response.arrayBuffer();
        // Throwing makes kafkajs fetch the message again, which is how such connectors retry.
        if (!response.ok) throw new Error(`execution POST failed with HTTP ${response.status}`);
      }
    }
    await consumer.commitOffsets([{ topic: messageTopic, partition, offset: String(Number(message.offset) + 1) }]);
  },
});

const stop = (): void => {
  consumer.disconnect().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
