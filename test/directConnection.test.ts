import { openContext } from "@pipeline/cli";
import { assertDirectConnectionString, migrate } from "@pipeline/db";
import { describe, expect, it } from "vitest";

const POOLED = "postgresql://alex:AbC123dEf@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/dbname?sslmode=require";
const DIRECT = "postgresql://alex:AbC123dEf@ep-cool-darkness-123456.us-east-2.aws.neon.tech/dbname?sslmode=require";

/** Work that holds a session refuses Neon's pooled endpoint before it connects, saying what to use instead. */
describe("the direct connection string where a session is needed", () => {
  it("migrations refuse the pooled endpoint", async () => {
    await expect(migrate({ databaseUrl: POOLED })).rejects.toThrow(/^Migrations .*ep-cool-darkness-123456-pooler\.us-east-2\.aws\.neon\.tech is Neon's pooled endpoint.*"-pooler" removed from the host/);
  });

  it("batchctl refuses the pooled endpoint", () => {
    const env = {
      STACK_FILE: "/nonexistent/stack.json",
      DATABASE_URL: POOLED,
      WS_MANAGEMENT_ENDPOINT: "https://abc.execute-api.us-east-1.amazonaws.com/prod",
      MEDIA_BUCKET: "media",
      ...Object.fromEntries(["BATCHES", "UPLOADS", "PROGRESS"].flatMap((queue) => [[`${queue}_QUEUE_URL`, "https://sqs/q"], [`${queue}_DLQ_URL`, "https://sqs/d"]])),
    };
    expect(() => openContext({}, env)).toThrow(expect.objectContaining({ name: "CliError", message: expect.stringMatching(/^batchctl needs the direct connection string/) }));
  });

  it("accepts the direct endpoint, and local or other hosts", () => {
    for (const url of [DIRECT, "postgres://postgres:postgres@127.0.0.1:54329/pipeline", "postgres://u:p@db-pooler-host.internal/x"]) {
      expect(() => assertDirectConnectionString(url, "test")).not.toThrow();
    }
  });
});
