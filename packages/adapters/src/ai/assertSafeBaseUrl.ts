import { isLoopbackHost } from "@pipeline/core";
import { AiConfigurationError } from "./AiConfigurationError.js";

/**
 * The AI service is reached over https; plain http only on this machine (a local model server),
 * where nothing travels over a network. Loopback: 127.0.0.0/8, ::1 and `localhost`.
 */
export function assertSafeBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (error) {
    throw new AiConfigurationError(`AI_BASE_URL is not a URL: ${JSON.stringify(baseUrl)}`, { cause: error });
  }
  if (url.username !== "" || url.password !== "") throw new AiConfigurationError("AI_BASE_URL must not carry credentials");
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === "http:") {
    throw new AiConfigurationError(`AI_BASE_URL must use https for a remote host (${url.host}); plain http is allowed only to loopback (127.0.0.0/8, ::1, localhost)`);
  }
  throw new AiConfigurationError(`AI_BASE_URL must be an https URL, got ${url.protocol}`);
}

