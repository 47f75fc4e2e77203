// The Analytics Engine dataset as workerd tests see it. Miniflare's local dataset accepts data points
// and discards them, so the test runtime binds METRICS to this worker instead: a real binding whose
// writeDataPoint keeps each point, for tests to read back with points(). The hub's code path is the
// same one production runs (`env.METRICS.writeDataPoint(point)`).
import { WorkerEntrypoint } from "cloudflare:workers";

const captured = [];

export class MetricsCapture extends WorkerEntrypoint {
  writeDataPoint(point) {
    captured.push({ indexes: point.indexes ?? [], blobs: point.blobs ?? [], doubles: point.doubles ?? [] });
  }

  points() {
    return captured;
  }
}

export default {
  fetch() {
    return new Response("metrics capture", { status: 404 });
  },
};
