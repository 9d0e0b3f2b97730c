import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DATAMART_ID, call, createImport, importsPath, startForTest } from './helpers.ts';

const VALID_IMPORT = {
  document_type: 'USER_POINTS_DELETION',
  mime_type: 'APPLICATION_X_NDJSON',
  encoding: 'utf-8',
  name: 'consent withdrawals',
};

test('create import returns documented fields', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { body: { ...VALID_IMPORT, priority: 'HIGH' } });

  assert.equal(result.status, 200);
  assert.equal(result.json.status, 'ok');
  const data = result.json.data;
  assert.match(data.id, /^\d+$/);
  assert.match(data.datafarm_key, /^DF_EU_\d{4}_\d{2}$/);
  assert.deepEqual(
    { ...data, id: undefined, datafarm_key: undefined },
    { ...VALID_IMPORT, priority: 'HIGH', datamart_id: DATAMART_ID, id: undefined, datafarm_key: undefined },
  );
  assert.deepEqual(standIn.imports(), [data]);
});

test('create import without priority returns null priority', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { body: VALID_IMPORT });

  assert.equal(result.status, 200);
  assert.equal(result.json.data.priority, null);
});

test('create import accepts every deletion type', async (t) => {
  const standIn = await startForTest(t);

  for (const documentType of [
    'USER_POINTS_DELETION',
    'USER_IDENTIFIERS_DELETION',
    'USER_DEVICE_POINTS_DELETION',
    'USER_DEVICE_POINT_DELETION',
  ]) {
    const result = await call(standIn, importsPath(), { body: { ...VALID_IMPORT, document_type: documentType } });
    assert.equal(result.status, 200, `${documentType}: ${result.text}`);
  }
});

test('create import accepts CSV for activity', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), {
    body: { ...VALID_IMPORT, document_type: 'USER_ACTIVITY', mime_type: 'TEXT_CSV' },
  });

  assert.equal(result.status, 200);
  assert.equal(result.json.data.mime_type, 'TEXT_CSV');
});

test('create import rejects invalid fields', async (t) => {
  const standIn = await startForTest(t);
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['unknown document type', { ...VALID_IMPORT, document_type: 'USER_DELETION' }, /document_type must be one of/],
    ['missing document type', { ...VALID_IMPORT, document_type: undefined }, /document_type is missing/],
    ['deletion as CSV', { ...VALID_IMPORT, mime_type: 'TEXT_CSV' }, /requires mime_type APPLICATION_X_NDJSON/],
    ['user choice as CSV', { ...VALID_IMPORT, document_type: 'USER_CHOICE', mime_type: 'TEXT_CSV' }, /requires mime_type/],
    ['unknown mime type', { ...VALID_IMPORT, mime_type: 'application/x-ndjson' }, /mime_type must be one of/],
    ['other encoding', { ...VALID_IMPORT, encoding: 'latin1' }, /encoding must be "utf-8"/],
    ['missing name', { ...VALID_IMPORT, name: undefined }, /name is missing/],
    ['blank name', { ...VALID_IMPORT, name: '  ' }, /name must be a non-empty string/],
    ['unknown priority', { ...VALID_IMPORT, priority: 'URGENT' }, /priority must be one of LOW, MEDIUM, HIGH/],
  ];

  for (const [label, body, expected] of cases) {
    const result = await call(standIn, importsPath(), { body });
    assert.equal(result.status, 400, label);
    assert.equal(result.json.status, 'error', label);
    assert.match(result.json.error, expected, label);
    assert.ok(Array.isArray(result.json.problems), label);
  }
  assert.deepEqual(standIn.imports(), []);
});

test('create import rejects non-object JSON', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { body: '[1]', contentType: 'application/json' });

  assert.equal(result.status, 400);
  assert.match(result.json.error, /must be a JSON object/);
});

test('create import rejects invalid JSON', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { body: '{"name":', contentType: 'application/json' });

  assert.equal(result.status, 400);
  assert.match(result.json.error, /not valid JSON/);
});

test('create import requires JSON content type', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath(), { body: JSON.stringify(VALID_IMPORT), contentType: 'text/plain' });

  assert.equal(result.status, 415);
  assert.match(result.json.error, /Content-Type must be application\/json/);
});

test('list imports paginates', async (t) => {
  const standIn = await startForTest(t);
  const ids: string[] = [];
  for (let index = 0; index < 5; index += 1) {
    ids.push(await createImport(standIn, 'USER_POINTS_DELETION', { name: `batch ${index}` }));
  }

  const page = await call(standIn, `${importsPath()}?first_result=1&max_results=2`);

  assert.equal(page.status, 200);
  assert.equal(page.json.status, 'ok');
  assert.deepEqual(
    page.json.data.map((item: { id: string }) => item.id),
    ids.slice(1, 3),
  );
  assert.equal(page.json.count, 2);
  assert.equal(page.json.first_result, 1);
  assert.equal(page.json.max_results, 2);
  assert.equal(page.json.total, 5);
});

test('list imports past the end is empty', async (t) => {
  const standIn = await startForTest(t);
  await createImport(standIn);

  const page = await call(standIn, `${importsPath()}?first_result=10`);

  assert.deepEqual(page.json.data, []);
  assert.equal(page.json.count, 0);
  assert.equal(page.json.total, 1);
});

test('list imports filters by keywords', async (t) => {
  const standIn = await startForTest(t);
  await createImport(standIn, 'USER_POINTS_DELETION', { name: 'Nightly erasure 2024-01-01' });
  const matching = await createImport(standIn, 'USER_POINTS_DELETION', { name: 'Consent withdrawals' });

  const page = await call(standIn, `${importsPath()}?keywords=consent`);

  assert.deepEqual(
    page.json.data.map((item: { id: string }) => item.id),
    [matching],
  );
  assert.equal(page.json.total, 1);
});

test('list imports keeps datamarts apart', async (t) => {
  const standIn = await startForTest(t);
  await createImport(standIn);

  const other = await call(standIn, importsPath('42'));

  assert.equal(other.status, 200);
  assert.deepEqual(other.json.data, []);
});

test('list imports rejects invalid pagination', async (t) => {
  const standIn = await startForTest(t);

  for (const query of ['first_result=-1', 'max_results=abc', 'first_result=1.5']) {
    const result = await call(standIn, `${importsPath()}?${query}`);
    assert.equal(result.status, 400, query);
    assert.match(result.json.error, /must be a non-negative integer/, query);
  }
});

test('get import returns one import', async (t) => {
  const standIn = await startForTest(t);
  const id = await createImport(standIn, 'USER_IDENTIFIERS_DELETION');

  const result = await call(standIn, `${importsPath()}/${id}`);

  assert.equal(result.status, 200);
  assert.equal(result.json.data.id, id);
  assert.equal(result.json.data.document_type, 'USER_IDENTIFIERS_DELETION');
});

test('get unknown import gets 404', async (t) => {
  const standIn = await startForTest(t);
  const id = await createImport(standIn);

  const unknown = await call(standIn, `${importsPath()}/999999`);
  const otherDatamart = await call(standIn, `${importsPath('42')}/${id}`);

  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.status, 'error');
  assert.match(unknown.json.error, /Document import 999999 not found/);
  assert.equal(otherDatamart.status, 404);
});

test('non-digit datamart gets 404 by default', async (t) => {
  const standIn = await startForTest(t);

  const result = await call(standIn, importsPath('abc'));

  assert.equal(result.status, 404);
  assert.match(result.json.error, /Datamart abc not found/);
});

test('known datamarts option limits datamarts', async (t) => {
  const standIn = await startForTest(t, { knownDatamarts: ['1509'] });

  const known = await call(standIn, importsPath('1509'));
  const unknown = await call(standIn, importsPath('1510'));
  const create = await call(standIn, importsPath('1510'), { body: VALID_IMPORT });

  assert.equal(known.status, 200);
  assert.equal(unknown.status, 404);
  assert.equal(create.status, 404);
  assert.deepEqual(standIn.imports(), []);
});

test('update import changes given fields', async (t) => {
  const standIn = await startForTest(t);
  const id = await createImport(standIn);

  const result = await call(standIn, `${importsPath()}/${id}`, {
    method: 'PUT',
    body: { name: 'renamed', priority: 'LOW' },
  });

  assert.equal(result.status, 200);
  assert.equal(result.json.data.name, 'renamed');
  assert.equal(result.json.data.priority, 'LOW');
  assert.equal(result.json.data.document_type, 'USER_POINTS_DELETION');
});

test('update import rejects invalid fields', async (t) => {
  const standIn = await startForTest(t);
  const id = await createImport(standIn);

  const result = await call(standIn, `${importsPath()}/${id}`, { method: 'PUT', body: { mime_type: 'TEXT_CSV' } });

  assert.equal(result.status, 400);
  assert.equal(standIn.imports()[0]?.mime_type, 'APPLICATION_X_NDJSON');
});

test('delete import removes it', async (t) => {
  const standIn = await startForTest(t);
  const id = await createImport(standIn);

  const deleted = await call(standIn, `${importsPath()}/${id}`, { method: 'DELETE' });
  const after = await call(standIn, `${importsPath()}/${id}`);

  assert.equal(deleted.status, 200);
  assert.equal(deleted.json.data.id, id);
  assert.equal(after.status, 404);
});

test('import ids are unique and increasing', async (t) => {
  const standIn = await startForTest(t);

  const first = await createImport(standIn);
  const second = await createImport(standIn);

  assert.ok(Number(second) > Number(first));
});
