import type { ContainerLogLine } from "@pipeline/local";

interface EmfLine {
  _aws?: { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name: string; Unit?: string }> }> };
  [key: string]: unknown;
}

/**
 * The metrics the functions' containers publish, read from their log lines as CloudWatch reads the
 * embedded metric format: counts summed, durations listed, one publish per EMF line.
 */
export class EmfMetrics {
  readonly counts = new Map<string, number>();
  readonly durations = new Map<string, number[]>();
  publishes = 0;

  /** Takes one container log line; lines that are not EMF are ignored. */
  read = ({ stream, line }: ContainerLogLine): void => {
    if (stream !== "stdout" || !line.includes('"_aws"')) return;
    let parsed: EmfLine;
    try {
      parsed = JSON.parse(line) as EmfLine;
    } catch {
      return;
    }
    const definitions = parsed._aws?.CloudWatchMetrics?.flatMap((directive) => directive.Metrics ?? []) ?? [];
    if (definitions.length === 0) return;
    this.publishes++;
    for (const { Name: name, Unit: unit } of definitions) {
      const raw = parsed[name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number => typeof value === "number");
      if (unit === "Count") this.counts.set(name, (this.counts.get(name) ?? 0) + values.reduce((sum, value) => sum + value, 0));
      else this.durations.set(name, [...(this.durations.get(name) ?? []), ...values]);
    }
  };
}
