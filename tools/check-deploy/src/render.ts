import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { applyPatch, type ImageOverride, KustomizeError, type ReplicaOverride, setImages, setReplicas } from "./transform.js";

/** A Kubernetes object as rendered, with the file it came from. */
export interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
  source: string;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: { pairs: Record<string, string> }[];
  patches?: { path?: string; patch?: string; target?: { kind?: string; name?: string } }[];
  images?: ImageOverride[];
  replicas?: ReplicaOverride[];
}

/**
 * Renders a kustomization the way `kustomize build` does for the features this repository uses:
 * `resources` (files and directories with their own kustomization), strategic merge `patches`
 * (from a file or inline, by the patch's own kind and name or an explicit target), `images`,
 * `replicas`, `namespace`, and `labels` pairs added to every object's metadata. Anything else in
 * a kustomization is refused.
 */
export function render(path: string): Resource[] {
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const file = join(dir, "kustomization.yaml");
  const kustomization = parseYaml(file)[0] as Kustomization & Record<string, unknown>;
  const known = new Set(["apiVersion", "kind", "namespace", "resources", "labels", "patches", "images", "replicas"]);
  const unknown = Object.keys(kustomization).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new KustomizeError(`${file}: unsupported kustomization fields ${unknown.join(", ")} (extend tools/check-deploy)`);

  let resources = (kustomization.resources ?? []).flatMap((entry) => {
    const target = join(dir, entry);
    return statSync(target).isDirectory() ? render(target) : (parseYaml(target) as Resource[]).map((r) => ({ ...r, source: target }));
  });
  for (const { path: patchFile, patch, target } of kustomization.patches ?? []) {
    const documents = patchFile ? parseYaml(join(dir, patchFile)) : parseAllDocuments(patch ?? "").map((d) => d.toJS() as unknown);
    for (const document of documents) resources = applyPatch(resources, document as Record<string, unknown>, target);
  }
  setImages(resources, kustomization.images ?? []);
  setReplicas(resources, kustomization.replicas ?? []);
  for (const resource of resources) {
    if (kustomization.namespace && resource.kind !== "Namespace") resource.metadata.namespace = kustomization.namespace;
    for (const { pairs } of kustomization.labels ?? []) resource.metadata.labels = { ...resource.metadata.labels, ...pairs };
  }
  return resources;
}

function parseYaml(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => {
      if (doc.errors.length > 0) throw new KustomizeError(`${file}: ${doc.errors[0]?.message}`);
      return doc.toJS() as unknown;
    })
    .filter((doc) => doc !== null);
}
