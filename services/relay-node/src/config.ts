import { isAddress } from "@gatehouse/relay";
import { insecureHttpUpstream, natsConfig, opsConfig, redisConfig, type UnsafeSetting } from "@gatehouse/service";
import { z } from "zod";

const pcrHex = z.string().regex(/^[0-9a-fA-F]{96}$/, "must be a 48-byte PCR in hex");

const attestation = z
  .strictObject({
    /** `nitro`: AWS Nitro attestation documents; `dev`: EIP-191 signatures by allowlisted enclave keys. */
    mode: z.enum(["nitro", "dev"]).default("nitro"),
    /** dev: addresses of the enclave keys whose signatures are accepted. */
    dev_enclave_addresses: z.array(z.string().refine(isAddress, "must be a 0x-prefixed 20-byte hex address")).default([]),
    /** nitro: PEM file of the root certificate the document's chain must end in. */
    nitro_root_pem_file: z.string().default(""),
    /** nitro: accepted PCR0-2 sets; a document passes if any set matches. */
    nitro_trusted_pcrs: z.array(z.strictObject({ pcr0: pcrHex, pcr1: pcrHex, pcr2: pcrHex })).default([]),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    ...opsConfig({ httpAddr: "127.0.0.1:8086", grpcAddr: "127.0.0.1:9086" }),
    nats: natsConfig,
    redis: redisConfig,
    /** Member name: requests arrive on `<root>.relay.node.<node_name>.request`. */
    node_name: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, "must be a single NATS subject token")
      .default("node-0"),
    /** 32-byte secp256k1 signing key in hex. Prefer GH_RELAY_NODE_NODE_PRIVATE_KEY over the file. */
    node_private_key: z.string().default(""),
    /** Development only: derive the key as sha256("gatehouse.relay.dev-key:" + seed) (see libs/relay devKey). */
    dev_key_seed: z.string().default(""),
    /** Requests executing at once; more are refused so the gateway counts a failed send. */
    max_in_flight: z.number().int().positive().default(1_024),
    /**
     * Endpoint the `http` capability POSTs its payload to (empty disables the capability). Plain http to a non-loopback
     * host needs GH_ALLOW_INSECURE_HTTP_UPSTREAM.
     */
    http_capability_url: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default(""),
    http_capability_timeout_ms: z.number().int().positive().default(5_000),
    attestation,
  })
  .superRefine((c, ctx) => {
    if (!c.node_private_key === !c.dev_key_seed)
      ctx.addIssue({ code: "custom", message: "set exactly one of node_private_key and dev_key_seed", path: ["node_private_key"] });
    if (c.attestation.mode === "dev" && c.attestation.dev_enclave_addresses.length === 0) {
      ctx.addIssue({ code: "custom", message: "attestation mode dev needs dev_enclave_addresses", path: ["attestation"] });
    }
    if (c.attestation.mode === "nitro" && (!c.attestation.nitro_root_pem_file || c.attestation.nitro_trusted_pcrs.length === 0)) {
      ctx.addIssue({
        code: "custom",
        message: "attestation mode nitro needs nitro_root_pem_file and nitro_trusted_pcrs",
        path: ["attestation"],
      });
    }
  });

export type Config = z.output<typeof configSchema>;

/** Settings refused without their flag: the http capability over plain HTTP (its payloads and answers travel over it and the node signs what comes back). */
export function unsafeSettings(config: Config): UnsafeSetting[] {
  return insecureHttpUpstream("http_capability_url", config.http_capability_url);
}
