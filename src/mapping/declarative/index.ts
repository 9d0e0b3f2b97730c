/**
 * Declarative mapping of other event shapes onto the consent event contract, configured by a
 * mapping file (MAPPING_FILE). The format is described in docs/mapping-file.md.
 */

export { appliesTo, applyMapping, type SourceMappingReason, type SourceMappingRejection, type SourceMappingResult } from './apply.ts';
export { interpretMappedRecord } from './interpret.ts';
export { MappingFileError, compileMapping, loadMappingFile, parseMappingText, type MappingFileFormat } from './load.ts';
export type { Mapping } from './mapping.ts';
