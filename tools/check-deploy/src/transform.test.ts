import { describe, expect, it } from "@jest/globals";
import type { Resource } from "./render.js";
import { applyPatch, KustomizeError, setImages, setReplicas, strategicMerge } from "./transform.js";

const deployment = (name: string, image: string): Resource => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { a: "1" } },
  source: "x.yaml",
  spec: {
    replicas: 1,
    template: { spec: { containers: [{ name, image, env: [{ name: "A", value: "1" }], ports: [{ name: "ops", containerPort: 1 }] }] } },
  },
});
const container = (r: Resource) =>
  (r.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0] ?? {};

describe("kustomize transforms", () => {
  it("merge maps recursively and named lists by name, new items first as kustomize does", () => {
    expect(
      strategicMerge(
        {
          a: { b: 1, c: 2 },
          l: [
            { name: "x", v: 1 },
            { name: "y", v: 2 },
          ],
          s: [1, 2],
        },
        {
          a: { c: 3 },
          l: [
            { name: "y", v: 9 },
            { name: "z", v: 3 },
          ],
          s: [3],
        },
      ),
    ).toEqual({
      a: { b: 1, c: 3 },
      l: [
        { name: "z", v: 3 },
        { name: "x", v: 1 },
        { name: "y", v: 9 },
      ],
      s: [3],
    });
  });

  it("patch the resource named by the patch, keep its identity, and refuse a patch that targets nothing", () => {
    const patched = applyPatch([deployment("edge", "gh/edge:1"), deployment("gw", "gh/gw:1")], {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "gw", labels: { b: "2" } },
      spec: { template: { spec: { containers: [{ name: "gw", env: [{ name: "B", value: "2" }] }] } } },
    });
    expect(patched[0]).toEqual(deployment("edge", "gh/edge:1"));
    expect(patched[1]?.metadata).toEqual({ name: "gw", labels: { a: "1", b: "2" } });
    expect(container(patched[1] as Resource).env).toEqual([
      { name: "B", value: "2" },
      { name: "A", value: "1" },
    ]);
    expect(container(patched[1] as Resource).image).toBe("gh/gw:1");
    expect(() => applyPatch(patched, { kind: "Deployment", metadata: { name: "nobody" } })).toThrow(KustomizeError);
    expect(() => applyPatch(patched, { kind: "Deployment", metadata: { name: "nobody" } })).toThrow(
      "patch for Deployment/nobody matches no resource",
    );
    expect(applyPatch(patched, { spec: { replicas: 4 } }, { kind: "Deployment", name: "edge" })[0]?.spec).toMatchObject({ replicas: 4 });
  });

  it("rewrite image names, tags and digests, and refuse an image nothing uses", () => {
    const resources = [deployment("edge", "gh/edge:latest"), deployment("gw", "gh/gw"), deployment("v", "gh/v:1")];
    setImages(resources, [
      { name: "gh/edge", newName: "reg.example:5000/gh/edge", newTag: "0.1.0" },
      { name: "gh/gw", newTag: "2" },
      { name: "gh/v", digest: "sha256:abc" },
    ]);
    expect(resources.map((r) => container(r).image)).toEqual(["reg.example:5000/gh/edge:0.1.0", "gh/gw:2", "gh/v@sha256:abc"]);
    expect(() => setImages(resources, [{ name: "gh/nope", newTag: "1" }])).toThrow(KustomizeError);
    expect(() => setImages(resources, [{ name: "gh/nope", newTag: "1" }])).toThrow("no container uses image gh/nope");
  });

  it("set replicas by name and refuse an unknown workload", () => {
    const resources = [deployment("edge", "gh/edge")];
    setReplicas(resources, [{ name: "edge", count: 3 }]);
    expect(resources[0]?.spec).toMatchObject({ replicas: 3 });
    expect(() => setReplicas(resources, [{ name: "gw", count: 2 }])).toThrow("no Deployment or StatefulSet named gw");
  });
});
