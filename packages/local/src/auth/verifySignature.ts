import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { LocalCredentials } from "./LocalCredentials.js";
import { NodeSha256 } from "./NodeSha256.js";

/** Why a request is refused; each server names it as its AWS service does (signatureErrors.ts). */
export type SignatureFault = "missing" | "malformed" | "unknown-key" | "expired" | "mismatch";

export interface SignatureRejection {
  fault: SignatureFault;
  message: string;
}

/** What the verifier reads of a request: the method, the URL as sent (path and query still encoded), the headers. */
export interface RequestToVerify {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface SignatureVerifierOptions {
  credentials: LocalCredentials;
  /** The signing names the server answers for: `sqs` and `s3` (the engine), `execute-api` (the management API). */
  services: readonly string[];
  now?: () => Date;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;._-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** AWS refuses a signature more than 15 minutes from its clock, so a captured request cannot be replayed later. */
const MAX_SKEW_MILLIS = 15 * 60_000;
const PAYLOAD_HASH_HEADER = "x-amz-content-sha256";

/**
 * Checks AWS Signature Version 4 (`Authorization: AWS4-HMAC-SHA256 …`) as AWS does: the access key
 * id must be the stack's, the scope a service this server answers for, the date within 15 minutes,
 * and the signature the one the stack's secret gives for the request as received. The expected
 * signature is computed by the AWS SDK's own signer (@smithy/signature-v4), over exactly the
 * headers the client signed.
 */
export class SignatureVerifier {
  private readonly now: () => Date;

  constructor(private readonly options: SignatureVerifierOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Undefined when the request carries a valid signature. `readBody` is called only when the
   * payload's hash is not in a signed header (SQS and the management API hash the body itself; S3
   * clients send `x-amz-content-sha256`).
   */
  async verify(request: RequestToVerify, readBody: () => Promise<Uint8Array>): Promise<SignatureRejection | undefined> {
    const authorization = request.headers.authorization;
    if (authorization === undefined) return { fault: "missing", message: "Request is missing Authentication Token" };
    const match = AUTHORIZATION.exec(authorization);
    if (!match) return { fault: "malformed", message: "Authorization header is not a well-formed AWS4-HMAC-SHA256 signature" };
    const [, accessKeyId, scopeDate, region = "", service = "", signedHeaderList = "", signature = ""] = match;
    if (accessKeyId !== this.options.credentials.accessKeyId) return { fault: "unknown-key", message: "The security token included in the request is invalid." };
    if (!this.options.services.includes(service)) return { fault: "malformed", message: `Credential should be scoped to correct service: '${this.options.services.join("' or '")}'.` };
    const signedHeaders = signedHeaderList.split(";");
    if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return { fault: "malformed", message: "Signed headers must include host and x-amz-date" };
    const signingDate = parseAmzDate(request.headers["x-amz-date"]);
    if (!signingDate || scopeDate !== request.headers["x-amz-date"]?.toString().slice(0, 8)) return { fault: "malformed", message: "x-amz-date is missing or does not match the credential scope's date" };
    const now = this.now();
    if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_SKEW_MILLIS) {
      return { fault: "expired", message: `Signature expired: ${request.headers["x-amz-date"]?.toString()} is more than 15 minutes from the server's time` };
    }

    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return { fault: "mismatch", message: `The request signature we calculated does not match the signature you provided: signed header ${name} is missing` };
      headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const [path = "/", queryString = ""] = splitUrl(request.url);
    const body = signedHeaders.includes(PAYLOAD_HASH_HEADER) ? undefined : await readBody();
    const signer = new SignatureV4({
      credentials: this.options.credentials,
      region,
      service,
      sha256: NodeSha256,
      // S3 signs the path as sent; every other service encodes it once more.
      uriEscapePath: service !== "s3",
      applyChecksum: false,
    });
    const signed = await signer.sign(
      { method: request.method, protocol: "http:", hostname: headers.host ?? "", path, query: parseQuery(queryString), headers, ...(body && body.length > 0 ? { body } : {}) },
      { signingDate, signingRegion: region, signingService: service, signableHeaders: new Set(signedHeaders) },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? "";
    if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      return { fault: "mismatch", message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method." };
    }
    return undefined;
  }
}

function parseAmzDate(value: string | string[] | undefined): Date | undefined {
  const match = typeof value === "string" ? AMZ_DATE.exec(value) : null;
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
}

function splitUrl(url: string): [string, string] {
  const question = url.indexOf("?");
  return question < 0 ? [url, ""] : [url.slice(0, question), url.slice(question + 1)];
}

/** The query as the signer takes it: decoded names and values, repeated names as arrays. */
function parseQuery(queryString: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of queryString.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = safeDecode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : safeDecode(pair.slice(equals + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
