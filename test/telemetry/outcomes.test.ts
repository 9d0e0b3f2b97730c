import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elapsedSeconds, requestOutcome, statusClass } from '../../src/telemetry/outcomes.ts';
import { MediarithmicsApiError } from '../../src/sink/errors.ts';

test('statusClass groups statuses by hundreds', () => {
  assert.equal(statusClass(200), '2xx');
  assert.equal(statusClass(201), '2xx');
  assert.equal(statusClass(401), '4xx');
  assert.equal(statusClass(503), '5xx');
  assert.equal(statusClass(99), 'other');
  assert.equal(statusClass(600), 'other');
  assert.equal(statusClass(200.5), 'other');
});

test('requestOutcome without error is 2xx', () => {
  assert.equal(requestOutcome(), '2xx');
});

test('requestOutcome maps API errors', () => {
  const cases: [MediarithmicsApiError, string][] = [
    [new MediarithmicsApiError('ERR_MICS_HTTP_STATUS', 'HTTP 503', { retriable: true, status: 503 }), '5xx'],
    [new MediarithmicsApiError('ERR_MICS_HTTP_STATUS', 'HTTP 400', { retriable: false, status: 400 }), '4xx'],
    [new MediarithmicsApiError('ERR_MICS_TIMEOUT', 'timed out', { retriable: true }), 'timeout'],
    [new MediarithmicsApiError('ERR_MICS_CONNECTION', 'ECONNREFUSED', { retriable: true }), 'connection_error'],
    [new MediarithmicsApiError('ERR_MICS_BAD_RESPONSE', 'not JSON', { retriable: true }), 'invalid_response'],
    [new MediarithmicsApiError('ERR_MICS_ABORTED', 'aborted', { retriable: false }), 'aborted'],
  ];
  for (const [error, expected] of cases) assert.equal(requestOutcome(error), expected, error.message);
});

test('requestOutcome of a foreign error is other', () => {
  assert.equal(requestOutcome(new TypeError('bug')), 'other');
});

test('elapsedSeconds never goes negative', () => {
  assert.equal(elapsedSeconds(1_000, 3_500), 2.5);
  assert.equal(elapsedSeconds(5_000, 1_000), 0);
});
