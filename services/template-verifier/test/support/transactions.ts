import { type Bus, ensureObjectStore, objectStoreCatalog } from "@gatehouse/bus";
import type { TemplateProposal } from "@gatehouse/proto/mining/v1";
import type { ProposalWithTransactions } from "../../src/policy/verify.js";
import { TemplateStore } from "../../src/template-store.js";

/** Reads proposals' transactions from the TEMPLATE_TRANSACTIONS object store of a stack (its stream prefix). */
export async function transactionReader(
  bus: Bus,
  streamPrefix: string,
): Promise<(p: TemplateProposal) => Promise<ProposalWithTransactions>> {
  const spec = objectStoreCatalog({ namePrefix: streamPrefix }).TEMPLATE_TRANSACTIONS;
  const store = new TemplateStore(await ensureObjectStore(bus, spec), spec.bucket, 5_000);
  return async (p) => ({ ...p, transactions: p.transactionsRef ? [...(await store.get(p.transactionsRef))] : [] });
}

/** The object store's stream, for clean-up. */
export const transactionsStream = (streamPrefix: string) =>
  `OBJ_${objectStoreCatalog({ namePrefix: streamPrefix }).TEMPLATE_TRANSACTIONS.bucket}`;
