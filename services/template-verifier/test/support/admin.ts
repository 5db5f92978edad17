import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { TemplateVerifierAdminService } from "@gatehouse/proto/templateverifier/v1";
import { grpcServiceDefinition } from "@gatehouse/service";
import { type Client, credentials, Metadata, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";

const AdminClient = makeGenericClientConstructor(
  grpcServiceDefinition(TemplateVerifierAdminService),
  TemplateVerifierAdminService.typeName,
);

type Methods = typeof TemplateVerifierAdminService.method;

/** The verifier's gRPC admin API, for tests. */
export function adminClient(grpcUrl: string) {
  const client = new AdminClient(grpcUrl.replace(/^grpc:\/\//, ""), credentials.createInsecure()) as Client & Record<string, unknown>;
  const unary = <K extends keyof Methods>(name: K, request: MessageInitShape<Methods[K]["input"]>) =>
    new Promise<Methods[K]["output"] extends DescMessage ? ReturnType<typeof create<Methods[K]["output"]>> : never>((resolve, reject) => {
      const method = TemplateVerifierAdminService.method[name];
      (client[name] as (req: object, md: Metadata, cb: (err: ServiceError | null, res: never) => void) => void).call(
        client,
        create(method.input as DescMessage, request as never),
        new Metadata(),
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });
  return { unary, close: () => client.close() };
}
