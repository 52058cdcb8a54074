// Downward API field paths (pkg/fieldpath and pkg/apis/core/validation): which paths a pod may name in an env
// var or a volume item, and which PodMetadata field each one fills.

/** The PodMetadata fields that hold one scalar value. */
export type ScalarField =
  | 'name'
  | 'namespace'
  | 'uid'
  | 'nodeName'
  | 'serviceAccountName'
  | 'podIP'
  | 'podIPs'
  | 'hostIP'
  | 'hostIPs';

/** Where a field path's value lands in PodMetadata. */
export type FieldTarget =
  | { readonly kind: 'scalar'; readonly field: ScalarField }
  | { readonly kind: 'map'; readonly field: 'labels' | 'annotations' }
  | { readonly kind: 'mapKey'; readonly field: 'labels' | 'annotations'; readonly key: string };

const SCALAR_PATHS: ReadonlyMap<string, ScalarField> = new Map([
  ['metadata.name', 'name'],
  ['metadata.namespace', 'namespace'],
  ['metadata.uid', 'uid'],
  ['spec.nodeName', 'nodeName'],
  ['spec.serviceAccountName', 'serviceAccountName'],
  ['status.podIP', 'podIP'],
  ['status.podIPs', 'podIPs'],
  ['status.hostIP', 'hostIP'],
  ['status.hostIPs', 'hostIPs'],
]);

/** validEnvDownwardAPIFieldPathExpressions, without the subscripted label/annotation paths. */
export const ENV_FIELD_PATHS: readonly string[] = [...SCALAR_PATHS.keys()];

/** validVolumeDownwardAPIFieldPathExpressions, without the subscripted label/annotation paths. */
export const VOLUME_FIELD_PATHS: readonly string[] = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'metadata.labels',
  'metadata.annotations',
];

const MAP_PATHS: ReadonlyMap<string, 'labels' | 'annotations'> = new Map([
  ['metadata.labels', 'labels'],
  ['metadata.annotations', 'annotations'],
]);

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['app']` is `metadata.labels` with subscript `app`. */
export function splitSubscript(fieldPath: string): { readonly path: string; readonly subscript?: string } {
  if (!fieldPath.endsWith("']")) return { path: fieldPath };
  const inner = fieldPath.slice(0, -2);
  const open = inner.indexOf("['");
  if (open <= 0) return { path: fieldPath };
  return { path: inner.slice(0, open), subscript: inner.slice(open + 2) };
}

/** The PodMetadata field a field path fills, or undefined for a path Kubernetes does not know. */
export function fieldTarget(fieldPath: string): FieldTarget | undefined {
  const { path, subscript } = splitSubscript(fieldPath);
  const mapField = MAP_PATHS.get(path);
  if (subscript !== undefined) return mapField === undefined ? undefined : { kind: 'mapKey', field: mapField, key: subscript };
  if (mapField !== undefined) return { kind: 'map', field: mapField };
  const scalar = SCALAR_PATHS.get(path);
  return scalar === undefined ? undefined : { kind: 'scalar', field: scalar };
}
