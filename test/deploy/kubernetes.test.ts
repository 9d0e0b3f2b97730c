import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { variables } from '../../src/config/variables.ts';

const folder = new URL('../../deploy/kubernetes/', import.meta.url);

// Environment variables that the manifests may set although the connector's
// variable table does not list them: HTTP_PORT is the probe and metrics port,
// and NODE_OPTIONS is read by Node.js itself.
const extraVariables = new Set(['HTTP_PORT', 'NODE_OPTIONS']);

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

interface Probe {
  httpGet?: { path?: string; port?: string | number };
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
}

interface DeploymentSpec {
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      terminationGracePeriodSeconds?: number;
      securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
      containers: Container[];
    };
  };
}

function loadManifests(): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const document of parseAllDocuments(readFileSync(new URL(file, folder), 'utf8'))) {
      assert.deepEqual(document.errors, [], `${file} is not valid YAML`);
      const value = document.toJS() as Manifest | null;
      if (value !== null) manifests.push({ ...value, file });
    }
  }
  return manifests;
}

const manifests = loadManifests();

function single(kind: string): Manifest {
  const found = manifests.filter((manifest) => manifest.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

const deployment = single('Deployment');
const deploymentSpec = deployment.spec as DeploymentSpec;
const podSpec = deploymentSpec.template.spec;
const container = podSpec.containers[0]!;
const configMap = single('ConfigMap') as Manifest & { data: Record<string, string> };
const secret = single('Secret') as Manifest & { stringData?: Record<string, string> };
const variableByName = new Map(Object.values(variables).map((spec) => [spec.name, spec as { name: string; required?: boolean; schema: { safeParse(value: unknown): { success: boolean } } }]));

/** Memory quantity in MiB; accepts the Mi and Gi suffixes used here. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  assert.ok(match, `memory quantity ${quantity} should use Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

function isSubset(labels: Record<string, string>, of: Record<string, string>): boolean {
  return Object.entries(labels).every(([key, value]) => of[key] === value);
}

test('every manifest names its kind and object', () => {
  assert.ok(manifests.length >= 6);
  for (const manifest of manifests) {
    assert.ok(manifest.apiVersion, `${manifest.file} has no apiVersion`);
    assert.ok(manifest.kind, `${manifest.file} has no kind`);
    if (manifest.kind !== 'Kustomization') assert.ok(manifest.metadata?.name, `${manifest.file} has no metadata.name`);
  }
});

test('deployment exposes the http port', () => {
  const port = container.ports?.find((entry) => entry.name === 'http');
  assert.equal(port?.containerPort, 9464);
  assert.equal(configMap.data.HTTP_PORT, String(port?.containerPort));
});

test('deployment probes health endpoints', () => {
  assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(container.livenessProbe?.httpGet?.port, 'http');
  assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
  assert.equal(container.readinessProbe?.httpGet?.port, 'http');
  assert.equal(container.startupProbe?.httpGet?.path, '/healthz');
  assert.equal(container.startupProbe?.httpGet?.port, 'http');
});

test('grace period outlasts the shutdown timeout', () => {
  const grace = podSpec.terminationGracePeriodSeconds ?? 30;
  const defaultTimeoutMs = variables.shutdownTimeoutMs.schema.parse(undefined);
  assert.equal(defaultTimeoutMs, 25_000);
  assert.ok(grace > 25, `terminationGracePeriodSeconds ${grace} must exceed 25 s`);
  assert.ok(grace * 1000 > defaultTimeoutMs, 'grace period must exceed the default SHUTDOWN_TIMEOUT_MS');

  const configured = configMap.data.SHUTDOWN_TIMEOUT_MS;
  if (configured !== undefined) {
    assert.ok(grace * 1000 > variables.shutdownTimeoutMs.schema.parse(configured), 'grace period must exceed the configured SHUTDOWN_TIMEOUT_MS');
  }
});

test('deployment runs as non-root on a read-only root', () => {
  assert.equal(podSpec.securityContext?.runAsNonRoot, true);
  assert.notEqual(podSpec.securityContext?.runAsUser, 0);
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
});

test('deployment sets resource requests and limits', () => {
  const { requests, limits } = container.resources ?? {};
  assert.ok(requests?.cpu, 'requests need cpu');
  assert.ok(requests.memory, 'requests need memory');
  assert.ok(limits?.cpu, 'limits need cpu');
  assert.ok(limits.memory, 'limits need memory');
  assert.ok(mebibytes(limits.memory) >= mebibytes(requests.memory), 'memory limit is below the request');
  // With the manifest's heap cap, a backlog at the default buffers peaked at 231 MiB resident (deploy/kubernetes/README.md).
  assert.ok(mebibytes(requests.memory) >= 240, 'memory request is below the measured peak of a backlog at the default buffers');
});

test('heap cap stays below the memory limit', () => {
  const options = container.env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value ?? '';
  const heap = /--max-old-space-size=(\d+)/.exec(options);
  assert.ok(heap, 'NODE_OPTIONS should cap the V8 heap');
  assert.ok(Number(heap[1]) < mebibytes(container.resources!.limits!.memory!), 'heap cap must leave room for Buffers under the limit');
});

test('token comes from the secret', () => {
  const token = container.env?.find((entry) => entry.name === 'MEDIARITHMICS_API_TOKEN');
  assert.ok(token, 'MEDIARITHMICS_API_TOKEN is not set');
  assert.equal(token.value, undefined, 'the token must not be written in the Deployment');
  const reference = token.valueFrom?.secretKeyRef;
  assert.equal(reference?.name, secret.metadata.name);
  assert.ok(reference, 'the token must come from a secretKeyRef');
  assert.notEqual(secret.stringData?.[reference.key], undefined, 'the Secret example lacks the referenced key');
  assert.equal(configMap.data.MEDIARITHMICS_API_TOKEN, undefined, 'the token must not be in the ConfigMap');
});

test('secret example holds a placeholder', () => {
  assert.match(secret.stringData?.MEDIARITHMICS_API_TOKEN ?? '', /^replace-with-/);
});

test('deployment reads the configmap', () => {
  assert.ok(container.envFrom?.some((source) => source.configMapRef?.name === configMap.metadata.name));
});

test('environment names are connector variables', () => {
  const names = [...Object.keys(configMap.data), ...(container.env ?? []).map((entry) => entry.name)];
  for (const name of names) {
    assert.ok(variableByName.has(name) || extraVariables.has(name), `${name} is not in src/config/variables.ts`);
  }
});

test('configmap values pass validation', () => {
  for (const [name, value] of Object.entries(configMap.data)) {
    const spec = variableByName.get(name);
    if (!spec) continue;
    assert.ok(spec.schema.safeParse(value).success, `${name}=${value} is rejected by src/config/variables.ts`);
  }
});

test('required variables are provided', () => {
  const provided = new Set([...Object.keys(configMap.data), ...(container.env ?? []).map((entry) => entry.name)]);
  for (const spec of variableByName.values()) {
    if (spec.required) assert.ok(provided.has(spec.name), `required ${spec.name} is not set`);
  }
});

test('deployment selector matches its pods', () => {
  assert.ok(isSubset(deploymentSpec.selector.matchLabels, deploymentSpec.template.metadata.labels));
});

test('disruption budget selects the deployment pods', () => {
  const budget = single('PodDisruptionBudget') as Manifest & { spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number } };
  assert.deepEqual(budget.spec.selector.matchLabels, deploymentSpec.selector.matchLabels);
  assert.ok(isSubset(budget.spec.selector.matchLabels, deploymentSpec.template.metadata.labels));
  assert.equal(budget.spec.maxUnavailable, 1);
});

test('service selects the pods on the http port', () => {
  const service = single('Service') as Manifest & { spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] } };
  assert.ok(isSubset(service.spec.selector, deploymentSpec.template.metadata.labels));
  const port = service.spec.ports.find((entry) => entry.name === 'http');
  assert.equal(port?.targetPort, 'http');
  assert.equal(port?.port, 9464);
});

test('service monitor scrapes the service', () => {
  const service = single('Service');
  const monitor = single('ServiceMonitor') as Manifest & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
  assert.ok(isSubset(monitor.spec.selector.matchLabels, service.metadata.labels ?? {}));
  assert.deepEqual(
    monitor.spec.endpoints.map((endpoint) => [endpoint.port, endpoint.path]),
    [['http', '/metrics']],
  );
});

test('kustomization lists existing files but no secret', () => {
  const kustomization = single('Kustomization') as Manifest & { resources: string[] };
  for (const resource of kustomization.resources) assert.ok(existsSync(new URL(resource, folder)), `${resource} does not exist`);
  assert.ok(!kustomization.resources.some((resource) => resource.includes('secret')), 'applying the folder must not overwrite the real Secret');
  for (const kind of ['Deployment', 'ConfigMap', 'Service', 'PodDisruptionBudget']) {
    assert.ok(kustomization.resources.includes(single(kind).file), `${kind} is missing from kustomization.yaml`);
  }
});
