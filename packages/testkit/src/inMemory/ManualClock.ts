/** Time that moves only when a test moves it: staleness and expiry without waiting. */
export class ManualClock {
  private millis: number;

  constructor(start: Date = new Date("2026-01-01T00:00:00Z")) {
    this.millis = start.getTime();
  }

  readonly now = (): Date => new Date(this.millis);

  advance(seconds: number): Date {
    this.millis += seconds * 1000;
    return this.now();
  }
}
