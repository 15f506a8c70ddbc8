import { InMemoryDeadLetterInspector, InMemoryDeadLetterQueue } from "@pipeline/testkit/fakes";
import { describe } from "vitest";
import { describeDeadLetterContract } from "../contracts/deadLetterContract.js";

/** The same cases as test/sqsAndGatewayAdapters.test.ts runs against fauxqs. */
describe("InMemoryDeadLetterQueue", () => {
  describeDeadLetterContract(() => {
    const queue = new InMemoryDeadLetterQueue("uploads");
    return {
      store: queue,
      inspector: new InMemoryDeadLetterInspector([queue]),
      park: async (body, reason) => queue.park(body, reason),
      sourceBodies: async () => queue.source,
    };
  });
});
