/**
 * sharp loads its native binary as soon as it is imported. Deployed, only the worker ships that
 * binary (installed beside its bundle), yet every function imports this package through the
 * composition root: so sharp is loaded on first use, never on import.
 */
export async function loadSharp() {
  const { default: sharp } = await import("sharp");
  return sharp;
}
