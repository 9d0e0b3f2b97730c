import type { Config } from './load.ts';
import { defaultMappingPolicy, type MappingPolicy } from '../mapping/policy.ts';

/** Builds the mapping policy from the validated configuration. */
export function mappingPolicyFrom(config: Config): MappingPolicy {
  const { mapping } = config;
  const policy = defaultMappingPolicy(config.api.datamartId);
  policy.documentType = mapping.documentType;
  policy.documentTypeByEventType = Object.fromEntries(mapping.documentTypeByEventType);
  policy.email = { ...mapping.emailNormalisation, hashAlgorithm: mapping.emailHashAlgorithm };

  const datamarts = new Set([...mapping.emailHashAlgorithmByDatamart.keys(), ...mapping.emailNormalisationByDatamart.keys()]);
  for (const datamartId of datamarts) {
    policy.emailByDatamart.set(datamartId, {
      ...(mapping.emailNormalisationByDatamart.get(datamartId) ?? mapping.emailNormalisation),
      hashAlgorithm: mapping.emailHashAlgorithmByDatamart.get(datamartId) ?? mapping.emailHashAlgorithm,
    });
  }

  if (mapping.triggerPurposes !== undefined) policy.triggerPurposes = mapping.triggerPurposes;
  if (mapping.jurisdictions !== undefined) policy.jurisdictions = mapping.jurisdictions;
  policy.extraUserAgentPrefixes = mapping.userAgentPrefixes;
  if (mapping.defaultCompartmentId !== undefined) policy.defaultCompartmentId = mapping.defaultCompartmentId;
  return policy;
}
