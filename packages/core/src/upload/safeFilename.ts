/** Longest filename kept: names travel in snapshots and failure reasons. */
export const MAX_FILENAME_LENGTH = 1024;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A client's file name as it is kept and shown: its last path component only (a name like
 * `../../etc/passwd` or `C:\x\photo.jpg` keeps `passwd` or `photo.jpg`), control characters
 * (Postgres text cannot hold NUL) replaced by U+FFFD, cut to 1024 characters; `.`, `..` and
 * nothing become `unnamed`. Names never reach an object key (see `uploadObjectKey`); this keeps
 * what the user sees and what operators read free of paths.
 */
export function safeFilename(name: string | undefined): string {
  const lastComponent = (name ?? "").split(/[/\\]/).pop() ?? "";
  const cleaned = Array.from(lastComponent.replace(CONTROL, "\ufffd")).slice(0, MAX_FILENAME_LENGTH).join("");
  return cleaned.length === 0 || cleaned === "." || cleaned === ".." ? "unnamed" : cleaned;
}
