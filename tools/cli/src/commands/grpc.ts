import { type DescService, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { registry } from "@gatehouse/proto";
import { MinerEdgeAdminService } from "@gatehouse/proto/mineredge/v1";
import { OrchestratorAdminService } from "@gatehouse/proto/orchestrator/v1";
import { RelayGatewayAdminService } from "@gatehouse/proto/relaygateway/v1";
import { RelayNodeAdminService } from "@gatehouse/proto/relaynode/v1";
import { ShareForwarderAdminService } from "@gatehouse/proto/shareforwarder/v1";
import { TemplateVerifierAdminService } from "@gatehouse/proto/templateverifier/v1";
import { grpcServiceDefinition } from "@gatehouse/service";
import * as grpc from "@grpc/grpc-js";
import type { Command } from "commander";
import { UsageError } from "../usage.js";

/** Admin API of each service and its default address (README.md, Ports). */
export const ADMIN_APIS: Record<string, { addr: string; service: DescService }> = {
  "miner-edge": { addr: "127.0.0.1:9082", service: MinerEdgeAdminService },
  "template-verifier": { addr: "127.0.0.1:9083", service: TemplateVerifierAdminService },
  "share-forwarder": { addr: "127.0.0.1:9084", service: ShareForwarderAdminService },
  "relay-gateway": { addr: "127.0.0.1:9085", service: RelayGatewayAdminService },
  "relay-node": { addr: "127.0.0.1:9086", service: RelayNodeAdminService },
  orchestrator: { addr: "127.0.0.1:9087", service: OrchestratorAdminService },
};

interface GrpcOptions {
  addr?: string;
  apiKey?: string;
  timeout: string;
}

type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type GenericClient = grpc.Client &
  Record<string, (request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback?: Callback) => unknown>;

export function registerGrpc(program: Command): void {
  program
    .command("grpc")
    .description("call a service's gRPC admin API; the request and response are canonical protobuf JSON")
    .argument("<service>", `one of ${Object.keys(ADMIN_APIS).join(", ")}`)
    .argument("[method]", "method name, e.g. GetStatus (omit to list methods)")
    .argument("[json]", "request message as JSON", "{}")
    .option("--addr <host:port>", "server address (default: the service's default admin port)")
    .option("--api-key <key>", "x-api-key metadata (default: $GH_API_KEY)", process.env.GH_API_KEY)
    .option("--timeout <ms>", "deadline in milliseconds", "10000")
    .addHelpText(
      "after",
      "\nThe same call with buf (server reflection):\n  npx buf curl --protocol grpc --http2-prior-knowledge -d '{}' http://127.0.0.1:9082/gatehouse.mineredge.v1.MinerEdgeAdminService/GetStatus\n  npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://127.0.0.1:9082",
    )
    .action(async (serviceName: string, methodName: string | undefined, json: string, options: GrpcOptions) => {
      const api = ADMIN_APIS[serviceName];
      if (!api) throw new UsageError(`unknown service ${serviceName}; one of ${Object.keys(ADMIN_APIS).join(", ")}`);
      if (!methodName) {
        for (const m of api.service.methods) process.stdout.write(`${api.service.typeName}/${m.name} (${m.methodKind})\n`);
        return;
      }
      const method = api.service.methods.find((m) => m.name === methodName || m.localName === methodName);
      if (!method) throw new UsageError(`${api.service.typeName} has no method ${methodName}`);
      const request = fromJson(method.input, JSON.parse(json) as JsonValue, { registry });
      const Client = grpc.makeGenericClientConstructor(grpcServiceDefinition(api.service), api.service.typeName);
      const client = new Client(options.addr ?? api.addr, grpc.credentials.createInsecure()) as unknown as GenericClient;
      const metadata = new grpc.Metadata();
      if (options.apiKey) metadata.set("x-api-key", options.apiKey);
      const callOptions = { deadline: Date.now() + Number(options.timeout) };
      const print = (message: unknown) =>
        process.stdout.write(`${JSON.stringify(toJson(method.output, message as never, { registry }), null, 2)}\n`);
      const call = client[method.localName] as GenericClient[string];
      try {
        if (method.methodKind === "server_streaming") {
          const stream = call.call(client, request, metadata, callOptions) as grpc.ClientReadableStream<unknown>;
          await new Promise<void>((resolve, reject) => {
            stream.on("data", print);
            stream.on("error", reject);
            stream.on("end", resolve);
          });
        } else {
          print(
            await new Promise((resolve, reject) =>
              call.call(client, request, metadata, callOptions, (err, value) => (err ? reject(err) : resolve(value))),
            ),
          );
        }
      } finally {
        client.close();
      }
    });
}
