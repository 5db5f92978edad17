import { type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import type { PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";

/** The files declaring `services` and everything they import, dependencies first. */
function filesOf(services: DescService[]): DescFile[] {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.name)) return;
    for (const dependency of file.dependencies) visit(dependency);
    files.set(file.name, file);
  };
  for (const service of services) visit(service.file);
  return [...files.values()];
}

/**
 * Server reflection (v1 and v1alpha) over the given services, so `buf curl` can list and call them. The reflection service only reads `fileDescriptorProtos` from the package
 * definition; giving it protobuf-es's descriptors verbatim keeps every file's import list, which
 * a proto-loader round trip drops (and without which clients cannot link the schema).
 */
export function addReflection(server: Server, services: DescService[]): void {
  const ours = {
    "gatehouse.reflection.files": {
      format: "Protocol Buffer 3 DescriptorProto",
      type: {},
      fileDescriptorProtos: filesOf(services).map((file) => Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto))),
    },
  } as unknown as PackageDefinition;
  new ReflectionService(ours).addToServer(server);
}
