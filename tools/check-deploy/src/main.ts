// `make check-deploy`: renders deploy/k8s (base and every overlay) and validates it offline:
// Kubernetes schemas, cross-references, and each service's config against its own schema.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { autoscalerProblems, networkPolicyProblems, serviceMonitorProblems } from "./policies.js";
import { render } from "./render.js";
import { ruleProblems } from "./rules.js";
import { schemaProblems } from "./schema.js";
import { serviceConfigProblems } from "./service-config.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const k8s = resolve(root, process.argv[2] ?? "deploy/k8s");
const services = readdirSync(join(root, "services")).filter((name) => existsSync(join(root, "services", name, "package.json")));
const targets = [
  join(k8s, "base"),
  ...(existsSync(join(k8s, "overlays")) ? readdirSync(join(k8s, "overlays")).map((o) => join(k8s, "overlays", o)) : []),
];

let failed = false;
for (const target of targets) {
  const name = relative(root, target);
  const resources = render(target);
  const problems: string[] = [];
  for (const resource of resources) {
    for (const problem of await schemaProblems(resource))
      problems.push(`${relative(root, resource.source)} ${resource.kind}/${resource.metadata.name}: ${problem}`);
  }
  const rules = ruleProblems(resources, services);
  problems.push(
    ...rules.problems,
    ...networkPolicyProblems(resources),
    ...autoscalerProblems(resources),
    ...serviceMonitorProblems(resources, services),
    ...(await serviceConfigProblems(root, resources, services)),
  );
  if (problems.length > 0) {
    failed = true;
    for (const line of problems) process.stderr.write(`${name}: ${line}\n`);
  } else {
    const secrets = rules.externalSecrets.length > 0 ? `; secrets expected in the cluster: ${rules.externalSecrets.join(", ")}` : "";
    process.stdout.write(`k8s: ${name} is valid (${resources.length} objects, ${services.length} services)${secrets}\n`);
  }
}
process.exit(failed ? 1 : 0);
