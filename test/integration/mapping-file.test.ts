// The two worked examples of examples/mappings/ end to end: source events on a real broker,
// the connector as a child process started with MAPPING_FILE, and the mediarithmics stand-in.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStandIn, type StandIn } from '../../stand-in/mediarithmics/server.ts';
import { createTopic, committedOffsets, endOffsets, offsetsReachEnd, produce, testBrokers, uniqueName, waitFor } from '../support/kafka.ts';
import { connectorEnv, startConnectorProcess, type ConnectorProcess, type LogLine } from '../support/connector-process.ts';
import { canonicalLine } from '../../scripts/sample-events.ts';
import { CMP_WEBHOOK, CRM_ERASURE, readSourceEvents, type WorkedExample } from '../mapping/declarative/examples.ts';

const token = 'test-token-mapping-4d2e';
const running = new Set<ConnectorProcess>();
const standIns = new Set<StandIn>();
const scratch = mkdtempSync(join(tmpdir(), 'mapping-file-it-'));

after(async () => {
  for (const connector of running) connector.kill('SIGKILL');
  for (const standIn of standIns) await standIn.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function newStandIn(): Promise<StandIn> {
  const standIn = await startStandIn({ token, port: 0 });
  standIns.add(standIn);
  return standIn;
}

function launch(env: Record<string, string>): ConnectorProcess {
  const connector = startConnectorProcess(env);
  running.add(connector);
  return connector;
}

/** Collects every line the stand-in accepted, in canonical form, with its count and datamarts. */
function receivedLines(standIn: StandIn): Map<string, { count: number; datamarts: Set<string> }> {
  const received = new Map<string, { count: number; datamarts: Set<string> }>();
  for (const execution of standIn.executions) {
    for (const line of execution.lines) {
      const key = canonicalLine(line as Record<string, unknown>);
      const entry = received.get(key) ?? { count: 0, datamarts: new Set<string>() };
      entry.count += 1;
      entry.datamarts.add(execution.datamartId);
      received.set(key, entry);
    }
  }
  return received;
}

function expectedLines(example: WorkedExample): string[] {
  return example.outcomes.flatMap((outcome) => (outcome.kind === 'delete' ? outcome.lines.map((line) => canonicalLine(line)) : []));
}

/** Lists [topic, offset, stage, reason] of each expected dead letter of `example` on `topic`. */
function expectedDeadLetters(example: WorkedExample, topic: string): string[][] {
  const letters: string[][] = [];
  example.outcomes.forEach((outcome, offset) => {
    if (outcome.kind === 'rejected') letters.push([topic, String(offset), outcome.stage, outcome.reason]);
  });
  return letters;
}

function deadLetters(connector: ConnectorProcess): string[][] {
  return connector.logs
    .filter((line: LogLine) => line.msg === 'record dead-lettered')
    .map((line) => [String(line.topic), String(line.offset), String(line.stage), String(line.reason)]);
}

function assertExactLines(standIn: StandIn, expected: readonly string[]): void {
  const received = receivedLines(standIn);
  assert.equal(received.size, new Set(expected).size, 'distinct lines received');
  for (const line of expected) {
    assert.equal(received.get(line)?.count, 1, `line received once: ${line}`);
    assert.deepEqual([...(received.get(line)?.datamarts ?? [])], ['1509'], `datamart of ${line}`);
  }
  for (const line of received.keys()) assert.ok(expected.includes(line), `unexpected line: ${line}`);
}

async function assertCommittedAtEnd(groupId: string, topic: string, records: number): Promise<void> {
  const ends = await endOffsets(topic);
  const committed = await committedOffsets(groupId, topic);
  assert.deepEqual([...committed.entries()].sort(), [...ends.entries()].sort(), `committed offsets of ${topic}`);
  assert.equal([...ends.values()].reduce((sum, end) => sum + end, 0n), BigInt(records), `records in ${topic}`);
}

function outputTail(connector: ConnectorProcess): string {
  return connector.output().slice(-4000);
}

/**
 * Waits for `check` while the connector runs. Fails at once when the connector exits, and
 * adds the end of its output to either failure, because a start-up problem shows only there.
 */
async function waitWhileRunning(connector: ConnectorProcess, description: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const exited = (): boolean => connector.child.exitCode !== null || connector.child.signalCode !== null;
  let result: 'done' | 'exited';
  try {
    result = await waitFor(description, async () => (exited() ? 'exited' : (await check()) && 'done'), timeoutMs);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; connector output tail:\n${outputTail(connector)}`);
  }
  if (result === 'exited') {
    throw new Error(`the connector exited while waiting for ${description}; output tail:\n${outputTail(connector)}`);
  }
}

async function stop(connector: ConnectorProcess): Promise<void> {
  connector.kill('SIGTERM');
  assert.equal((await connector.exited).code, 0, 'exit code after SIGTERM');
}

for (const example of [CRM_ERASURE, CMP_WEBHOOK]) {
  test(`worked example end to end: ${example.name}`, async () => {
    const brokers = await testBrokers();
    const topic = uniqueName('mapped');
    const groupId = uniqueName('group');
    await createTopic(topic, 1);
    const standIn = await newStandIn();

    const events = readSourceEvents(example);
    await produce(topic, events.map((value, index) => ({ key: `source-${index}`, value })));

    const connector = launch(connectorEnv({ brokers, topic, groupId, apiUrl: standIn.url, token, extra: { MAPPING_FILE: example.mappingFile } }));
    await waitWhileRunning(connector, 'committed offsets to reach the end offsets', () => offsetsReachEnd(groupId, topic));

    assertExactLines(standIn, expectedLines(example));
    await assertCommittedAtEnd(groupId, topic, events.length);
    assert.deepEqual(deadLetters(connector), expectedDeadLetters(example, topic));

    await stop(connector);
    for (const personalData of ['Jane.Doe', 'jane.doe', 'Max.Mustermann', 'CRM-1001', 'vec:48122907']) {
      assert.ok(!connector.output().includes(personalData), `the output contains ${personalData}`);
    }
  });
}

test('a mapping with topics leaves other topics to the consent event contract', async () => {
  const brokers = await testBrokers();
  const mappedTopic = uniqueName('cmp');
  const canonicalTopic = uniqueName('consent');
  const groupId = uniqueName('group');
  await createTopic(mappedTopic, 1);
  await createTopic(canonicalTopic, 1);
  const standIn = await newStandIn();

  // The CMP example restricted to one topic.
  const mapping = JSON.parse(readFileSync(CMP_WEBHOOK.mappingFile, 'utf8')) as Record<string, unknown>;
  const mappingFile = join(scratch, 'cmp-webhook-one-topic.json');
  writeFileSync(mappingFile, JSON.stringify({ ...mapping, topics: [mappedTopic] }, null, 2));

  const sourceEvents = readSourceEvents(CMP_WEBHOOK);
  await produce(mappedTopic, sourceEvents.map((value) => ({ value })));
  const canonicalEvent = {
    event_id: 'c2b0a1d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    event_type: 'consent.withdrawn',
    occurred_at: '2026-11-02T10:00:00+01:00',
    identifiers: [{ type: 'user_agent', user_agent_id: 'vec:55500001' }],
  };
  // A CMP-shaped event on the canonical topic is not mapped, so it lacks event_id.
  await produce(canonicalTopic, [{ value: JSON.stringify(canonicalEvent) }, { value: sourceEvents[0] ?? '' }]);

  const env = connectorEnv({
    brokers,
    topic: `${mappedTopic},${canonicalTopic}`,
    groupId,
    apiUrl: standIn.url,
    token,
    extra: { MAPPING_FILE: mappingFile },
  });
  const connector = launch(env);
  await waitWhileRunning(connector, 'committed offsets of both topics to reach the end', async () => (await offsetsReachEnd(groupId, mappedTopic)) && (await offsetsReachEnd(groupId, canonicalTopic)));

  assertExactLines(standIn, [...expectedLines(CMP_WEBHOOK), canonicalLine({ type: 'USER_AGENT', user_agent_id: 'vec:55500001' })]);
  await assertCommittedAtEnd(groupId, mappedTopic, sourceEvents.length);
  await assertCommittedAtEnd(groupId, canonicalTopic, 2);

  const letters = deadLetters(connector).sort();
  assert.deepEqual(letters, [...expectedDeadLetters(CMP_WEBHOOK, mappedTopic), [canonicalTopic, '1', 'validate', 'missing_field']].sort());

  await stop(connector);
});
