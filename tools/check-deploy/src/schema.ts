import type { Resource } from "./render.js";
import { serviceMonitorSchemaProblems } from "./service-monitor.js";

interface Validatable {
  validate(): void;
}

/** Validates an object against the Kubernetes OpenAPI schema bundled in kubernetes-models. */
export async function schemaProblems(resource: Resource): Promise<string[]> {
  if (resource.apiVersion === "monitoring.coreos.com/v1" && resource.kind === "ServiceMonitor")
    return serviceMonitorSchemaProblems(resource);
  const [group, version] = resource.apiVersion.includes("/") ? resource.apiVersion.split("/") : [undefined, resource.apiVersion];
  const modulePath = group ? `kubernetes-models/${group}/${version}/${resource.kind}` : `kubernetes-models/${version}/${resource.kind}`;
  let Model: new (data: unknown) => Validatable;
  try {
    const module = (await import(modulePath)) as Record<string, new (data: unknown) => Validatable>;
    Model = module[resource.kind] as new (data: unknown) => Validatable;
  } catch {
    return [`${resource.apiVersion}/${resource.kind} is not a known Kubernetes kind`];
  }
  const { source: _source, ...data } = resource;
  try {
    new Model(data).validate();
    return [];
  } catch (err) {
    return [(err as Error).message.replace(/\s+/g, " ")];
  }
}
