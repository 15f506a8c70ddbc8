import { percentile } from "../measure/percentile.js";
import type { FlowBehind, FlowControl, TargetResult } from "./BenchmarkReport.js";
import { count, num, targetCells, type Row } from "./tableCells.js";

/** The flow-control scenario's rows: each measured batch alone and behind others, and what the others' cancels left running. */
export function flowControlRows(flow: FlowControl, targets: readonly TargetResult[], wiringName: string): Row[] {
  const { small, interactive } = flow;
  const smallUploads = small.alone[0]?.uploads ?? 0;
  const headStart = `${num(flow.headStartMillis / 1000, 1)} s`;
  const aloneToLastCommit = percentile(small.alone.map((run) => run.secondsToLastCommit), 50);
  const toLastCommit = (behind: FlowBehind): Row => [
    `  to its last upload's commit: seconds / ratio to alone's`,
    `${num(behind.measured.secondsToLastCommit, 2)} / ${num(behind.measured.secondsToLastCommit / aloneToLastCommit, 2)} x`,
    "",
    "",
    "",
  ];
  const rows: Row[] = [
    {
      section: `Flow control: real images, ${wiringName}, window ${flow.defaultMaxInFlight} a batch (a bulk one ${flow.bulkShareWhileInteractive} of it while an interactive one runs); others' batches are cancelled once the measured one completed`,
    },
    [`small batch of ${count(smallUploads)} alone: seconds, request to batch.completed (median of ${small.alone.length})`, num(small.aloneSeconds, 2), "", "", ""],
    [`  to its last upload's commit, without the finalizer's batching window (median)`, num(aloneToLastCommit, 2), "", "", ""],
  ];
  for (const behind of small.behindBig) {
    const big = behind.others[0];
    if (!big) continue;
    rows.push(
      [
        `behind another user's ${count(big.uploads)} (${big.priority}, ${headStart} ahead): seconds / ratio to alone${behind.runs && behind.runs.length > 1 ? ` (median of ${behind.runs.length}; ratios ${behind.runs.map((run) => num(run.ratio, 2)).join(", ")})` : ""}`,
        `${num(behind.measured.seconds, 2)} / ${num(behind.ratio, 2)} x`,
        "",
        ...targetCells(targets, `fairnessAt${big.uploads}`),
      ],
      toLastCommit(behind),
      ...othersRows(behind),
      [
        `  processed after its cancel (under way at it / finished after it; window ${count(big.window)})`,
        `${count(big.processedAfterCancel)} (${count(big.processedAfterCancel - big.finishedAfterCancel)} / ${count(big.finishedAfterCancel)})`,
        "",
        ...targetCells(targets, `cancelAt${big.uploads}`),
      ],
    );
  }
  const marked = small.behindInteractiveBig;
  rows.push(
    [
      `behind another user's ${count(marked.others[0]?.uploads ?? 0)} marked interactive by its submitter: seconds / ratio to alone`,
      `${num(marked.measured.seconds, 2)} / ${num(marked.ratio, 2)} x`,
      "",
      "",
      "",
    ],
    toLastCommit(marked),
    ...othersRows(marked),
  );
  const { behindBulk } = interactive;
  const bulk = behindBulk.others;
  rows.push(
    [`interactive batch of ${count(interactive.alone.uploads)} alone: seconds`, num(interactive.alone.seconds, 2), "", "", ""],
    [`behind ${bulk.length} other users' bulk batches of ${count(bulk[0]?.uploads ?? 0)} (${headStart} ahead): seconds / ratio to alone`, `${num(behindBulk.measured.seconds, 2)} / ${num(behindBulk.ratio, 2)} x`, "", "", ""],
    ...othersRows(behindBulk),
    ["  processed after their cancels, per batch", bulk.map((other) => count(other.processedAfterCancel)).join(", "), "", "", ""],
  );
  return rows;
}

/** What the others did while the measured batch ran, and what their cancels left. */
function othersRows(behind: FlowBehind): Row[] {
  const per = (pick: (other: FlowBehind["others"][number]) => number) => behind.others.map((other) => count(pick(other))).join(", ");
  return [
    [`  others' peak uploads processing / in their window (every 250 ms, ${count(behind.samples)} samples)`, `${per((other) => other.peakProcessing)} / ${per((other) => other.peakInWindow)}`, "", "", ""],
    ["  uploads queue peak: waiting / received", `${count(behind.uploadsQueuePeak.waiting)} / ${count(behind.uploadsQueuePeak.received)}`, "", "", ""],
    ["  at the cancel: released, never started; then s until the uploads queue was empty", `${per((other) => other.queuedAtCancel)}; ${num(behind.drainSeconds, 1)}`, "", "", ""],
  ];
}
