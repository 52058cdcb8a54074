// What changed between two snapshots, in words a person reads in a terminal.

import type { PodMetadata } from '../sources/pod-metadata.js';
import type { ResourceValue } from '../format/resource.js';

export type SnapshotChange =
  | { readonly kind: 'label' | 'annotation'; readonly key: string; readonly before?: string; readonly after?: string }
  | { readonly kind: 'resource'; readonly name: string; readonly before?: ResourceValue; readonly after?: ResourceValue }
  | { readonly kind: 'field'; readonly name: string; readonly before?: string; readonly after?: string };

/** The scalar fields of a snapshot, in the order a person reads them. */
export const SCALAR_FIELDS = ['name', 'namespace', 'uid', 'nodeName', 'serviceAccountName', 'podIP', 'podIPs', 'hostIP', 'hostIPs'] as const;

/** `15 millicores`, `4194304 bytes`. */
export function describeAmount(value: ResourceValue): string {
  return 'millicores' in value ? `${value.millicores} millicores` : `${value.bytes} bytes`;
}

function amount(value: ResourceValue | undefined): string | undefined {
  return value === undefined ? undefined : describeAmount(value);
}

function text(value: string | readonly string[] | undefined): string | undefined {
  return value === undefined ? undefined : typeof value === 'string' ? value : value.join(',');
}

function mapChanges(kind: 'label' | 'annotation', before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): SnapshotChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys.flatMap((key) => {
    const [a, b] = [before[key], after[key]];
    if (a === b) return [];
    return [{ kind, key, ...(a === undefined ? {} : { before: a }), ...(b === undefined ? {} : { after: b }) }];
  });
}

export function diffSnapshots(before: PodMetadata, after: PodMetadata): SnapshotChange[] {
  const changes: SnapshotChange[] = [];
  for (const name of SCALAR_FIELDS) {
    const [a, b] = [text(before[name]), text(after[name])];
    if (a !== b) changes.push({ kind: 'field', name, ...(a === undefined ? {} : { before: a }), ...(b === undefined ? {} : { after: b }) });
  }
  changes.push(...mapChanges('label', before.labels, after.labels), ...mapChanges('annotation', before.annotations, after.annotations));
  const resources = [...new Set([...Object.keys(before.resources), ...Object.keys(after.resources)])].sort() as (keyof PodMetadata['resources'])[];
  for (const name of resources) {
    const [a, b] = [before.resources[name], after.resources[name]];
    if (amount(a) !== amount(b)) changes.push({ kind: 'resource', name, ...(a === undefined ? {} : { before: a }), ...(b === undefined ? {} : { after: b }) });
  }
  return changes;
}

function subject(change: SnapshotChange): string {
  switch (change.kind) {
    case 'label':
    case 'annotation':
      return `${change.kind} ${change.key}`;
    case 'resource':
      return `resource ${change.name}`;
    case 'field':
      return change.name;
  }
}

export function describeChange(change: SnapshotChange): string {
  const [before, after] =
    change.kind === 'resource' ? [amount(change.before), amount(change.after)] : [change.before, change.after];
  const what = subject(change);
  const show = (value: string) => (change.kind === 'resource' ? value : JSON.stringify(value));
  if (before === undefined) return `${what} added: ${show(after ?? '')}`;
  if (after === undefined) return `${what} removed (was ${show(before)})`;
  return `${what} changed: ${show(before)} -> ${show(after)}`;
}
