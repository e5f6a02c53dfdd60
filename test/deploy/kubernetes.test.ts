/**
 * deploy/kubernetes (kustomize), parsed: every resource the kustomization lists, the probes on
 * the paths serve answers, config read-only, the store and its one-replica rule, and a pod that
 * runs as the image's non-root user.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { envSchema } from '../../src/config/env.js';
import { all, envOf, readDockerfile } from './dockerfile.js';

const DIR = 'deploy/kubernetes';

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports: Array<{ name: string; containerPort: number }>;
  env: Array<{ name: string; value: string }>;
  envFrom?: Array<{ secretRef?: { name: string } }>;
  startupProbe?: Probe & { periodSeconds: number; failureThreshold: number };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[] } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface Volume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
  emptyDir?: object;
}
interface Resource {
  kind: string;
  metadata: { name: string };
  spec: {
    replicas?: number;
    strategy?: { type: string };
    accessModes?: string[];
    ports?: Array<{ targetPort: string }>;
    template?: { spec: { securityContext: { runAsNonRoot: boolean; runAsUser: number; fsGroup: number }; containers: Container[]; volumes: Volume[] } };
  };
}

const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[]; images: Array<{ name: string }> };
const resources = kustomization.resources.flatMap((file) => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS() as Resource));
const byKind = (kind: string) => resources.filter((r) => r.kind === kind);
const deployment = byKind('Deployment')[0]!;
const pod = deployment.spec.template!.spec;
const container = pod.containers[0]!;
const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
const image = readDockerfile('Dockerfile').stages.at(-1)!;

describe('deploy/kubernetes', () => {
  it('lists a Deployment, a Service and the data PVC', () => {
    expect(resources.map((r) => r.kind).sort()).toEqual(['Deployment', 'PersistentVolumeClaim', 'Service']);
    expect(kustomization.images.map((i) => i.name)).toContain(container.image);
    expect(container.args).toEqual(['serve']);
  });

  it('probes liveness on /healthz and readiness on /readyz, on the container port serve listens on', () => {
    expect(container.livenessProbe?.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet.path).toBe('/readyz');
    expect(container.startupProbe?.httpGet.path).toBe('/healthz');
    const port = container.ports.find((p) => p.name === container.livenessProbe!.httpGet.port);
    expect(port?.containerPort).toBe(Number(env.PORT));
    expect(container.readinessProbe!.httpGet.port).toBe(port!.name);
    expect(byKind('Service')[0]!.spec.ports!.map((p) => p.targetPort)).toContain(port!.name);
  });

  it('mounts the three config folders read-only from ConfigMaps under IAM_REVIEW_CONFIG_DIR', () => {
    for (const folder of ['connectors', 'policies', 'reviews']) {
      const mount = container.volumeMounts.find((m) => m.mountPath === `${env.IAM_REVIEW_CONFIG_DIR}/${folder}`);
      expect(mount?.readOnly, folder).toBe(true);
      expect(pod.volumes.find((v) => v.name === mount!.name)?.configMap?.name).toBe(`iam-review-${folder}`);
    }
  });

  it('keeps SQLite on the PVC with one replica, replaced (never two pods on the file)', () => {
    const mount = container.volumeMounts.find((m) => m.mountPath === env.IAM_REVIEW_DATA_DIR);
    const claim = pod.volumes.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
    const pvc = byKind('PersistentVolumeClaim')[0]!;
    expect(claim).toBe(pvc.metadata.name);
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy?.type).toBe('Recreate');
    expect(env.IAM_REVIEW_DATA_DIR).toBe(envOf(image).IAM_REVIEW_DATA_DIR);
  });

  it('takes secrets from a Secret and sets only variables serve knows', () => {
    expect(container.envFrom).toEqual([{ secretRef: { name: 'iam-review-env' } }]);
    for (const name of Object.keys(env)) expect(Object.keys(envSchema.shape), name).toContain(name);
  });

  it("runs as the image's non-root user on a read-only root with a writable /tmp", () => {
    const uid = all(image, 'USER').at(-1)!.args.split(':')[0];
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(String(pod.securityContext.runAsUser)).toBe(uid);
    expect(String(pod.securityContext.fsGroup)).toBe(all(image, 'USER').at(-1)!.args.split(':')[1]);
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const tmp = container.volumeMounts.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });
});
