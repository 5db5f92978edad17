import type { ServiceContext } from "@gatehouse/service";
import { serviceStatus } from "@gatehouse/service";
import type { Config } from "../config.js";
import type { Edge, ModeState } from "../server/edge.js";
import type { TemplateBook } from "../templates/book.js";
import type { VerifierLink } from "../verifier-link.js";

export interface AdminDeps {
  ctx: ServiceContext<Config>;
  link: VerifierLink;
  edge: Edge | undefined;
  book: TemplateBook;
  modeState: ModeState;
}

export function adminService(deps: AdminDeps) {
  return {
    getStatus: async () => ({ status: await serviceStatus(deps.ctx), verifier: deps.link.snapshot() }),
  };
}
