import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { Health } from "@gatehouse/proto/grpc/health/v1";
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { InvariantError } from "../errors.js";
import { apiKeyMatches, presentedKey } from "../http/api-key.js";
import { formatHostPort, parseHostPort } from "../net.js";
import { grpcServiceDefinition } from "./definition.js";
import { HealthService } from "./health.js";
import { addReflection } from "./reflection.js";
import { type CallContext, GrpcError, type ServiceImpl } from "./types.js";

export interface GrpcServerOptions {
  addr: string;
  /** When set, every call of an added service must carry it as `x-api-key` (or `authorization: Bearer`) metadata. */
  apiKey: string;
  logger: Logger;
}

type AnyHandler = (request: unknown, call: CallContext & { send?: (message: unknown) => void }) => unknown;

/**
 * The gRPC admin server: the service's own admin services, grpc.health.v1 (SERVING while the
 * service is ready) and server reflection.
 */
export class GrpcServer {
  readonly #server = new grpc.Server();
  readonly #services: DescService[] = [];
  readonly #health = new HealthService();
  #port: number | undefined;

  constructor(private readonly options: GrpcServerOptions) {}

  /** Registers a service implementation; call before `start`. */
  add<S extends DescService>(service: S, impl: ServiceImpl<S>): void {
    this.#register(service, impl, true);
    this.#services.push(service);
    this.#health.register(service.typeName);
  }

  #register<S extends DescService>(service: S, impl: ServiceImpl<S>, authenticated: boolean): void {
    const handlers: grpc.UntypedServiceImplementation = {};
    const byName = impl as unknown as Record<string, AnyHandler>;
    for (const method of service.methods) {
      const handler = byName[method.localName];
      if (!handler) throw new InvariantError(`${service.typeName}: no handler for ${method.name}`);
      if (method.methodKind === "unary") handlers[method.localName] = this.#unary(method, handler, authenticated);
      else if (method.methodKind === "server_streaming") handlers[method.localName] = this.#serverStream(method, handler, authenticated);
      else throw new InvariantError(`${service.typeName}/${method.name}: ${method.methodKind} methods are not supported`);
    }
    this.#server.addService(grpcServiceDefinition(service), handlers);
  }

  #authorize(metadata: grpc.Metadata): void {
    if (!this.options.apiKey) return;
    const text = (name: string) => metadata.get(name).filter((v): v is string => typeof v === "string");
    if (!apiKeyMatches(presentedKey(text("x-api-key"), text("authorization")), this.options.apiKey)) {
      throw new GrpcError(grpc.status.UNAUTHENTICATED, "missing or wrong x-api-key");
    }
  }

  #fail(path: string, err: unknown): Partial<grpc.StatusObject> {
    if (err instanceof GrpcError) return { code: err.code, details: err.message };
    this.options.logger.error({ err, method: path }, "grpc handler failed");
    return { code: grpc.status.INTERNAL, details: "internal error" };
  }

  #unary(method: DescMethod, handler: AnyHandler, authenticated: boolean): grpc.handleUnaryCall<unknown, unknown> {
    const path = `/${method.parent.typeName}/${method.name}`;
    return (call, callback) => {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      Promise.resolve()
        .then(() => {
          if (authenticated) this.#authorize(call.metadata);
          return handler(call.request, { metadata: call.metadata, peer: call.getPeer(), signal: abort.signal });
        })
        .then(
          (response) => callback(null, create(method.output, response as never)),
          (err) => callback(this.#fail(path, err)),
        );
    };
  }

  #serverStream(method: DescMethod, handler: AnyHandler, authenticated: boolean): grpc.handleServerStreamingCall<unknown, unknown> {
    const path = `/${method.parent.typeName}/${method.name}`;
    return (call) => {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      Promise.resolve()
        .then(() => {
          if (authenticated) this.#authorize(call.metadata);
          return handler(call.request, {
            metadata: call.metadata,
            peer: call.getPeer(),
            signal: abort.signal,
            send: (message) => call.write(create(method.output, message as never)),
          });
        })
        .then(
          () => call.end(),
          (err) => call.emit("error", this.#fail(path, err)),
        );
    };
  }

  async start(): Promise<string> {
    this.#register(Health, this.#health.implementation, false);
    addReflection(this.#server, [...this.#services, Health]);
    const { host, port } = parseHostPort(this.options.addr);
    this.#port = await new Promise<number>((resolve, reject) =>
      this.#server.bindAsync(formatHostPort({ host, port }), grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
    return formatHostPort({ host, port: this.#port });
  }

  /** Reports SERVING / NOT_SERVING on grpc.health.v1 for the server and each service. */
  setServing(serving: boolean): void {
    this.#health.setServing(serving);
  }

  /** Refuses new calls, lets running ones finish for `graceMs`, then cancels them. */
  async stop(graceMs: number): Promise<void> {
    if (this.#port === undefined) return;
    this.setServing(false);
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, graceMs);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
