import { assembleBlock } from "@gatehouse/bitcoin";
import type { TemplateProposal } from "@gatehouse/proto/mining/v1";
import { type CoinbaseParts, fullCoinbase } from "./coinbase.js";

/** The block a winning share completes: its header, the channel's full coinbase, the template's transactions. */
export function assembleFoundBlock(
  template: TemplateProposal,
  parts: CoinbaseParts,
  extranoncePrefix: Uint8Array,
  header: Uint8Array,
): Uint8Array {
  return assembleBlock(
    header,
    fullCoinbase(parts, extranoncePrefix),
    template.transactions.map((t) => t.data),
  );
}
