import { create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { MinerEdgeAdminService } from "@gatehouse/proto/mineredge/v1";
import { grpcServiceDefinition } from "@gatehouse/service";
import { type Client, credentials, Metadata, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";

const AdminClient = makeGenericClientConstructor(grpcServiceDefinition(MinerEdgeAdminService), MinerEdgeAdminService.typeName);
type Methods = typeof MinerEdgeAdminService.method;

/** The edge's gRPC admin API as an operator calls it (API key in the metadata). */
export function edgeAdmin(grpcUrl: string, apiKey: string) {
  const client = new AdminClient(grpcUrl.replace(/^grpc:\/\//, ""), credentials.createInsecure()) as Client & Record<string, unknown>;
  const call = <K extends keyof Methods>(name: K, request: MessageInitShape<Methods[K]["input"]>) =>
    new Promise<MessageShape<Methods[K]["output"]>>((resolve, reject) => {
      const metadata = new Metadata();
      metadata.set("x-api-key", apiKey);
      const method = MinerEdgeAdminService.method[name];
      (client[name] as (req: object, md: Metadata, cb: (err: ServiceError | null, res: never) => void) => void).call(
        client,
        create(method.input as DescMessage, request as never),
        metadata,
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  return { call, close: () => client.close() };
}
