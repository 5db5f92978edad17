import { InvariantError } from "@gatehouse/service";

/** server id (2 bytes) ‖ per-replica counter (6 bytes): unique across replicas and restarts of the counter. */
export const EXTRANONCE_PREFIX_BYTES = 8;

export class ExtranonceAllocator {
  #next = 0;

  constructor(private readonly serverId: number) {
    if (!Number.isInteger(serverId) || serverId < 0 || serverId > 0xffff) throw new InvariantError(`server id ${serverId} is not a u16`);
  }

  next(): Uint8Array {
    const counter = this.#next++;
    if (counter > 2 ** 48 - 1) throw new InvariantError("extranonce counter exhausted");
    const out = new Uint8Array(EXTRANONCE_PREFIX_BYTES);
    const view = new DataView(out.buffer);
    view.setUint16(0, this.serverId);
    view.setUint16(2, Math.floor(counter / 2 ** 32));
    view.setUint32(4, counter >>> 0);
    return out;
  }
}
