import { createCipheriv, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";

/** A linked resource as SST's `Resource` reads it: `Resource.<name>.value`. */
export interface LinkedSecret {
  type: "sst.sst.Secret";
  value: string;
}

/** What a container's environment says about its links: the key, and the file it opens. */
export interface LinkVariables {
  SST_KEY: string;
  SST_KEY_FILE: string;
  SST_RESOURCE_App: string;
}

/**
 * Writes a function's linked secrets as `sst deploy` packages them (the file SST names
 * `resource.enc`): the JSON of `{ Name: { type, value } }`, encrypted with AES-256-GCM under a
 * random key, a zero nonce, the auth tag last. Each function gets a key of its own, so the zero
 * nonce never serves two plaintexts. The file is the owner's alone (0600); only the key goes into
 * the container's environment, where SST's `Resource` finds it.
 */
export function writeLinkedSecrets(file: string, secrets: Record<string, LinkedSecret>): LinkVariables {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, Buffer.alloc(12, 0));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
  writeFileSync(file, Buffer.concat([ciphertext, cipher.getAuthTag()]), { mode: 0o600 });
  return {
    SST_KEY: key.toString("base64"),
    SST_KEY_FILE: file,
    // SST sets the app on every function; Resource.App is what code reads of it.
    SST_RESOURCE_App: JSON.stringify({ name: "media-batch-pipeline", stage: "local" }),
  };
}
