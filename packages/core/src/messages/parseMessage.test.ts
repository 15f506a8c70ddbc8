import { describe, expect, it } from "vitest";
import { parseMessage } from "./parseMessage.js";
import { uploadMessageSchema } from "./schemas.js";

const batchId = "6f1c2a9e-8d2b-4c1a-9f3e-2b7d5c4a1e90";
const uploadId = "0b8e7d6c-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

describe("parseMessage", () => {
  it("accepts a valid body and drops unknown fields", () => {
    expect(parseMessage(uploadMessageSchema, JSON.stringify({ batchId, uploadId, extra: true }))).toEqual({ ok: true, value: { batchId, uploadId } });
  });

  it.each([
    ["", /^body is not JSON/],
    ["null", /^invalid message: body:/],
    [JSON.stringify({ batchId }), /^invalid message: uploadId:/],
    [JSON.stringify({ batchId: 7, uploadId }), /^invalid message: batchId:/],
    [JSON.stringify({ batchId: "not-a-uuid", uploadId: "x" }), /batchId: .*; uploadId: /],
  ])("rejects %j with a reason", (body, reason) => {
    const result = parseMessage(uploadMessageSchema, body);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toMatch(reason);
  });
});
