import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  MappingFileError,
  compileMapping,
  loadMappingFile,
  parseMappingText,
} from '../../../src/mapping/declarative/load.ts';

const directory = mkdtempSync(join(tmpdir(), 'mapping-file-test-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

/** Returns the problems of the MappingFileError that `load` throws. */
function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof MappingFileError, `expected a MappingFileError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('the mapping file was accepted');
}

function yamlProblems(text: string): readonly string[] {
  return problemsOf(() => parseMappingText(text, 'yaml', 'mapping.yaml'));
}

/** Problems of a minimal valid document with `changes` applied (undefined deletes a key). */
function documentProblems(changes: Record<string, unknown>): readonly string[] {
  const document: Record<string, unknown> = { ...MINIMAL };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) {
      delete document[key];
    } else {
      document[key] = value;
    }
  }
  return problemsOf(() => compileMapping(document, 'mapping.json'));
}

const MINIMAL = {
  version: 1,
  event_id: '/id',
  occurred_at: { pointer: '/at' },
  event_type: { value: 'erasure.requested' },
  identifiers: [{ type: 'email', pointer: '/email' }],
};

const MINIMAL_YAML = `version: 1
event_id: /id
occurred_at:
  pointer: /at
event_type:
  value: erasure.requested
identifiers:
  - type: email
    pointer: /email
`;

describe('loadMappingFile', () => {
  it('loads a YAML file', () => {
    const mapping = loadMappingFile(writeFile('minimal.yaml', MINIMAL_YAML));
    assert.equal(mapping.eventId.text, '/id');
    assert.deepEqual(mapping.occurredAt.pointer.tokens, ['at']);
    assert.equal(mapping.occurredAt.format, 'rfc3339');
    assert.deepEqual(mapping.eventType, { kind: 'fixed', value: 'erasure.requested' });
    assert.equal(mapping.topics, undefined);
    assert.equal(mapping.identifiers.length, 1);
  });

  it('loads a .yml file', () => {
    assert.equal(loadMappingFile(writeFile('minimal.yml', MINIMAL_YAML)).eventId.text, '/id');
  });

  it('loads a JSON file', () => {
    const mapping = loadMappingFile(writeFile('minimal.json', JSON.stringify(MINIMAL)));
    assert.equal(mapping.eventId.text, '/id');
  });

  it('loads a JSON file that starts with a byte order mark', () => {
    const mapping = loadMappingFile(writeFile('bom.json', `\uFEFF${JSON.stringify(MINIMAL)}`));
    assert.equal(mapping.eventId.text, '/id');
  });

  it('chooses the parser by extension, ignoring case', () => {
    assert.equal(loadMappingFile(writeFile('upper.YAML', MINIMAL_YAML)).eventId.text, '/id');
    const yamlInJsonFile = writeFile('yaml-text.json', MINIMAL_YAML);
    assert.match(problemsOf(() => loadMappingFile(yamlInJsonFile))[0] ?? '', /^file is not valid JSON: /);
  });

  it('rejects another extension', () => {
    const path = writeFile('mapping.txt', MINIMAL_YAML);
    assert.deepEqual(problemsOf(() => loadMappingFile(path)), [
      'file name: found extension ".txt"; expected .json, .yaml or .yml, such as "mapping.yaml"',
    ]);
  });

  it('reports a missing file', () => {
    const path = join(directory, 'absent.yaml');
    assert.deepEqual(problemsOf(() => loadMappingFile(path)), ['file could not be read: no such file']);
  });

  it('reports a directory', () => {
    const path = join(directory, 'folder.yaml');
    mkdirSync(path);
    assert.deepEqual(problemsOf(() => loadMappingFile(path)), ['file could not be read: it is a directory']);
  });

  it('names the file and lists every problem in the error message', () => {
    const path = writeFile('two-problems.yaml', 'version: 2\nevent_id: id\n');
    try {
      loadMappingFile(path);
      assert.fail('the mapping file was accepted');
    } catch (error) {
      assert.ok(error instanceof MappingFileError);
      assert.equal(error.name, 'MappingFileError');
      assert.equal(error.file, path);
      assert.equal(error.problems.length, 5);
      assert.equal(
        error.message,
        `mapping file ${path} is invalid (5 problems):\n${error.problems.map((problem) => `  - ${problem}`).join('\n')}`,
      );
    }
  });

  it('uses the singular for one problem', () => {
    const path = writeFile('one-problem.yaml', MINIMAL_YAML.replace('version: 1', 'version: 2'));
    assert.throws(() => loadMappingFile(path), {
      message: `mapping file ${path} is invalid (1 problem):\n  - version: found 2; expected 1, the only version of this format`,
    });
  });
});

describe('mapping file syntax', () => {
  it('rejects invalid JSON', () => {
    const problems = problemsOf(() => parseMappingText('{"version": 1,', 'json', 'mapping.json'));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^file is not valid JSON: /);
  });

  it('rejects a duplicate key in JSON', () => {
    const text = JSON.stringify(MINIMAL).replace('"version":1', '"version":1,"event_id":"/other"');
    assert.deepEqual(problemsOf(() => parseMappingText(text, 'json', 'mapping.json')), [
      'file is not usable JSON: duplicate key "event_id" in a JSON object at nesting depth 1',
    ]);
  });

  it('rejects a duplicate key in YAML', () => {
    assert.deepEqual(yamlProblems(`${MINIMAL_YAML}event_id: /other\n`), [
      'file is not valid YAML: Map keys must be unique at line 10, column 1',
    ]);
  });

  it('rejects several YAML documents', () => {
    assert.deepEqual(yamlProblems(`${MINIMAL_YAML}---\n${MINIMAL_YAML}`), [
      'file is not valid YAML: Source contains multiple documents; please use YAML.parseAllDocuments() at line 10, column 1',
    ]);
  });

  it('rejects an unquoted prefix that ends with a colon', () => {
    assert.deepEqual(yamlProblems('prefix: vec:\n'), [
      'file is not valid YAML: Nested mappings are not allowed in compact mappings at line 1, column 9',
    ]);
  });

  it('rejects an empty file', () => {
    assert.deepEqual(yamlProblems(''), [
      'mapping file: found null; expected an object such as {"version": 1, "event_id": "/requestId", ...}',
    ]);
  });

  it('rejects a list at the top level', () => {
    assert.deepEqual(problemsOf(() => parseMappingText('[]', 'json', 'mapping.json')), [
      'mapping file: found []; expected an object such as {"version": 1, "event_id": "/requestId", ...}',
    ]);
  });

  it('reads YAML 1.2, where yes is a string and not true', () => {
    assert.deepEqual(yamlProblems(`${MINIMAL_YAML}scope:\n  all: yes\n`), [
      'scope.all: found "yes"; a JSON Pointer must start with "/"; for example "/allPurposes"',
    ]);
  });
});

describe('mapping file validation', () => {
  it('lists every problem of a file at once', () => {
    const problems = yamlProblems(`version: 2
topics: [consent, "two words"]
event_id: requestId
occurred_at: /requestedAt
event_type:
  pointer: /a~2
datamart_id: 1509
scope:
  alll: true
identifiers:
  - type: phone
    pointer: /phone
`);
    assert.deepEqual(problems, [
      'version: found 2; expected 1, the only version of this format',
      'topics[1]: found "two words"; expected a Kafka topic name of 1 to 249 letters, digits, ".", "_" or "-", such as "cmp-webhooks"',
      'event_id: found "requestId"; a JSON Pointer must start with "/"; for example "/requestId"',
      'occurred_at: found "/requestedAt"; expected an object such as {"pointer": "/ts", "format": "epoch_milliseconds"}',
      'event_type.pointer: found "/a~2"; in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/"); for example "/action"',
      'datamart_id: found 1509; expected a string of digits in quotes, such as "1509", or a JSON Pointer such as "/tenant/datamartId"',
      'scope.alll: unknown key; scope accepts only the keys all, withdrawn',
      'identifiers[0].type: found "phone"; expected one of user_point, user_account, email, email_hash, user_agent',
    ]);
  });

  const cases: { name: string; changes: Record<string, unknown>; problems: string[] }[] = [
    {
      name: 'an unknown top-level key',
      changes: { mapping: {} },
      problems: [
        'mapping: unknown key; the mapping file accepts only the keys version, topics, event_id, occurred_at, event_type, datamart_id, scope, jurisdiction, identifiers',
      ],
    },
    {
      name: 'missing required keys',
      changes: { version: undefined, event_id: undefined, occurred_at: undefined, event_type: undefined, identifiers: undefined },
      problems: [
        'version: missing; expected 1, the only version of this format',
        'event_id: missing; expected a JSON Pointer (RFC 6901) such as "/requestId"',
        'occurred_at: missing; expected an object such as {"pointer": "/ts", "format": "epoch_milliseconds"}',
        'event_type: missing; expected an object such as {"pointer": "/action", "values": {"ERASE": "erasure.requested"}} or {"value": "erasure.requested"}',
        'identifiers: missing; expected a list of identifier rules such as [{"type": "email", "pointer": "/customer/email"}]',
      ],
    },
    {
      name: 'version as a string',
      changes: { version: '1' },
      problems: ['version: found "1"; expected 1, the only version of this format'],
    },
    {
      name: 'an empty topic list',
      changes: { topics: [] },
      problems: ['topics: found []; expected a non-empty list of Kafka topic names such as ["cmp-webhooks"]'],
    },
    {
      name: 'a single topic instead of a list',
      changes: { topics: 'consent' },
      problems: ['topics: found "consent"; expected a non-empty list of Kafka topic names such as ["cmp-webhooks"]'],
    },
    {
      name: 'a non-string topic',
      changes: { topics: ['consent', 7] },
      problems: ['topics[1]: found 7; expected a Kafka topic name such as "cmp-webhooks"'],
    },
    {
      name: 'the empty pointer',
      changes: { event_id: '' },
      problems: ['event_id: found ""; the empty pointer selects the whole event, not a field; for example "/requestId"'],
    },
    {
      name: 'a URI fragment pointer',
      changes: { event_id: '#/id' },
      problems: ['event_id: found "#/id"; the URI fragment form (#/...) is not accepted, so drop the leading #; for example "/requestId"'],
    },
    {
      name: 'a pointer that is not a string',
      changes: { event_id: ['id'] },
      problems: ['event_id: found ["id"]; expected a JSON Pointer (RFC 6901) such as "/requestId"'],
    },
    {
      name: 'an unknown timestamp format',
      changes: { occurred_at: { pointer: '/ts', format: 'epoch' } },
      problems: ['occurred_at.format: found "epoch"; expected one of rfc3339, epoch_milliseconds, epoch_seconds, such as "epoch_milliseconds"'],
    },
    {
      name: 'an unknown key in occurred_at',
      changes: { occurred_at: { pointer: '/ts', unit: 'ms' } },
      problems: ['occurred_at.unit: unknown key; occurred_at accepts only the keys pointer, format'],
    },
    {
      name: 'event_type as a pointer string',
      changes: { event_type: '/status' },
      problems: [
        'event_type: found "/status"; expected an object such as {"pointer": "/action", "values": {"ERASE": "erasure.requested"}} or {"value": "erasure.requested"}',
      ],
    },
    {
      name: 'event_type with neither pointer nor value',
      changes: { event_type: { default: 'erasure.requested' } },
      problems: [
        'event_type.pointer: missing; expected a JSON Pointer such as "/action" together with values, or value alone for a fixed event type such as "erasure.requested"',
      ],
    },
    {
      name: 'event_type with a pointer and no values',
      changes: { event_type: { pointer: '/status' } },
      problems: [
        'event_type.values: missing; expected an object that maps source values to event types, such as {"revoked": "consent.withdrawn"}',
      ],
    },
    {
      name: 'event_type with a fixed value and a pointer',
      changes: { event_type: { value: 'erasure.requested', pointer: '/status', values: { x: 'consent.granted' } } },
      problems: [
        'event_type.value: found "erasure.requested"; expected value alone, because a fixed event type leaves no use for pointer, values or default',
      ],
    },
    {
      name: 'an unknown fixed event type',
      changes: { event_type: { value: 'erasure' } },
      problems: [
        'event_type.value: found "erasure"; expected one of erasure.requested, consent.withdrawn, consent.updated, consent.granted, such as "consent.withdrawn"',
      ],
    },
    {
      name: 'an unknown default event type',
      changes: { event_type: { pointer: '/s', values: { a: 'consent.granted' }, default: 'consent.revoked' } },
      problems: [
        'event_type.default: found "consent.revoked"; expected one of erasure.requested, consent.withdrawn, consent.updated, consent.granted, such as "consent.withdrawn"',
      ],
    },
    {
      name: 'value map entries that are not event types',
      changes: { event_type: { pointer: '/s', values: { revoked: 'consent.revoked', '1': 2, 'opt-out': 'consent.withdrawn' } } },
      problems: [
        'event_type.values["1"]: found 2; expected one of erasure.requested, consent.withdrawn, consent.updated, consent.granted, such as "consent.withdrawn"',
        'event_type.values.revoked: found "consent.revoked"; expected one of erasure.requested, consent.withdrawn, consent.updated, consent.granted, such as "consent.withdrawn"',
      ],
    },
    {
      name: 'an empty value map',
      changes: { event_type: { pointer: '/s', values: {} } },
      problems: ['event_type.values: found {}; expected at least one entry, such as {"revoked": "consent.withdrawn"}'],
    },
    {
      name: 'a value map that is a list',
      changes: { event_type: { pointer: '/s', values: ['revoked'] } },
      problems: [
        'event_type.values: found ["revoked"]; expected an object that maps source values to event types, such as {"revoked": "consent.withdrawn"}',
      ],
    },
    {
      name: 'a datamart id with letters',
      changes: { datamart_id: 'dm-1509' },
      problems: ['datamart_id: found "dm-1509"; expected a string of digits in quotes, such as "1509", or a JSON Pointer such as "/tenant/datamartId"'],
    },
    {
      name: 'a datamart pointer with a bad escape',
      changes: { datamart_id: '/tenant~datamart' },
      problems: [
        'datamart_id: found "/tenant~datamart"; in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/"); for example "/tenant/datamartId"',
      ],
    },
    {
      name: 'scope.all that is neither a boolean nor a string',
      changes: { scope: { all: 0 } },
      problems: ['scope.all: found 0; expected true, false or a JSON Pointer such as "/allPurposes"'],
    },
    {
      name: 'scope as a list',
      changes: { scope: [] },
      problems: ['scope: found []; expected an object such as {"all": false, "withdrawn": {"pointer": "/purposes", "namespace": "tcf"}}'],
    },
    {
      name: 'scope.withdrawn without namespace',
      changes: { scope: { withdrawn: { pointer: '/purposes' } } },
      problems: ['scope.withdrawn.namespace: missing; expected a fixed value such as "tcf", or a JSON Pointer such as "/namespace"'],
    },
    {
      name: 'scope.withdrawn with an empty namespace',
      changes: { scope: { withdrawn: { pointer: '/purposes', namespace: '' } } },
      problems: ['scope.withdrawn.namespace: found ""; expected a fixed value such as "tcf", or a JSON Pointer such as "/namespace"'],
    },
    {
      name: 'a namespace pointer without an id pointer',
      changes: { scope: { withdrawn: { pointer: '/purposes', namespace: '/vendor' } } },
      problems: [
        'scope.withdrawn.namespace: found "/vendor"; expected a fixed namespace such as "tcf", because a namespace pointer works only together with id, when each purpose is an object',
      ],
    },
    {
      name: 'an unknown key in scope.withdrawn',
      changes: { scope: { withdrawn: { pointer: '/purposes', namespace: 'tcf', ids: '/id' } } },
      problems: ['scope.withdrawn.ids: unknown key; scope.withdrawn accepts only the keys pointer, id, namespace'],
    },
    {
      name: 'a regulation that is not a string',
      changes: { jurisdiction: { regulation: true } },
      problems: ['jurisdiction.regulation: found true; expected a fixed value such as "gdpr", or a JSON Pointer such as "/regulation"'],
    },
    {
      name: 'an unknown key in jurisdiction',
      changes: { jurisdiction: { law: 'gdpr' } },
      problems: ['jurisdiction.law: unknown key; jurisdiction accepts only the keys regulation'],
    },
    {
      name: 'an empty identifier list',
      changes: { identifiers: [] },
      problems: ['identifiers: found []; expected a list of identifier rules such as [{"type": "email", "pointer": "/customer/email"}]'],
    },
    {
      name: 'an identifier rule that is not an object',
      changes: { identifiers: ['/email'] },
      problems: ['identifiers[0]: found "/email"; expected an identifier rule such as {"type": "email", "pointer": "/customer/email"}'],
    },
    {
      name: 'an identifier rule without type',
      changes: { identifiers: [{ pointer: '/email' }] },
      problems: ['identifiers[0].type: missing; expected one of user_point, user_account, email, email_hash, user_agent'],
    },
    {
      name: 'an identifier rule without pointer',
      changes: { identifiers: [{ type: 'user_point' }] },
      problems: ['identifiers[0].pointer: missing; expected a JSON Pointer (RFC 6901) such as "/userPointId"'],
    },
    {
      name: 'an option of another identifier type',
      changes: { identifiers: [{ type: 'email', pointer: '/email', prefix: 'vec:' }] },
      problems: ['identifiers[0].prefix: unknown key; a rule of type email accepts only the keys type, pointer'],
    },
    {
      name: 'a compartment id as a YAML number',
      changes: { identifiers: [{ type: 'user_account', pointer: '/crmId', compartment_id: 1000 }] },
      problems: [
        'identifiers[0].compartment_id: found 1000; expected a string of digits in quotes, such as "1000", or a JSON Pointer such as "/customer/compartmentId"',
      ],
    },
    {
      name: 'an unsupported hash algorithm',
      changes: { identifiers: [{ type: 'email_hash', pointer: '/hashes', algorithm: 'sha512' }] },
      problems: ['identifiers[0].algorithm: found "sha512"; expected one of sha256, sha1, md5, such as "sha256"'],
    },
    {
      name: 'an empty user agent prefix',
      changes: { identifiers: [{ type: 'user_agent', pointer: '/cookie', prefix: '' }] },
      problems: ['identifiers[0].prefix: found ""; expected a non-empty string such as "vec:"'],
    },
    {
      name: 'problems in several identifier rules',
      changes: {
        identifiers: [
          { type: 'email', pointer: 'email' },
          { type: 'user_agent', pointer: '/ua', prefix: 7 },
          { type: 'user_account', pointer: '/a', compartment_id: '/b~3' },
        ],
      },
      problems: [
        'identifiers[0].pointer: found "email"; a JSON Pointer must start with "/"; for example "/customer/email"',
        'identifiers[1].prefix: found 7; expected a non-empty string such as "vec:"',
        'identifiers[2].compartment_id: found "/b~3"; in a JSON Pointer "~" must be followed by 0 or 1 (~0 stands for "~" and ~1 for "/"); for example "/customer/compartmentId"',
      ],
    },
  ];

  for (const testCase of cases) {
    it(`reports ${testCase.name}`, () => {
      assert.deepEqual(documentProblems(testCase.changes), testCase.problems);
    });
  }

  it('cuts a long bad value in the message', () => {
    const problems = documentProblems({ event_id: `x${'y'.repeat(100)}` });
    assert.deepEqual(problems, [
      `event_id: found "x${'y'.repeat(55)}...; a JSON Pointer must start with "/"; for example "/requestId"`,
    ]);
  });
});

describe('compiled mapping', () => {
  it('compiles every field of a full file', () => {
    const mapping = parseMappingText(
      `version: 1
topics: [cmp-webhooks, cmp-webhooks-eu]
event_id: /id
occurred_at: { pointer: /ts, format: epoch_seconds }
event_type:
  pointer: /status
  values: { revoked: consent.withdrawn, "1": consent.granted }
  default: consent.updated
datamart_id: "1510"
scope:
  all: /allPurposes
  withdrawn: { pointer: /consents, id: /purpose, namespace: /vendorList }
jurisdiction: { regulation: /law }
identifiers:
  - { type: user_point, pointer: /upid }
  - { type: user_account, pointer: /crmId, compartment_id: /compartment }
  - { type: user_account, pointer: /otherId }
  - { type: email, pointer: /email }
  - { type: email_hash, pointer: /hashes, algorithm: md5 }
  - { type: email_hash, pointer: /hash }
  - { type: user_agent, pointer: /cookie, prefix: "vec:" }
  - { type: user_agent, pointer: /agentId }
`,
      'yaml',
      'full.yaml',
    );

    assert.deepEqual(mapping.topics, new Set(['cmp-webhooks', 'cmp-webhooks-eu']));
    assert.equal(mapping.occurredAt.format, 'epoch_seconds');
    assert.equal(mapping.eventType.kind, 'lookup');
    if (mapping.eventType.kind === 'lookup') {
      assert.deepEqual(mapping.eventType.values, new Map([['revoked', 'consent.withdrawn'], ['1', 'consent.granted']]));
      assert.equal(mapping.eventType.defaultType, 'consent.updated');
      assert.equal(mapping.eventType.pointer.text, '/status');
    }
    assert.deepEqual(mapping.datamartId, { kind: 'fixed', value: '1510' });
    assert.equal(mapping.scopeAll?.kind, 'pointer');
    assert.equal(mapping.withdrawn?.id?.text, '/purpose');
    assert.equal(mapping.withdrawn?.namespace.kind, 'pointer');
    assert.equal(mapping.regulation?.kind, 'pointer');
    assert.deepEqual(
      mapping.identifiers.map((rule) => {
        switch (rule.type) {
          case 'user_account':
            return [rule.type, rule.pointer.text, rule.compartmentId?.kind ?? 'none'];
          case 'email_hash':
            return [rule.type, rule.pointer.text, rule.algorithm ?? 'none'];
          case 'user_agent':
            return [rule.type, rule.pointer.text, rule.prefix];
          default:
            return [rule.type, rule.pointer.text];
        }
      }),
      [
        ['user_point', '/upid'],
        ['user_account', '/crmId', 'pointer'],
        ['user_account', '/otherId', 'none'],
        ['email', '/email'],
        ['email_hash', '/hashes', 'md5'],
        ['email_hash', '/hash', 'none'],
        ['user_agent', '/cookie', 'vec:'],
        ['user_agent', '/agentId', ''],
      ],
    );
  });

  it('keeps a "__proto__" key of the value map', () => {
    const document = JSON.parse(
      '{"version":1,"event_id":"/id","occurred_at":{"pointer":"/at"},"event_type":{"pointer":"/s","values":{"__proto__":"consent.granted"}},"identifiers":[{"type":"email","pointer":"/e"}]}',
    ) as unknown;
    const mapping = compileMapping(document, 'proto.json');
    assert.ok(mapping.eventType.kind === 'lookup');
    assert.equal(mapping.eventType.values.get('__proto__'), 'consent.granted');
    assert.equal(mapping.eventType.values.get('constructor'), undefined);
  });
});
