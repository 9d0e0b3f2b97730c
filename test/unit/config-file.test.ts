import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ConfigFileError, readConfigFile } from '../../src/cli/config-file.ts';

function withFile(name: string, text: string, use: (path: string) => void): void {
  const folder = mkdtempSync(join(tmpdir(), 'config-file-'));
  try {
    writeFileSync(join(folder, name), text);
    use(join(folder, name));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test('config file in YAML becomes environment entries', () => {
  withFile('connector.yaml', 'KAFKA_TOPICS: [consent-events, crm-erasures]\nWINDOW_MAX_LINES: 5000\nKAFKA_SSL: true\n', (path) => {
    assert.deepEqual(readConfigFile(path), { KAFKA_TOPICS: 'consent-events,crm-erasures', WINDOW_MAX_LINES: '5000', KAFKA_SSL: 'true' });
  });
});

test('config file in JSON accepts secret file variables', () => {
  withFile('connector.json', '{"MEDIARITHMICS_API_TOKEN_FILE": "/var/run/secrets/token"}', (path) => {
    assert.deepEqual(readConfigFile(path), { MEDIARITHMICS_API_TOKEN_FILE: '/var/run/secrets/token' });
  });
});

test('config file rejects unknown names and bad shapes', () => {
  withFile('connector.yaml', 'WINDOW_MAX_LINE: 5\nKAFKA_TOPICS: {a: 1}\n', (path) => {
    assert.throws(() => readConfigFile(path), (error: unknown) => {
      assert.ok(error instanceof ConfigFileError);
      assert.match(error.message, /WINDOW_MAX_LINE is not a known variable/);
      assert.match(error.message, /KAFKA_TOPICS must be a string, number, boolean or list/);
      return true;
    });
  });
  withFile('connector.yaml', '- just a list\n', (path) => {
    assert.throws(() => readConfigFile(path), /expected a mapping of variable names to values/);
  });
  assert.throws(() => readConfigFile('/nonexistent/connector.yaml'), /the file cannot be read \(ENOENT\)/);
});
