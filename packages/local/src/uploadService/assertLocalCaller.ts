import type { IncomingMessage } from "node:http";
import { HttpError } from "./HttpError.js";

/** Sec-Fetch-Site values of a request made by this origin's own page, or by no page at all. */
const OWN_SITE = new Set(["same-origin", "none"]);

/**
 * Refuses a request that did not come from this machine's own use of the stack: its `Host` must
 * name a loopback address on the port it reached (`127.0.0.1:<port>`, `localhost:<port>`,
 * `[::1]:<port>`), so a DNS-rebinding page, whose requests carry its own host name, is refused;
 * and a browser's request must come from the stack's own origin (`Origin`, when sent, is
 * `http://<that Host>`; `Sec-Fetch-Site`, when sent, is `same-origin`), so another site's page
 * cannot use it either. Scripts (PipelineClient, curl) send neither header and pass.
 */
export function assertLocalCaller(request: IncomingMessage): void {
  const host = (request.headers.host ?? "").toLowerCase();
  const port = request.socket.localPort;
  const loopbackHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!loopbackHosts.includes(host)) {
    throw new HttpError(403, "forbidden_host", `this route answers only on ${loopbackHosts.join(", ")}`);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) {
    throw new HttpError(403, "cross_origin", `this route answers only the stack's own pages (http://${host}), not ${origin}`);
  }
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && !OWN_SITE.has(site.toLowerCase())) {
    throw new HttpError(403, "cross_origin", `this route answers only the stack's own pages, not a ${site} request`);
  }
}
