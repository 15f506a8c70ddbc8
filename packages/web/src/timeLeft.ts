/**
 * The server's time-left estimate (`secondsLeft`, from the batch's observed rate) in words a person
 * reads at a glance: coarse on purpose, since the rate moves between pushes. Null when there is no
 * estimate (too early, paused, finished): the row then shows nothing rather than a guess.
 */
export function formatTimeLeft(secondsLeft: number | null): string | null {
  if (secondsLeft === null || !Number.isFinite(secondsLeft) || secondsLeft < 0) return null;
  if (secondsLeft < 45) return "less than a minute left";
  const minutes = Math.max(1, Math.round(secondsLeft / 60));
  if (minutes < 60) return `about ${minutes} min left`;
  if (minutes >= 10 * 60) return `about ${Math.round(minutes / 60)} h left`;
  // Hours and minutes to the nearest five: "about 1 h 35 min left".
  const fives = Math.round(minutes / 5) * 5;
  const hours = Math.floor(fives / 60);
  const rest = fives % 60;
  return rest === 0 ? `about ${hours} h left` : `about ${hours} h ${rest} min left`;
}
