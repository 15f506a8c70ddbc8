import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";

/** The access key the stack's engines accept, as an IAM user's: every SQS, S3 and management call is signed with it. */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A fresh key pair, shaped like AWS's (a 20-character key id, a 40-character secret). */
export function createLocalCredentials(): LocalCredentials {
  return {
    accessKeyId: `LKIA${randomBytes(8).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64url"),
  };
}

/** The stack's key pair, kept in `path` (mode 600) so that clients holding it survive a restart. */
export async function loadOrCreateCredentials(path: string): Promise<LocalCredentials> {
  if (existsSync(path)) {
    const kept = JSON.parse(await readFile(path, "utf8")) as Partial<LocalCredentials>;
    if (typeof kept.accessKeyId === "string" && typeof kept.secretAccessKey === "string") return { accessKeyId: kept.accessKeyId, secretAccessKey: kept.secretAccessKey };
  }
  const credentials = createLocalCredentials();
  await writeFile(path, JSON.stringify(credentials) + "\n", { mode: 0o600 });
  return credentials;
}
