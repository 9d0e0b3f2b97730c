// No Docker engine runs here, so the container files are checked by reading
// them: the fields that make graceful shutdown, health checks and the demo
// stack work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { variables } from '../../src/config/variables.ts';
import { nodeFlags } from '../../src/cli/node-flags.ts';

const root = new URL('../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');

test('Dockerfile builds in stages on Node 24 slim and runs as non-root', () => {
  const stages = [...dockerfile.matchAll(/^FROM (\S+)(?: AS (\S+))?$/gm)];
  assert.ok(stages.length >= 3, 'multi-stage');
  for (const [, image] of stages) assert.equal(image, 'node:24-slim');
  assert.match(dockerfile, /npm ci --omit=dev/);

  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  assert.match(final, /^USER node$/m);
  assert.match(final, /^HEALTHCHECK .*\n?.*\/healthz/m);
  const entrypoint = JSON.stringify(['node', ...nodeFlags, 'dist/src/cli/main.js']).replaceAll(',', ', ');
  assert.ok(final.split('\n').includes(`ENTRYPOINT ${entrypoint}`), `exec form so SIGTERM reaches node, with the V8 flags: ENTRYPOINT ${entrypoint}`);
  assert.doesNotMatch(final, /COPY --from=build \/app\/node_modules/, 'no dev dependencies in the final image');
});

test('docker-compose stack wires Kafka, registry, stand-in, producer and connector', () => {
  const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown>; stop_grace_period?: string; build?: unknown; image?: string }>;
  };
  assert.deepEqual(Object.keys(compose.services).sort(), ['connector', 'kafka', 'mediarithmics-stand-in', 'producer', 'schema-registry']);

  const kafka = compose.services.kafka!.environment!;
  assert.equal(kafka.KAFKA_PROCESS_ROLES, 'broker,controller');
  assert.equal(kafka.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
  assert.equal(kafka.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR, '1');

  const connector = compose.services.connector!;
  const known = new Set(Object.values(variables).map((spec) => spec.name));
  for (const name of Object.keys(connector.environment!)) assert.ok(known.has(name), `${name} is a connector variable`);
  assert.equal(connector.environment!.MEDIARITHMICS_API_URL, 'http://mediarithmics-stand-in:8080');
  assert.equal(connector.environment!.MEDIARITHMICS_API_TOKEN, compose.services['mediarithmics-stand-in']!.environment!.MEDIARITHMICS_API_TOKEN);
  assert.ok(Number.parseInt(connector.stop_grace_period!, 10) > 25, 'grace period longer than the 25 s drain deadline');
});

test('launchers pass the same V8 flags', () => {
  const flags = nodeFlags.join(' ');
  const shebang = readFileSync(new URL('src/cli/main.ts', root), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flags}`, 'the installed command');

  const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.equal(scripts.start, `node ${flags} src/cli/main.ts`, 'npm start');
});
