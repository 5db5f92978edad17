// End to end with production attestation: four relay-node processes in `nitro` mode behind a
// relay-gateway, the enclave sending AWS Nitro documents (libs/testkit's stand-in enclave: a P-384
// root, three intermediates and the leaf). Each node verifies an enclave's certificate chain once
// and then only each document's own signature. Needs `make build`.
import { createHash } from "node:crypto";
import { type JsonObject, METHOD_CAPABILITY_EXECUTE } from "@gatehouse/relay";
import { type NitroEnclave, nitroEnclave, type ServiceProcess, waitFor } from "@gatehouse/testkit";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { owner, RelayDon, sha256 } from "./support/relay-don.js";

const TOKEN = "nitro-bearer-token";
const relayDon = new RelayDon({ name: "nitro", tokens: { enclave: TOKEN } });
let enclave: NitroEnclave;
let impostor: NitroEnclave;
let gateway: ServiceProcess;

/** `confidential.capability.execute` params attested by `by`. */
function attested(by: NitroEnclave, payload: string): JsonObject {
  const params: JsonObject = {
    workflow_id: "wf-nitro",
    owner,
    execution_id: sha256(`${payload}-${Math.random()}`),
    reference_id: "ref",
    capability_id: "hash",
    payload: Buffer.from(payload).toString("base64"),
  };
  return { ...params, attestation: by.attest(METHOD_CAPABILITY_EXECUTE, params) };
}

async function rpc(id: string, params: JsonObject) {
  const res = await fetch(gateway.endpoints.jsonrpc as string, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: METHOD_CAPABILITY_EXECUTE, params }),
  });
  return (await res.json()) as { result?: JsonObject; error?: { code: number; message: string } };
}

/** A node's `attestation_chains_total` by outcome. */
async function chainOutcomes(node: ServiceProcess): Promise<Record<string, number>> {
  const text = await (await fetch(`${node.endpoints.ops}/metrics`)).text();
  const outcomes: Record<string, number> = {};
  for (const match of text.matchAll(/^gatehouse_relay_node_attestation_chains_total\{outcome="(\w+)"\} (\d+)$/gm)) {
    outcomes[match[1] as string] = Number(match[2]);
  }
  return outcomes;
}

beforeAll(async () => {
  enclave = nitroEnclave();
  impostor = nitroEnclave();
  await relayDon.startNodes({
    attestation: { mode: "nitro", nitro_root_pem_file: enclave.rootPemFile, nitro_trusted_pcrs: enclave.trustedPcrs },
  });
  gateway = await relayDon.startGateway("gw-nitro");
}, 200_000);

afterAll(async () => {
  await relayDon.stop();
  enclave?.remove();
  impostor?.remove();
});

describe("relay nodes verifying AWS Nitro attestation documents", () => {
  it("serve documents chained to the configured root, verifying the chain once per node", async () => {
    for (const payload of ["a", "b", "c"]) {
      const answer = await rpc(`n-${payload}`, attested(enclave, payload));
      expect(answer.result).toEqual({ payload: createHash("sha256").update(payload).digest("base64") });
    }
    // Every member executes every request; the gateway answered at F+1, so the last may still be running.
    for (const { name } of relayDon.nodes) {
      const node = relayDon.procs.get(name) as ServiceProcess;
      const outcomes = await waitFor(
        async () => {
          const seen = await chainOutcomes(node);
          return (seen.verified ?? 0) + (seen.cached ?? 0) === 3 ? seen : undefined;
        },
        { description: `${name} checked three documents` },
      );
      expect(outcomes).toEqual({ verified: 1, cached: 2 });
    }
  });

  it("refuse a document from an enclave whose chain ends in another root, as the caller's fault", async () => {
    const answer = await rpc("n-impostor", attested(impostor, "x"));
    expect(answer.error?.code).toBe(-32602);
    expect(answer.error?.message).toContain("certificate chain does not start at the trusted root");
  });
});
