import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseStackFile, readStackFile, StackFileError, StackNotFoundError, type StackFile } from "./stackFile.js";

const queue = (name: string) => ({ url: `http://127.0.0.1:4566/000000000000/${name}`, dlqUrl: `http://127.0.0.1:4566/000000000000/${name}-dlq` });
const valid: StackFile = {
  httpUrl: "http://127.0.0.1:4000",
  wsUrl: "ws://127.0.0.1:4001",
  managementEndpoint: "http://127.0.0.1:4002",
  sqsEndpoint: "http://127.0.0.1:4566",
  s3Endpoint: "http://127.0.0.1:4566",
  bucket: "media",
  region: "us-east-1",
  databaseUrl: "postgres://postgres:pw@127.0.0.1:54329/pipeline",
  pooledDatabaseUrl: "postgres://postgres:pw@127.0.0.1:54331/pipeline",
  pgProxy: "127.0.0.1:54330",
  queues: { batches: queue("batches"), uploads: queue("uploads"), progress: queue("progress") },
  authSecret: "secret",
  credentials: { accessKeyId: "LKIA0123456789ABCDEF", secretAccessKey: "secret-key" },
};

describe("the stack file", () => {
  it("reads what the local stack writes", () => {
    expect(parseStackFile(JSON.stringify(valid), "stack.json")).toEqual(valid);
  });

  it("names every field a stack file of another version lacks", () => {
    const older: Partial<StackFile> = { ...valid, queues: { batches: valid.queues.batches } as StackFile["queues"] };
    delete older.pooledDatabaseUrl;
    delete older.credentials;
    const error = (() => {
      try {
        parseStackFile(JSON.stringify(older), "old/stack.json");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StackFileError);
    expect((error as StackFileError).problems).toEqual(["pooledDatabaseUrl is missing", "queues.uploads needs url and dlqUrl", "queues.progress needs url and dlqUrl", "credentials needs accessKeyId and secretAccessKey"]);
  });

  it("refuses a file that is not JSON, and says which", () => {
    expect(() => parseStackFile("{ not json", "broken/stack.json")).toThrow(/broken\/stack\.json is not a stack file of this version \(not JSON/);
  });

  it("tells a missing file apart, with the command that writes it", () => {
    const dir = mkdtempSync(join(tmpdir(), "stack-file-"));
    expect(() => readStackFile(join(dir, "stack.json"))).toThrow(StackNotFoundError);
    writeFileSync(join(dir, "stack.json"), JSON.stringify(valid));
    expect(readStackFile(join(dir, "stack.json")).bucket).toBe("media");
  });
});
