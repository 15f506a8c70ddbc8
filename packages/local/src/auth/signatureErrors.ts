import type { SignatureFault, SignatureRejection } from "./verifySignature.js";

/** The protocols whose refusals the SDK clients parse: SQS's JSON, S3's XML, API Gateway's REST JSON. */
export type SignedProtocol = "sqs" | "s3" | "execute-api";

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The error code each service gives for each fault, so the SDK raises the error it raises against AWS. */
const CODES: Record<SignatureFault, Record<SignedProtocol, string>> = {
  missing: { sqs: "MissingAuthenticationToken", s3: "AccessDenied", "execute-api": "MissingAuthenticationTokenException" },
  malformed: { sqs: "IncompleteSignature", s3: "AuthorizationHeaderMalformed", "execute-api": "IncompleteSignatureException" },
  "unknown-key": { sqs: "InvalidClientTokenId", s3: "InvalidAccessKeyId", "execute-api": "UnrecognizedClientException" },
  expired: { sqs: "RequestExpired", s3: "RequestTimeTooSkewed", "execute-api": "InvalidSignatureException" },
  mismatch: { sqs: "SignatureDoesNotMatch", s3: "SignatureDoesNotMatch", "execute-api": "InvalidSignatureException" },
};

/** A 403 shaped as the service answers a request it cannot authenticate. */
export function signatureErrorResponse(protocol: SignedProtocol, rejection: SignatureRejection): ErrorResponse {
  const code = CODES[rejection.fault][protocol];
  switch (protocol) {
    case "sqs":
      return {
        status: 403,
        headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-query-error": `${code};Sender` },
        body: JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: rejection.message }),
      };
    case "s3":
      return {
        status: 403,
        headers: { "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(rejection.message)}</Message></Error>`,
      };
    case "execute-api":
      return { status: 403, headers: { "content-type": "application/json", "x-amzn-errortype": code }, body: JSON.stringify({ message: rejection.message }) };
  }
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
