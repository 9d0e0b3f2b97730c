/** The Schema Registry stand-in: Confluent's routes, bodies and error codes, faults and main.ts. */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import {
  REGISTRY_CONTENT_TYPE,
  startSchemaRegistry,
  type SchemaRegistryStandIn,
} from '../../../stand-in/schema-registry/server.ts';
import { FaultScriptError } from '../../../stand-in/schema-registry/faults.ts';

const AVRO = JSON.stringify({ type: 'record', name: 'A', namespace: 'test', fields: [{ name: 'a', type: 'string' }] });
const AVRO_V2 = JSON.stringify({ type: 'record', name: 'A', namespace: 'test', fields: [{ name: 'a', type: 'string' }, { name: 'b', type: ['null', 'int'], default: null }] });
const PROTO = 'syntax = "proto3";\nmessage P { string p = 1; }\n';

interface Reply {
  status: number;
  body: unknown;
  headers: Headers;
}

let registry: SchemaRegistryStandIn;

before(async () => {
  registry = await startSchemaRegistry();
});

after(async () => {
  await registry.close();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = registry.url): Promise<Reply> {
  const init: RequestInit = { method, headers: { 'content-type': REGISTRY_CONTENT_TYPE, ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(`${base}${path}`, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A text body stays a string.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

function assertError(reply: Reply, status: number, errorCode: number): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal((reply.body as { error_code: unknown }).error_code, errorCode);
  assert.equal(typeof (reply.body as { message: unknown }).message, 'string');
}

describe('Schema Registry stand-in API', () => {
  before(() => registry.reset());

  it('registers schemas and reuses ids like Confluent', async () => {
    const first = await call('POST', '/subjects/a-value/versions', { schema: AVRO });
    assert.deepEqual(first, { ...first, status: 200, body: { id: 1 } });
    assert.equal(first.headers.get('content-type'), REGISTRY_CONTENT_TYPE);

    const again = await call('POST', '/subjects/a-value/versions', { schema: JSON.stringify(JSON.parse(AVRO), null, 2) });
    assert.deepEqual(again.body, { id: 1 });
    const otherSubject = await call('POST', '/subjects/a-copy/versions', { schema: AVRO });
    assert.deepEqual(otherSubject.body, { id: 1 });
    const second = await call('POST', '/subjects/a-value/versions', { schema: AVRO_V2 });
    assert.deepEqual(second.body, { id: 2 });
    const proto = await call('POST', '/subjects/p-value/versions', { schemaType: 'PROTOBUF', schema: PROTO });
    assert.deepEqual(proto.body, { id: 3 });

    assert.deepEqual((await call('GET', '/subjects/a-value/versions')).body, [1, 2]);
    assert.deepEqual((await call('GET', '/subjects')).body, ['a-value', 'a-copy', 'p-value']);
  });

  it('returns schemas by id, version and lookup', async () => {
    assert.deepEqual((await call('GET', '/schemas/ids/1')).body, { schema: AVRO });
    assert.deepEqual((await call('GET', '/schemas/ids/3')).body, { schemaType: 'PROTOBUF', schema: PROTO });
    assert.deepEqual((await call('GET', '/schemas/ids/1/versions')).body, [
      { subject: 'a-value', version: 1 },
      { subject: 'a-copy', version: 1 },
    ]);
    assert.deepEqual((await call('GET', '/subjects/a-value/versions/latest')).body, { subject: 'a-value', version: 2, id: 2, schema: AVRO_V2 });
    assert.deepEqual((await call('GET', '/subjects/a-value/versions/1')).body, { subject: 'a-value', version: 1, id: 1, schema: AVRO });
    assert.deepEqual((await call('POST', '/subjects/p-value', { schemaType: 'PROTOBUF', schema: PROTO })).body, {
      subject: 'p-value',
      version: 1,
      id: 3,
      schemaType: 'PROTOBUF',
      schema: PROTO,
    });
    assert.deepEqual((await call('GET', '/schemas/types')).body, ['AVRO', 'JSON', 'PROTOBUF']);
  });

  it('keeps references and checks that they exist', async () => {
    const references = [{ name: 'test.A', subject: 'a-value', version: 1 }];
    const holder = JSON.stringify({ type: 'record', name: 'H', namespace: 'test', fields: [{ name: 'a', type: 'test.A' }] });
    const registered = await call('POST', '/subjects/h-value/versions', { schema: holder, references });
    const id = (registered.body as { id: number }).id;
    assert.deepEqual((await call('GET', `/schemas/ids/${id}`)).body, { schema: holder, references });

    const missing = await call('POST', '/subjects/h-value/versions', { schema: holder, references: [{ name: 'test.A', subject: 'a-value', version: 9 }] });
    assertError(missing, 422, 42201);
  });

  it('returns Confluent error codes', async () => {
    assertError(await call('GET', '/schemas/ids/999'), 404, 40403);
    assertError(await call('GET', '/schemas/ids/abc'), 404, 404);
    assertError(await call('GET', '/subjects/nope/versions'), 404, 40401);
    assertError(await call('GET', '/subjects/a-value/versions/7'), 404, 40402);
    assertError(await call('GET', '/subjects/a-value/versions/0'), 422, 42202);
    assertError(await call('POST', '/subjects/a-value', { schema: '{"type":"string"}' }), 404, 40403);
    assertError(await call('POST', '/subjects/nope', { schema: AVRO }), 404, 40401);
    assertError(await call('POST', '/subjects/x/versions', { schema: 'not json' }), 422, 42201);
    assertError(await call('POST', '/subjects/x/versions', { schemaType: 'XML', schema: '<x/>' }), 422, 42201);
    assertError(await call('POST', '/subjects/x/versions', { schemaType: 'PROTOBUF', schema: '  ' }), 422, 42201);
    assertError(await call('POST', '/subjects/x/versions', '{"schema":'), 400, 400);
    assertError(await call('GET', '/no/such/route'), 404, 404);
    const notAllowed = await call('DELETE', '/subjects');
    assertError(notAllowed, 405, 405);
    assert.equal(notAllowed.headers.get('allow'), 'GET');
  });

  it('stores compatibility levels', async () => {
    assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
    assertError(await call('GET', '/config/a-value'), 404, 40408);
    assert.deepEqual((await call('PUT', '/config/a-value', { compatibility: 'FULL' })).body, { compatibility: 'FULL' });
    assert.deepEqual((await call('GET', '/config/a-value')).body, { compatibilityLevel: 'FULL' });
    assertError(await call('PUT', '/config', { compatibility: 'SOMETIMES' }), 422, 42203);
    assert.deepEqual((await call('POST', '/compatibility/subjects/a-value/versions/latest', { schema: AVRO_V2 })).body, { is_compatible: true });
  });

  it('records each API request and leaves control requests out', async () => {
    const before = registry.requests.length;
    await call('GET', '/subjects');
    await call('GET', '/_stand-in/health');
    assert.equal(registry.requests.length, before + 1);
    const last = registry.requests.at(-1);
    assert.equal(last?.method, 'GET');
    assert.equal(last?.path, '/subjects');
    assert.equal(last?.status, 200);
    assert.equal(last?.authorization, 'not_required');
  });
});

describe('Schema Registry stand-in faults', () => {
  before(() => registry.reset());

  it('replies with a scripted status a number of times', async () => {
    registry.script({ path: '/schemas/ids/', status: 503, times: 2 });
    assertError(await call('GET', '/schemas/ids/1'), 503, 503);
    assert.equal((await call('GET', '/subjects')).status, 200, 'a request on another path is not affected');
    assertError(await call('GET', '/schemas/ids/1'), 503, 503);
    assertError(await call('GET', '/schemas/ids/1'), 404, 40403);
    assert.deepEqual(registry.pendingScript(), []);
    assert.equal(registry.requests.filter((request) => request.scripted).length, 2);
  });

  it('applies a timed fault until it expires', async () => {
    registry.script({ status: 500, body: { error_code: 50001, message: 'Error in the backend datastore' }, forMs: 300 });
    const during = await call('GET', '/subjects');
    assertError(during, 500, 50001);
    assertError(await call('POST', '/subjects/x/versions', { schema: AVRO }), 500, 50001);
    assert.equal(registry.pendingScript().length, 1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    assert.equal((await call('GET', '/subjects')).status, 200);
    assert.deepEqual(registry.pendingScript(), []);
  });

  it('drops connections and delays replies', async () => {
    registry.script({ method: 'GET', path: '/subjects', drop: true });
    await assert.rejects(call('GET', '/subjects'));
    assert.equal(registry.requests.at(-1)?.dropped, true);

    registry.script({ path: '/subjects', delayMs: 300 });
    const started = Date.now();
    assert.equal((await call('GET', '/subjects')).status, 200);
    assert.ok(Date.now() - started >= 280);
  });

  it('matches the method and path of a fault', async () => {
    registry.script({ method: 'POST', path: '/subjects/', status: 503 });
    assert.equal((await call('GET', '/subjects')).status, 200);
    assert.equal((await call('POST', '/subjects/y/versions', { schema: AVRO })).status, 503);
  });

  it('rejects invalid faults and queues none of them', () => {
    assert.throws(() => registry.script({ status: 503 }, { drop: true, status: 500 }), FaultScriptError);
    assert.throws(() => registry.script({ path: 'schemas' }), FaultScriptError);
    assert.throws(() => registry.script({ times: 2 }), /must set drop, status or delayMs/);
    assert.deepEqual(registry.pendingScript(), []);
  });

  it('takes faults and resets through the control routes', async () => {
    const scripted = await call('POST', '/_stand-in/script', [{ path: '/subjects', status: 502 }]);
    assert.equal(scripted.status, 200);
    assert.deepEqual(scripted.body, [{ path: '/subjects', status: 502, times: 1 }]);
    assertError(await call('POST', '/_stand-in/script', { drop: 'yes' }), 400, 400);
    assert.equal((await call('GET', '/subjects')).status, 502);

    await call('POST', '/subjects/z/versions', { schema: AVRO });
    assert.equal((await call('POST', '/_stand-in/reset')).status, 200);
    assert.deepEqual((await call('GET', '/subjects')).body, []);
    assert.deepEqual((await call('GET', '/_stand-in/requests')).body, [registry.requests[0]]);
  });
});

describe('Schema Registry stand-in authentication', () => {
  let secured: SchemaRegistryStandIn;
  const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  before(async () => {
    secured = await startSchemaRegistry({ auth: { username: 'svc', password: 'pw' } });
  });

  after(async () => {
    await secured.close();
  });

  it('requires the Basic credentials on API routes only', async () => {
    const missing = await call('GET', '/subjects', undefined, {}, secured.url);
    assertError(missing, 401, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Basic realm="SchemaRegistry"');
    assertError(await call('GET', '/subjects', undefined, { authorization: basic('svc', 'nope') }, secured.url), 401, 401);
    assert.equal((await call('GET', '/subjects', undefined, { authorization: basic('svc', 'pw') }, secured.url)).status, 200);
    assert.equal((await call('GET', '/_stand-in/health', undefined, {}, secured.url)).status, 200);
    assert.deepEqual(
      secured.requests.map((request) => request.authorization),
      ['missing', 'invalid', 'valid'],
    );
  });
});

describe('Schema Registry stand-in main.ts', () => {
  const mainPath = fileURLToPath(new URL('../../../stand-in/schema-registry/main.ts', import.meta.url));

  function run(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [mainPath, ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it('prints help and rejects bad options', async () => {
    const help = run(['--help']);
    assert.equal(await help.exited, 0);
    assert.match(help.output().stdout, /--port <number>/);

    const badPort = run(['--port', '70000']);
    assert.equal(await badPort.exited, 2);
    assert.match(badPort.output().stderr, /--port must be an integer/);

    const halfAuth = run(['--port', '0'], { SCHEMA_REGISTRY_USERNAME: 'svc' });
    assert.equal(await halfAuth.exited, 2);
  });

  it('serves on the port it logs and stops on SIGTERM', async () => {
    const server = run(['--port', '0']);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up line: ${JSON.stringify(server.output())}`)), 10_000);
      server.child.stdout.on('data', () => {
        const line = server.output().stdout.split('\n').find((text) => text.includes('"url"'));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        }
      });
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual((await call('GET', '/subjects', undefined, {}, url)).body, []);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });
});
