// The spec the swap writer's volume is read with, and the check that one snapshot holds one generation: the labels
// file, the `gen` label file (a CONFLICT if it disagrees with the labels file), the annotations file and the nested
// resource file all carry the generation's number.
export const SWAP_SPEC = {
  env: [],
  volume: {
    mountPath: '/etc/downward',
    items: [
      { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
      { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
      { path: 'gen', fieldRef: { fieldPath: "metadata.labels['gen']" } },
      { path: 'sub/cpu', resourceFieldRef: { containerName: 'main', resource: 'requests.cpu', divisor: '1m' } },
    ],
  },
};

/** The files of generation n: every one carries n. */
export function generationFiles(n) {
  return {
    labels: `app="swap"\ngen="${n}"`,
    annotations: `gen="${n}"\nkubernetes.io/config.source="api"`,
    gen: String(n),
    'sub/cpu': String(n),
  };
}

/** The generation a snapshot holds, or undefined when its files came from different generations. */
export function generationOf(meta) {
  const gen = meta.labels.gen;
  const same = meta.annotations.gen === gen && String(meta.resources['requests.cpu']?.millicores) === gen;
  return same ? Number(gen) : undefined;
}
