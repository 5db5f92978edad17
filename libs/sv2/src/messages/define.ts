import type { Codec, ValueOf } from "../binary/types.js";

// biome-ignore lint/suspicious/noExplicitAny: a field list holds codecs of any value type
export type FieldCodecs = Record<string, Codec<any>>;

/** A message described the way the spec tables do: type byte, channel bit and ordered fields. */
export interface MessageDef<N extends string = string, F extends FieldCodecs = FieldCodecs> {
  readonly name: N;
  readonly msgType: number;
  readonly channelMsg: boolean;
  readonly fields: F;
}

export type FieldsOf<D> = D extends MessageDef<string, infer F> ? { [K in keyof F]: ValueOf<F[K]> } : never;

/** Field order is the object's key order, which is the wire order. */
export function defineMessage<N extends string, F extends FieldCodecs>(
  name: N,
  msgType: number,
  channelMsg: boolean,
  fields: F,
): MessageDef<N, F> {
  return { name, msgType, channelMsg, fields };
}
