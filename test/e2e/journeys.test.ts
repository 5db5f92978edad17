// Issue 9's end-to-end journeys against the whole stack as `make dev` starts it (tools/dev
// startStack, in test mode on free ports): bcoin regtest with wallet traffic, anvil with the
// contracts, the pool backend, the six services with four relay nodes (F = 1), and two
// load-generating miners. One stack serves every journey, in this order. Needs `make build`.
import { afterAll, beforeAll } from "@jest/globals";
import { blocksJourney } from "./journeys/blocks.js";
import { fullBlocksJourney } from "./journeys/full-blocks.js";
import { livingStack } from "./journeys/living.js";
import { relayJourney } from "./journeys/relay.js";
import { sharesJourney } from "./journeys/shares.js";
import { workflowsJourney } from "./journeys/workflows.js";
import { type E2E, e2eContext } from "./support/context.js";
import { connectBus, startTestStack } from "./support/stack.js";

let e2e: E2E | undefined;
const context = (): E2E => {
  if (!e2e) throw new Error("the stack did not start");
  return e2e;
};

beforeAll(async () => {
  const stack = await startTestStack("e2e");
  e2e = e2eContext(stack, await connectBus(stack, "e2e-journeys"));
}, 180_000);

afterAll(async () => {
  await Promise.all(e2e?.miners.map((m) => m.close().catch(() => undefined)) ?? []);
  await e2e?.bus.close();
  await e2e?.stack.stop();
}, 60_000);

livingStack(context);
sharesJourney(context);
blocksJourney(context);
relayJourney(context);
workflowsJourney(context);
fullBlocksJourney(context);
