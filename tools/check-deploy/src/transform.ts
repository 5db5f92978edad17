import type { Resource } from "./render.js";

/** A kustomization this tool cannot render: an unsupported field, a YAML error, a patch or override that matches nothing. */
export class KustomizeError extends Error {
  override readonly name = "KustomizeError";
}

export interface ImageOverride {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

export interface ReplicaOverride {
  name: string;
  count: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNamedList = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) && v.length > 0 && v.every((e) => isObject(e) && "name" in e);

/**
 * A strategic merge patch as kustomize applies it for the fields used here: maps merge
 * recursively, lists of named objects (containers, env, ports, volumes) merge by name, and any
 * other value replaces the original.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isObject(target) && isObject(patch)) {
    const out: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(patch)) out[key] = key in target ? strategicMerge(target[key], value) : value;
    return out;
  }
  if (isNamedList(target) && isNamedList(patch)) {
    // Like kustomize: items the target lacks come first, in the patch's order.
    const merged = target.map((e) => {
      const item = patch.find((p) => p.name === e.name);
      return item ? (strategicMerge(e, item) as Record<string, unknown>) : e;
    });
    return [...patch.filter((p) => !target.some((e) => e.name === p.name)), ...merged];
  }
  return patch;
}

/** Applies a patch to every resource it targets (its own kind and name, or an explicit target); it must target one. */
export function applyPatch(resources: Resource[], patch: Record<string, unknown>, target?: { kind?: string; name?: string }): Resource[] {
  const metadata = patch.metadata as { name?: string } | undefined;
  const kind = target?.kind ?? (patch.kind as string | undefined);
  const name = target?.name ?? metadata?.name;
  // The patch's identity fields select the target; they are not merged into it.
  const { apiVersion: _apiVersion, kind: _kind, metadata: patchMetadata, ...body } = patch;
  const { name: _name, ...metadataFields } = (patchMetadata ?? {}) as Record<string, unknown>;
  const merge = Object.keys(metadataFields).length > 0 ? { ...body, metadata: metadataFields } : body;
  let matched = 0;
  const out = resources.map((r) => {
    if ((kind && r.kind !== kind) || (name && r.metadata.name !== name)) return r;
    matched++;
    return strategicMerge(r, merge) as Resource;
  });
  if (matched === 0) throw new KustomizeError(`patch for ${kind ?? "*"}/${name ?? "*"} matches no resource`);
  return out;
}

function containers(resource: Resource): Record<string, unknown>[] {
  const spec = (resource.spec as { template?: { spec?: { containers?: unknown[]; initContainers?: unknown[] } } } | undefined)?.template
    ?.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].filter(isObject);
}

/** `images:` — rewrites the name, tag or digest of every container image with that name. */
export function setImages(resources: Resource[], images: ImageOverride[]): void {
  for (const image of images) {
    let matched = 0;
    for (const container of resources.flatMap(containers)) {
      const current = String(container.image ?? "");
      const [, name, tag] = /^([^@:]+(?::\d+\/[^@:]+)?)(?::([^@]+))?(?:@.+)?$/.exec(current) ?? [];
      if (name !== image.name) continue;
      matched++;
      const suffix = image.digest ? `@${image.digest}` : image.newTag ? `:${image.newTag}` : tag ? `:${tag}` : "";
      container.image = `${image.newName ?? name}${suffix}`;
    }
    if (matched === 0) throw new KustomizeError(`images: no container uses image ${image.name}`);
  }
}

/** `replicas:` — sets spec.replicas of the Deployment or StatefulSet with that name. */
export function setReplicas(resources: Resource[], replicas: ReplicaOverride[]): void {
  for (const { name, count } of replicas) {
    const workloads = resources.filter((r) => (r.kind === "Deployment" || r.kind === "StatefulSet") && r.metadata.name === name);
    if (workloads.length === 0) throw new KustomizeError(`replicas: no Deployment or StatefulSet named ${name}`);
    for (const w of workloads) (w.spec as { replicas?: number }).replicas = count;
  }
}
