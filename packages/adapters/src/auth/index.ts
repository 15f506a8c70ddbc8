export { issueToken } from "./issueToken.js";
export { JwtTokenVerifier } from "./JwtTokenVerifier.js";
