import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseExecutionBody, validateLine } from '../../stand-in/mediarithmics/line-syntax.ts';
import { createImport, ndjson, postExecution, startForTest } from './helpers.ts';

const UUID = '95772db3-e762-45da-8cf1-4893debffae7';
const USER_POINT = { type: 'USER_POINT', user_point_id: UUID };
const USER_EMAIL = { type: 'USER_EMAIL', hash: '5d41402abc4b2a76b9719d911017c592' };
const USER_ACCOUNT = { type: 'USER_ACCOUNT', user_account_id: '8541254132' };
const VECTOR_AGENT = { type: 'USER_AGENT', user_agent_id: 'vec:89998434' };
const DEVICE_POINT_AGENT = { type: 'USER_AGENT', user_agent_id: 'udp:987654' };

/** Invalid deletion lines with the message each must produce, valid in no deletion type. */
const INVALID_DELETION_LINES: Array<[string, unknown, RegExp]> = [
  ['missing type', { user_point_id: UUID }, /field "type" is missing/],
  ['unknown type', { type: 'USER_PHONE', phone: '1' }, /type "USER_PHONE" is not allowed/],
  ['lower-case type', { type: 'user_email', hash: 'a' }, /type "user_email" is not allowed/],
  ['numeric type', { type: 3 }, /type 3 is not allowed/],
  ['user point id not a UUID', { type: 'USER_POINT', user_point_id: 'abc' }, /field "user_point_id" must be a UUID/],
  ['user point id missing', { type: 'USER_POINT' }, /field "user_point_id" is missing/],
  ['user point id number', { type: 'USER_POINT', user_point_id: 12 }, /field "user_point_id" must be a UUID/],
  ['account id missing', { type: 'USER_ACCOUNT' }, /field "user_account_id" is missing/],
  ['account id number', { type: 'USER_ACCOUNT', user_account_id: 8541254132 }, /field "user_account_id" must be a non-empty string/],
  ['account id empty', { type: 'USER_ACCOUNT', user_account_id: '' }, /field "user_account_id" must be a non-empty string/],
  ['compartment fraction', { ...USER_ACCOUNT, compartment_id: 1.5 }, /field "compartment_id" must be a non-empty string or a non-negative integer/],
  ['compartment empty', { ...USER_ACCOUNT, compartment_id: '' }, /field "compartment_id" must be a non-empty string or a non-negative integer/],
  ['compartment null', { ...USER_ACCOUNT, compartment_id: null }, /field "compartment_id" must be/],
  ['compartment negative', { ...USER_ACCOUNT, compartment_id: -1 }, /field "compartment_id" must be/],
  ['hash missing', { type: 'USER_EMAIL' }, /field "hash" is missing/],
  ['hash array', { type: 'USER_EMAIL', hash: ['a'] }, /field "hash" must be a non-empty string/],
  ['agent id missing', { type: 'USER_AGENT' }, /field "user_agent_id" is missing/],
  ['agent id empty', { type: 'USER_AGENT', user_agent_id: '' }, /field "user_agent_id" must be a non-empty string/],
  ['unknown field', { ...USER_EMAIL, email: 'a@example.com' }, /unknown field "email"/],
  ['two identifiers', { ...USER_EMAIL, user_agent_id: 'vec:1' }, /unknown field "user_agent_id"/],
  ['array line', [USER_EMAIL], /line is not a JSON object/],
  ['number line', 42, /line is not a JSON object/],
  ['null line', null, /line is not a JSON object/],
];

test('invalid deletion lines are rejected by message', () => {
  for (const [label, line, expected] of INVALID_DELETION_LINES) {
    const messages = validateLine(line, 'USER_POINTS_DELETION');
    assert.equal(messages.length > 0, true, label);
    assert.match(messages.join(', '), expected, label);
  }
});

test('valid deletion lines pass each type', () => {
  const cases: Array<[string, unknown[]]> = [
    ['USER_POINTS_DELETION', [USER_POINT, USER_EMAIL, USER_ACCOUNT, VECTOR_AGENT, DEVICE_POINT_AGENT]],
    ['USER_IDENTIFIERS_DELETION', [USER_EMAIL, USER_ACCOUNT, VECTOR_AGENT, { type: 'USER_AGENT', user_agent_id: 'net:9:12345' }]],
    ['USER_DEVICE_POINTS_DELETION', [VECTOR_AGENT, DEVICE_POINT_AGENT]],
    ['USER_DEVICE_POINT_DELETION', [VECTOR_AGENT, DEVICE_POINT_AGENT]],
  ];
  for (const [documentType, lines] of cases) {
    for (const line of lines) {
      assert.deepEqual(validateLine(line, documentType as never), [], `${documentType} ${JSON.stringify(line)}`);
    }
  }
});

test('compartment id accepts string and number', () => {
  for (const compartmentId of ['1000', 1000, 0]) {
    assert.deepEqual(validateLine({ ...USER_ACCOUNT, compartment_id: compartmentId }, 'USER_IDENTIFIERS_DELETION'), []);
  }
});

test('identifiers deletion rejects USER_POINT', () => {
  const messages = validateLine(USER_POINT, 'USER_IDENTIFIERS_DELETION');

  assert.deepEqual(messages, [
    'type "USER_POINT" is not allowed in USER_IDENTIFIERS_DELETION imports, which accept USER_ACCOUNT, USER_EMAIL, USER_AGENT',
  ]);
});

test('identifiers deletion rejects udp ids', () => {
  const messages = validateLine(DEVICE_POINT_AGENT, 'USER_IDENTIFIERS_DELETION');

  assert.equal(messages.length, 1);
  assert.match(messages[0] ?? '', /"udp:987654" is a device point id/);
});

test('device points deletion takes only USER_AGENT', () => {
  for (const line of [USER_POINT, USER_EMAIL, USER_ACCOUNT]) {
    const messages = validateLine(line, 'USER_DEVICE_POINTS_DELETION');
    assert.match(messages.join(), /is not allowed in USER_DEVICE_POINTS_DELETION imports, which accept USER_AGENT/);
  }
});

test('user choice lines follow documented rules', () => {
  const upsert = {
    operation: 'UPSERT',
    compartment_id: '1000',
    user_account_id: 'a1',
    force_replace: true,
    user_choice: { $processing_id: '42', $choice_ts: 1700000000000, $choice_acceptance_value: false, custom: 'x' },
  };
  const deletion = { operation: 'DELETE', email_hash: 'abc', user_choice: { $processing_id: 42 } };
  const cases: Array<[string, unknown, RegExp]> = [
    ['no identifier', { ...deletion, email_hash: undefined }, /exactly one of user_account_id, email_hash or user_agent_id/],
    ['two identifiers', { ...deletion, user_agent_id: 'vec:1' }, /exactly one of/],
    ['compartment alone', { ...deletion, compartment_id: '1' }, /compartment_id" is only allowed with user_account_id/],
    ['upsert without force_replace', { ...upsert, force_replace: undefined }, /force_replace" is missing/],
    ['upsert without choice ts', { ...upsert, user_choice: { $processing_id: '42' } }, /\$choice_ts" is missing/],
    ['missing processing id', { ...deletion, user_choice: {} }, /user_choice.\$processing_id" is missing/],
    ['missing user choice', { ...deletion, user_choice: undefined }, /user_choice" is missing/],
    ['unknown operation', { ...deletion, operation: 'MERGE' }, /operation" must be "UPSERT" or "DELETE"/],
    ['unknown field', { ...deletion, type: 'USER_EMAIL' }, /unknown field "type"/],
  ];

  assert.deepEqual(validateLine(upsert, 'USER_CHOICE'), []);
  assert.deepEqual(validateLine(deletion, 'USER_CHOICE'), []);
  for (const [label, line, expected] of cases) {
    assert.match(validateLine(line, 'USER_CHOICE').join(', '), expected, label);
  }
});

test('other types need only JSON objects', () => {
  assert.deepEqual(validateLine({ $event_name: 'x', anything: 1 }, 'USER_ACTIVITY'), []);
  assert.deepEqual(validateLine('text', 'USER_PROFILE'), ['line is not a JSON object']);
});

test('parse numbers lines from 1 counting blanks', () => {
  const body = `${JSON.stringify(USER_POINT)}\n\n{"type":"USER_POINT"}\r\n   \nnot json\n${JSON.stringify(USER_EMAIL)}`;

  const parsed = parseExecutionBody(body, 'USER_POINTS_DELETION', 'APPLICATION_X_NDJSON');

  assert.deepEqual(
    parsed.lines.map((line) => line.line),
    [1, 6],
  );
  assert.deepEqual(parsed.errors, [
    { line: 3, message: 'field "user_point_id" is missing' },
    { line: 5, message: 'line is not valid JSON' },
  ]);
});

test('parse rejects an object over several lines', () => {
  const body = '{\n  "type": "USER_EMAIL",\n  "hash": "abc"\n}\n';

  const parsed = parseExecutionBody(body, 'USER_IDENTIFIERS_DELETION', 'APPLICATION_X_NDJSON');

  assert.deepEqual(parsed.lines, []);
  assert.deepEqual(
    parsed.errors.map((error) => error.line),
    [1, 2, 3, 4],
  );
});

test('upload names each invalid line', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_IDENTIFIERS_DELETION');
  const body = ndjson([USER_EMAIL, USER_POINT, USER_ACCOUNT, DEVICE_POINT_AGENT, '{"type":', VECTOR_AGENT]);

  const result = await postExecution(standIn, importId, body);

  assert.equal(result.status, 400);
  assert.equal(result.json.status, 'error');
  assert.equal(typeof result.json.error_id, 'string');
  assert.deepEqual(result.json.invalid_lines, [2, 4, 5]);
  assert.equal(result.json.invalid_line_count, 3);
  assert.deepEqual(
    result.json.line_errors.map((error: { line: number }) => error.line),
    [2, 4, 5],
  );
  assert.match(result.json.error, /^3 invalid lines for document type USER_IDENTIFIERS_DELETION: line 2: /);
  assert.deepEqual(standIn.executions, []);
});

test('upload with every invalid case names each line', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');
  const lines = [USER_POINT, ...INVALID_DELETION_LINES.map(([, line]) => JSON.stringify(line))];

  const result = await postExecution(standIn, importId, ndjson(lines));

  assert.equal(result.status, 400);
  const expectedLines = INVALID_DELETION_LINES.map((_, index) => index + 2);
  assert.deepEqual(result.json.invalid_lines, expectedLines);
  for (const [index, [label, , expected]] of INVALID_DELETION_LINES.entries()) {
    assert.match(result.json.line_errors[index].message, expected, label);
  }
});

test('upload caps listed invalid lines', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');
  const lines = Array.from({ length: 1200 }, () => 'not json');

  const result = await postExecution(standIn, importId, ndjson(lines));

  assert.equal(result.status, 400);
  assert.equal(result.json.invalid_line_count, 1200);
  assert.equal(result.json.invalid_lines.length, 1000);
  assert.equal(result.json.invalid_lines[999], 1000);
  assert.equal(result.json.line_errors.length, 100);
  assert.match(result.json.error, /and 1195 more$/);
});

test('points deletion upload accepts udp and USER_POINT', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_POINTS_DELETION');

  const result = await postExecution(standIn, importId, ndjson([USER_POINT, DEVICE_POINT_AGENT]));

  assert.equal(result.status, 200, result.text);
  assert.deepEqual(standIn.executions[0]?.lines, [USER_POINT, DEVICE_POINT_AGENT]);
});

test('identifiers deletion upload rejects udp', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_IDENTIFIERS_DELETION');

  const result = await postExecution(standIn, importId, ndjson([VECTOR_AGENT, DEVICE_POINT_AGENT]));

  assert.equal(result.status, 400);
  assert.deepEqual(result.json.invalid_lines, [2]);
});

test('device deletion upload accepts udp', async (t) => {
  const standIn = await startForTest(t);
  const importId = await createImport(standIn, 'USER_DEVICE_POINTS_DELETION');

  const accepted = await postExecution(standIn, importId, ndjson([DEVICE_POINT_AGENT]));
  const rejected = await postExecution(standIn, importId, ndjson([DEVICE_POINT_AGENT, USER_POINT]));

  assert.equal(accepted.status, 200, accepted.text);
  assert.equal(rejected.status, 400);
  assert.deepEqual(rejected.json.invalid_lines, [2]);
});
