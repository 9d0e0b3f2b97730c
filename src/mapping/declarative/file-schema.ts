/**
 * The mapping file format as a zod schema whose output is a compiled Mapping.
 *
 * Every object is strict, so a misspelt key is reported instead of being ignored. Each zod
 * error message states what was expected with an example, and problems.ts puts the key path
 * and the value found in front of it. Pointers are compiled inside the schema, so a file that
 * parses is ready for use on records.
 */

import { z } from 'zod';
import { EVENT_TYPES, type EventType } from '../../contract/consent-event.ts';
import { DIGITS_PATTERN } from '../../contract/formats.ts';
import { HASH_ALGORITHMS } from '../../contract/identifier.ts';
import { compilePointer, findPointerSyntaxProblem, type CompiledPointer } from './json-pointer.ts';
import {
  TIMESTAMP_FORMATS,
  type EventTypeRule,
  type IdentifierRule,
  type Mapping,
  type ValueSource,
  type WithdrawnRule,
} from './mapping.ts';

/** The only version of the mapping file format so far. */
export const MAPPING_FILE_VERSION = 1;

// The characters Kafka accepts in a topic name, as KAFKA_TOPICS checks them.
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

const EVENT_TYPE_EXPECTATION = `expected one of ${EVENT_TYPES.join(', ')}, such as "consent.withdrawn"`;

type RefinementContext = z.core.$RefinementCtx;

/** Returns a zod error option whose message is `text` for every issue. */
function expected(text: string): { error: () => string } {
  return { error: () => text };
}

/**
 * Builds a strict object schema. Unknown keys are reported with the list of keys that `name`
 * accepts, and a value that is not an object is reported with `example`.
 */
function strictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, name: string, example: string) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${name} accepts only the keys ${keys}`
        : `expected an object such as ${example}`,
  });
}

/** Compiles `text`, or reports its syntax problem and returns undefined. */
function compileOrReport(text: string, example: string, context: RefinementContext): CompiledPointer | undefined {
  const problem = findPointerSyntaxProblem(text);
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', message: `${problem}; for example "${example}"` });
    return undefined;
  }
  return compilePointer(text);
}

function pointer(example: string) {
  return z
    .string(expected(`expected a JSON Pointer (RFC 6901) such as "${example}"`))
    .transform((text, context) => compileOrReport(text, example, context) ?? z.NEVER);
}

/**
 * Builds a schema for a fixed string of digits or a pointer. The two cannot be confused,
 * because a pointer starts with "/". YAML reads an unquoted 1509 as a number, so the message
 * mentions quotes.
 */
function digitsOrPointer(digitsExample: string, pointerExample: string) {
  const expectation = `expected a string of digits in quotes, such as "${digitsExample}", or a JSON Pointer such as "${pointerExample}"`;
  return z.string(expected(expectation)).transform((text, context): ValueSource<string> => {
    if (text.startsWith('/')) {
      const compiled = compileOrReport(text, pointerExample, context);
      return compiled === undefined ? z.NEVER : { kind: 'pointer', pointer: compiled };
    }
    if (!DIGITS_PATTERN.test(text)) {
      context.addIssue({ code: 'custom', message: expectation });
      return z.NEVER;
    }
    return { kind: 'fixed', value: text };
  });
}

/** Builds a schema for a fixed non-empty string that does not start with "/", or a pointer. */
function textOrPointer(textExample: string, pointerExample: string) {
  const expectation = `expected a fixed value such as "${textExample}", or a JSON Pointer such as "${pointerExample}"`;
  return z.string(expected(expectation)).transform((text, context): ValueSource<string> => {
    if (text.startsWith('/')) {
      const compiled = compileOrReport(text, pointerExample, context);
      return compiled === undefined ? z.NEVER : { kind: 'pointer', pointer: compiled };
    }
    if (text === '') {
      context.addIssue({ code: 'custom', message: expectation });
      return z.NEVER;
    }
    return { kind: 'fixed', value: text };
  });
}

function booleanOrPointer(pointerExample: string) {
  const expectation = `expected true, false or a JSON Pointer such as "${pointerExample}"`;
  return z
    .union([z.boolean(), z.string()], expected(expectation))
    .transform((value, context): ValueSource<boolean> => {
      if (typeof value === 'boolean') {
        return { kind: 'fixed', value };
      }
      const compiled = compileOrReport(value, pointerExample, context);
      return compiled === undefined ? z.NEVER : { kind: 'pointer', pointer: compiled };
    });
}

const eventTypeSchema = z.enum(EVENT_TYPES, expected(EVENT_TYPE_EXPECTATION));

const VALUE_MAP_EXAMPLE = '{"revoked": "consent.withdrawn"}';

/**
 * Schema of the event_type value map. It is checked by hand rather than with z.record, because
 * z.record drops a "__proto__" key from its output and a source value may be any text.
 */
const valueMapSchema = z.unknown().transform((raw, context): ReadonlyMap<string, EventType> => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    context.addIssue({
      code: 'custom',
      message: `expected an object that maps source values to event types, such as ${VALUE_MAP_EXAMPLE}`,
    });
    return z.NEVER;
  }

  const entries = Object.entries(raw);
  if (entries.length === 0) {
    context.addIssue({
      code: 'custom',
      message: `expected at least one entry, such as ${VALUE_MAP_EXAMPLE}`,
    });
    return z.NEVER;
  }

  const values = new Map<string, EventType>();
  for (const [key, value] of entries) {
    if (typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value)) {
      values.set(key, value as EventType);
    } else {
      context.addIssue({ code: 'custom', path: [key], message: EVENT_TYPE_EXPECTATION });
    }
  }
  return values;
});

const eventTypeRuleSchema = strictObject(
  {
    pointer: pointer('/action').optional(),
    values: valueMapSchema.optional(),
    default: eventTypeSchema.optional(),
    value: eventTypeSchema.optional(),
  },
  'event_type',
  `{"pointer": "/action", "values": {"ERASE": "erasure.requested"}} or {"value": "erasure.requested"}`,
).transform((rule, context): EventTypeRule => {
  if (rule.value !== undefined) {
    if (rule.pointer !== undefined || rule.values !== undefined || rule.default !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['value'],
        message: 'expected value alone, because a fixed event type leaves no use for pointer, values or default',
      });
      return z.NEVER;
    }
    return { kind: 'fixed', value: rule.value };
  }

  if (rule.pointer === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['pointer'],
      message:
        'expected a JSON Pointer such as "/action" together with values, or value alone for a fixed event type such as "erasure.requested"',
    });
    return z.NEVER;
  }
  if (rule.values === undefined) {
    context.addIssue({
      code: 'custom',
      path: ['values'],
      message: `expected an object that maps source values to event types, such as ${VALUE_MAP_EXAMPLE}`,
    });
    return z.NEVER;
  }
  return { kind: 'lookup', pointer: rule.pointer, values: rule.values, defaultType: rule.default };
});

const occurredAtSchema = strictObject(
  {
    pointer: pointer('/requestedAt'),
    format: z
      .enum(TIMESTAMP_FORMATS, expected(`expected one of ${TIMESTAMP_FORMATS.join(', ')}, such as "epoch_milliseconds"`))
      .default('rfc3339'),
  },
  'occurred_at',
  '{"pointer": "/ts", "format": "epoch_milliseconds"}',
);

const withdrawnSchema = strictObject(
  {
    pointer: pointer('/purposes'),
    id: pointer('/purposeId').optional(),
    namespace: textOrPointer('tcf', '/namespace'),
  },
  'scope.withdrawn',
  '{"pointer": "/purposes", "namespace": "tcf"}',
).transform((rule, context): WithdrawnRule => {
  if (rule.id === undefined && rule.namespace.kind === 'pointer') {
    context.addIssue({
      code: 'custom',
      path: ['namespace'],
      message:
        'expected a fixed namespace such as "tcf", because a namespace pointer works only together with id, when each purpose is an object',
    });
    return z.NEVER;
  }
  return { pointer: rule.pointer, id: rule.id, namespace: rule.namespace };
});

const scopeSchema = strictObject(
  {
    all: booleanOrPointer('/allPurposes').optional(),
    withdrawn: withdrawnSchema.optional(),
  },
  'scope',
  '{"all": false, "withdrawn": {"pointer": "/purposes", "namespace": "tcf"}}',
);

const jurisdictionSchema = strictObject(
  { regulation: textOrPointer('gdpr', '/regulation').optional() },
  'jurisdiction',
  '{"regulation": "gdpr"}',
);

const IDENTIFIER_TYPES = ['user_point', 'user_account', 'email', 'email_hash', 'user_agent'] as const;

function identifierRuleObject<Shape extends z.core.$ZodLooseShape>(type: string, shape: Shape, example: string) {
  return strictObject(shape, `a rule of type ${type}`, example);
}

const identifierRuleSchema = z
  .discriminatedUnion(
    'type',
    [
      identifierRuleObject(
        'user_point',
        { type: z.literal('user_point'), pointer: pointer('/userPointId') },
        '{"type": "user_point", "pointer": "/userPointId"}',
      ),
      identifierRuleObject(
        'user_account',
        {
          type: z.literal('user_account'),
          pointer: pointer('/customer/crmId'),
          compartment_id: digitsOrPointer('1000', '/customer/compartmentId').optional(),
        },
        '{"type": "user_account", "pointer": "/customer/crmId", "compartment_id": "1000"}',
      ),
      identifierRuleObject(
        'email',
        { type: z.literal('email'), pointer: pointer('/customer/email') },
        '{"type": "email", "pointer": "/customer/email"}',
      ),
      identifierRuleObject(
        'email_hash',
        {
          type: z.literal('email_hash'),
          pointer: pointer('/user/hashedEmails'),
          algorithm: z
            .enum(HASH_ALGORITHMS, expected(`expected one of ${HASH_ALGORITHMS.join(', ')}, such as "sha256"`))
            .optional(),
        },
        '{"type": "email_hash", "pointer": "/user/hashedEmails", "algorithm": "sha256"}',
      ),
      identifierRuleObject(
        'user_agent',
        {
          type: z.literal('user_agent'),
          pointer: pointer('/user/vendorCookie'),
          prefix: z.string(expected('expected a non-empty string such as "vec:"')).min(1, expected('expected a non-empty string such as "vec:"')).optional(),
        },
        '{"type": "user_agent", "pointer": "/user/vendorCookie", "prefix": "vec:"}',
      ),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `expected one of ${IDENTIFIER_TYPES.join(', ')}`
          : 'expected an identifier rule such as {"type": "email", "pointer": "/customer/email"}',
    },
  )
  .transform((rule): IdentifierRule => {
    switch (rule.type) {
      case 'user_account':
        return { type: rule.type, pointer: rule.pointer, compartmentId: rule.compartment_id };
      case 'email_hash':
        return { type: rule.type, pointer: rule.pointer, algorithm: rule.algorithm };
      case 'user_agent':
        return { type: rule.type, pointer: rule.pointer, prefix: rule.prefix ?? '' };
      case 'user_point':
      case 'email':
        return { type: rule.type, pointer: rule.pointer };
    }
  });

const IDENTIFIERS_EXPECTATION =
  'expected a list of identifier rules such as [{"type": "email", "pointer": "/customer/email"}]';

const TOPICS_EXPECTATION = 'expected a non-empty list of Kafka topic names such as ["cmp-webhooks"]';

/** The whole mapping file. Parsing it returns a compiled Mapping. */
export const mappingFileSchema = strictObject(
  {
    version: z.literal(MAPPING_FILE_VERSION, expected(`expected ${MAPPING_FILE_VERSION}, the only version of this format`)),
    topics: z
      .array(
        z
          .string(expected('expected a Kafka topic name such as "cmp-webhooks"'))
          .regex(
            TOPIC_NAME_PATTERN,
            expected('expected a Kafka topic name of 1 to 249 letters, digits, ".", "_" or "-", such as "cmp-webhooks"'),
          ),
        expected(TOPICS_EXPECTATION),
      )
      .min(1, expected(TOPICS_EXPECTATION))
      .optional(),
    event_id: pointer('/requestId'),
    occurred_at: occurredAtSchema,
    event_type: eventTypeRuleSchema,
    datamart_id: digitsOrPointer('1509', '/tenant/datamartId').optional(),
    scope: scopeSchema.optional(),
    jurisdiction: jurisdictionSchema.optional(),
    identifiers: z.array(identifierRuleSchema, expected(IDENTIFIERS_EXPECTATION)).min(1, expected(IDENTIFIERS_EXPECTATION)),
  },
  'the mapping file',
  '{"version": 1, "event_id": "/requestId", ...}',
).transform(
  (file): Mapping => ({
    topics: file.topics === undefined ? undefined : new Set(file.topics),
    eventId: file.event_id,
    occurredAt: file.occurred_at,
    eventType: file.event_type,
    datamartId: file.datamart_id,
    scopeAll: file.scope?.all,
    withdrawn: file.scope?.withdrawn,
    regulation: file.jurisdiction?.regulation,
    identifiers: file.identifiers,
  }),
);
