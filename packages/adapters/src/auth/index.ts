export { issueToken } from "./issueToken.js";
export { JwksTokenVerifier, JWKS_ALGORITHMS, type JwksSettings } from "./JwksTokenVerifier.js";
export { JwtTokenVerifier } from "./JwtTokenVerifier.js";
export { KeySetUnavailableError } from "./verifiedToken.js";
