import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { apiServerAccessManifest } from '../src/cluster/access-manifest.js';
import { downwardPodSpec } from '../src/spec/manifest.js';

const root = fileURLToPath(new URL('..', import.meta.url));
function run(args: string[]) {
  const result = spawnSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('apiServerAccessManifest', () => {
  it('grants get, list and watch on pods to a ServiceAccount bound to its Role', () => {
    const { objects, serviceAccountName, ambassador } = apiServerAccessManifest();
    expect(serviceAccountName).toBe('kube-downward');
    expect(ambassador).toBeUndefined();
    expect(objects).toEqual([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'kube-downward' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'kube-downward' },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'kube-downward' },
        subjects: [{ kind: 'ServiceAccount', name: 'kube-downward' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kube-downward' },
      },
    ]);
  });

  it('narrows the Role to a known pod name, and namespaces every object', () => {
    const { objects } = apiServerAccessManifest({ serviceAccountName: 'web', namespace: 'shop', podName: 'web-0' });
    expect(objects.map((o) => o.metadata)).toEqual(Array(3).fill({ name: 'web', namespace: 'shop' }));
    expect(objects[1]?.['rules']).toEqual([{ apiGroups: [''], resources: ['pods'], resourceNames: ['web-0'], verbs: ['get', 'list', 'watch'] }]);
    expect(objects[2]?.['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }]);
  });

  it('adds a kubectl proxy sidecar on localhost:8001 only', () => {
    const { ambassador } = apiServerAccessManifest({ ambassador: true, ambassadorImage: 'example.com/kubectl:1' });
    expect(ambassador).toMatchObject({ name: 'api-ambassador', image: 'example.com/kubectl:1', args: ['proxy', '--address=127.0.0.1', '--port=8001'] });
  });

  it('rejects names Kubernetes would not take', () => {
    expect(() => apiServerAccessManifest({ serviceAccountName: 'Web_App' })).toThrow(/serviceAccountName must be/);
    expect(() => apiServerAccessManifest({ namespace: 'a.b' })).toThrow(RangeError);
    expect(() => apiServerAccessManifest({ podName: '-x' })).toThrow(RangeError);
  });
});

describe('kube-downward manifest --api-server', () => {
  it('prints the pod spec with serviceAccountName and the ambassador, then the three objects as YAML documents', () => {
    const { code, stdout } = run(['manifest', '--ambassador', '--service-account', 'web', '--namespace', 'shop', '--pod-name', 'web-0']);
    expect(code).toBe(0);
    const [first, ...objects] = parseAllDocuments(stdout).map((d) => d.toJSON() as Record<string, unknown>);
    const expected = apiServerAccessManifest({ ambassador: true, serviceAccountName: 'web', namespace: 'shop', podName: 'web-0' });
    const downward = downwardPodSpec();
    expect(first).toEqual(JSON.parse(JSON.stringify({ spec: { serviceAccountName: 'web', containers: [...downward.containers, expected.ambassador], volumes: downward.volumes } })));
    expect(objects).toEqual(JSON.parse(JSON.stringify(expected.objects)));
  });

  it('prints JSON with the objects beside the spec, and refuses RBAC flags without --api-server', () => {
    const { code, stdout } = run(['manifest', '--api-server', '--json']);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { spec: { serviceAccountName: string; containers: unknown[] }; objects: unknown[] };
    expect(printed.spec.serviceAccountName).toBe('kube-downward');
    expect(printed.spec.containers).toHaveLength(1);
    expect(printed.objects).toEqual(apiServerAccessManifest().objects);
    const refused = run(['manifest', '--pod-name', 'web-0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--pod-name needs --api-server');
    expect(run(['manifest', '--api-server', '--service-account', 'Bad_Name']).code).toBe(2);
  });
});
