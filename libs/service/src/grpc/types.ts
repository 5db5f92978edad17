import type { DescMessage, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { Metadata, status } from "@grpc/grpc-js";

export { status as GrpcStatus } from "@grpc/grpc-js";

/** An error a handler throws to answer with a specific gRPC status. */
export class GrpcError extends Error {
  override readonly name = "GrpcError";
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export interface CallContext {
  metadata: Metadata;
  peer: string;
  /** Aborted when the client cancels. */
  signal: AbortSignal;
}

export type UnaryImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: CallContext,
) => MessageInitShape<O> | Promise<MessageInitShape<O>>;

export type ServerStreamImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: CallContext & { send(message: MessageInitShape<O>): void },
) => Promise<void>;

/** The handlers of a generated service, keyed by the method's local name. */
export type ServiceImpl<S> =
  S extends GenService<infer M extends GenServiceMethods>
    ? {
        [K in keyof M]: M[K] extends { methodKind: "unary"; input: infer I extends DescMessage; output: infer O extends DescMessage }
          ? UnaryImpl<I, O>
          : M[K] extends { methodKind: "server_streaming"; input: infer I extends DescMessage; output: infer O extends DescMessage }
            ? ServerStreamImpl<I, O>
            : never;
      }
    : never;
