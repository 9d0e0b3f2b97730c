import { RegistryDecoder } from '../decode/registry/registry-decoder.ts';
import { interpretDecodedValue } from '../decode/registry/interpret-decoded.ts';
import { interpretRecord, type RecordOutcome } from '../mapping/interpret.ts';
import type { MappingPolicy } from '../mapping/policy.ts';
import { appliesTo, applyMapping, interpretMappedRecord, type Mapping } from '../mapping/declarative/index.ts';
import type { SourceRecord } from '../source/record.ts';

export interface InterpreterOptions {
  policy: MappingPolicy;
  maxRecordBytes: number;
  /** Maps other event shapes onto the contract for the topics it applies to. */
  mapping: Mapping | undefined;
  /** Decodes Confluent wire-format records; without it they are dead-lettered. */
  registry: RegistryDecoder | undefined;
}

/**
 * Chooses how a record becomes deletion lines: plain JSON of the contract, JSON
 * of another shape through the mapping file, or a Schema Registry record. Only
 * the last needs I/O, so the common paths stay synchronous.
 */
export class RecordInterpreter {
  private readonly options: InterpreterOptions;

  constructor(options: InterpreterOptions) {
    this.options = options;
  }

  /** Returns the outcome, or a promise of it for Schema Registry records; the promise rejects when the registry is unavailable. */
  interpret(record: SourceRecord): RecordOutcome | Promise<RecordOutcome> {
    const { policy, maxRecordBytes, mapping, registry } = this.options;
    const mapped = mapping !== undefined && appliesTo(mapping, record.topic) ? mapping : undefined;

    if (RegistryDecoder.isWireFormat(record.value)) {
      if (!registry) {
        return {
          kind: 'rejected',
          stage: 'decode',
          reason: 'schema_registry_not_configured',
          message: 'record is in the Schema Registry wire format but SCHEMA_REGISTRY_URL is not set',
        };
      }
      return this.interpretRegistryRecord(registry, record.value!, mapped);
    }

    if (mapped) return interpretMappedRecord(record.value, mapped, policy, { maxRecordBytes });
    return interpretRecord(record.value, policy, { maxRecordBytes });
  }

  private async interpretRegistryRecord(registry: RegistryDecoder, value: Buffer, mapping: Mapping | undefined): Promise<RecordOutcome> {
    const decoded = await registry.decode(value);
    if (decoded.kind === 'rejected') return decoded;

    let event: Record<string, unknown> = decoded.value;
    if (mapping) {
      const applied = applyMapping(decoded.value, mapping);
      if (applied.kind === 'rejected') return applied;
      event = applied.event;
    }

    return interpretDecodedValue(event, this.options.policy);
  }
}
