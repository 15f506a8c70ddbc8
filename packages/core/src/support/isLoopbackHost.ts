/**
 * Whether a URL's hostname names this machine: `localhost`, 127.0.0.0/8 or ::1 (bracketed or
 * not). Plain http is allowed only there (the AI server, an identity provider's key set), where
 * nothing travels over a network.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return host === "localhost" || host === "::1" || /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(host);
}
