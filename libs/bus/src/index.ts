export type {
  BusConsumer,
  BusOptions,
  BusSubscription,
  ConsumeOptions,
  Delivery,
  DeliveryHandler,
  MessageContext,
  MessageHandler,
} from "./bus.js";
export { Bus, BusRequestError, BusUnavailableError } from "./bus.js";
export type { DecodeFailure, Encoded, EncodeOptions } from "./codec.js";
export { BusDecodeError, decode, encode, typeOf } from "./codec.js";
export { Header, PROTOBUF_CONTENT_TYPE } from "./headers.js";
export type { BusLogger } from "./logger.js";
export { silentLogger } from "./logger.js";
export type { ObjectStore, ObjectStoreKey, ObjectStoreSpec } from "./objects.js";
export { ensureObjectStore, objectStoreCatalog } from "./objects.js";
export type { ConsumerSpec, EnsureStreamOptions, KeptSetting, ProvisionOutcome, StreamSpec } from "./provision.js";
export { ensureConsumer, ensureStream, ProvisionConflictError } from "./provision.js";
export { checkReplicas, jetStreamClusterSize, MAX_STREAM_REPLICAS, StreamReplicasError } from "./replicas.js";
export type { StreamCatalogOptions, StreamKey } from "./streams.js";
export { STREAM_KEYS, streamCatalog } from "./streams.js";
export type { Subjects } from "./subjects.js";
export { assertSubjectToken, DEFAULT_SUBJECT_ROOT, subjects } from "./subjects.js";
export { childTraceparent, newTraceparent, traceIdOf } from "./trace.js";
