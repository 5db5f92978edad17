/** An EVM address as every boundary of the orchestrator accepts it: 0x and 20 bytes of hex, any case (no checksum check). */
export const ADDRESS_PATTERN = "^0x[0-9a-fA-F]{40}$";
export const ADDRESS = new RegExp(ADDRESS_PATTERN);
