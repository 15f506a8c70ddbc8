export interface Session {
  userId: string;
  token: string;
  /** Seconds since the epoch, from the token's `exp`. */
  expiresAt: number | null;
}

const STORAGE_KEY = "pipeline.token";

/** The token's claims as its issuer wrote them; the server verifies the signature, the page only reads. */
export function sessionFromToken(token: string): Session | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown; exp?: unknown };
    if (typeof claims.sub !== "string") return undefined;
    return { userId: claims.sub, token, expiresAt: typeof claims.exp === "number" ? claims.exp : null };
  } catch {
    return undefined;
  }
}

export function isExpired(session: Session, now = Date.now()): boolean {
  return session.expiresAt !== null && session.expiresAt * 1000 <= now;
}

/**
 * A token passed as `?token=` (handed over by an identity provider or a script) wins over the one
 * kept for this tab; it is removed from the address bar so it is not bookmarked or shared.
 */
export function restoreSession(): Session | undefined {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    url.searchParams.delete("token");
    history.replaceState(null, "", url);
    sessionStorage.setItem(STORAGE_KEY, fromUrl);
  }
  const token = fromUrl ?? sessionStorage.getItem(STORAGE_KEY);
  const session = token ? sessionFromToken(token) : undefined;
  if (session && !isExpired(session)) return session;
  forgetSession();
  return undefined;
}

export function keepSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, session.token);
}

export function forgetSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
