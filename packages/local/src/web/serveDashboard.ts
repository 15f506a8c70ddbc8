import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";

export interface DashboardOptions {
  /** The dashboard's build output (`packages/web/dist`). */
  distDir: string;
  /** The gateway's URL; read per request because the gateway starts after the handler is made. */
  wsUrl: () => string | undefined;
  /** Origin of the upload service for the page; "" is the same origin. */
  apiUrl?: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves the dashboard's static files as S3 and CloudFront would, for `LocalStackOptions.staticHandler`:
 * `/` is index.html, hashed files under `assets/` are cached for good, and `/config.json` is made
 * from the running stack's endpoints. Anything it does not hold is left to the caller (false).
 *
 * @example
 * ```ts
 * let stack: LocalStack | undefined;
 * stack = await startLocalStack({ ...options, staticHandler: serveDashboard({ distDir, wsUrl: () => stack?.endpoints.wsUrl }) });
 * ```
 */
export function serveDashboard(options: DashboardOptions) {
  const root = resolve(options.distDir);

  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const { pathname } = new URL(request.url ?? "/", "http://dashboard");
    if (pathname === "/config.json") {
      const wsUrl = options.wsUrl();
      if (!wsUrl) {
        send(response, request, 503, "application/json", "no-store", JSON.stringify({ error: "starting", message: "the stack is still starting" }));
        return true;
      }
      send(response, request, 200, "application/json", "no-store", JSON.stringify({ apiUrl: options.apiUrl ?? "", wsUrl }));
      return true;
    }

    let relative: string;
    try {
      relative = decodeURIComponent(pathname === "/" ? "/index.html" : pathname);
    } catch {
      return false;
    }
    const path = resolve(join(root, relative));
    if (!path.startsWith(root + sep)) return false;
    const file = await stat(path).catch(() => undefined);
    if (!file?.isFile()) {
      if (pathname !== "/") return false;
      send(response, request, 503, "text/plain; charset=utf-8", "no-store", `The dashboard is not built: run \`npm run build -w @pipeline/web\` (looked in ${root}).\n`);
      return true;
    }
    const cache = relative.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    send(response, request, 200, CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream", cache, await readFile(path));
    return true;
  };
}

function send(response: ServerResponse, request: IncomingMessage, status: number, contentType: string, cacheControl: string, body: string | Buffer): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": cacheControl, "content-length": Buffer.byteLength(body), "x-content-type-options": "nosniff" });
  response.end(request.method === "HEAD" ? undefined : body);
}
