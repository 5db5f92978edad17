import { type DescService, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/** A grpc-js service definition whose (de)serializers are protobuf-es. */
export function grpcServiceDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: (value) => Buffer.from(toBinary(method.input, value as never)),
      requestDeserialize: (bytes) => fromBinary(method.input, bytes),
      responseSerialize: (value) => Buffer.from(toBinary(method.output, value as never)),
      responseDeserialize: (bytes) => fromBinary(method.output, bytes),
    };
  }
  return definition as ServiceDefinition;
}
