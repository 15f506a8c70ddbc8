import { request as httpRequest } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { LocalCredentials } from "./LocalCredentials.js";
import { NodeSha256 } from "./NodeSha256.js";

/**
 * A GET signed as the AWS SDK signs (SigV4), for the one engine call no SDK client makes: fauxqs's
 * queue inspection endpoint, which the engine guards like its SQS API.
 */
export async function signedGet(url: string, credentials: LocalCredentials, service: string, region = "us-east-1"): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const signer = new SignatureV4({ credentials, region, service, sha256: NodeSha256, applyChecksum: false });
  const signed = await signer.sign({ method: "GET", protocol: target.protocol, hostname: target.hostname, port: Number(target.port), path: target.pathname, query: {}, headers: { host: target.host } });
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(target, { method: "GET", headers: signed.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}
