/**
 * Long-term storage on the real binaries: the local stack (test profile, free loopback ports) remote-writes to a
 * second Prometheus started with the remote-write receiver, as the AWS stacks write to Amazon Managed Service for
 * Prometheus. The app's series arrive there; the receiver goes away for a minute; the backlog waits in the WAL,
 * PrometheusRemoteWriteBehind fires and is notified; the receiver comes back and gets the minute it missed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../../scripts/lib/local-stack";
import { tempDir } from "../../testkit/service-process";

let stack: LocalStack;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_S = 60;

async function query(
  base: string,
  q: string,
  time?: number,
): Promise<{ metric: Record<string, string>; value: number }[]> {
  const params = new URLSearchParams({ query: q, ...(time ? { time: String(time) } : {}) });
  const r = await fetch(`${base}/api/v1/query?${params}`);
  const body = (await r.json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`${q}: ${body.error}`);
  return body.data.result.map((x) => ({ metric: x.metric, value: Number(x.value[1]) }));
}
/** Poll `probe` until it returns a value that `done` accepts; the last value is in the error otherwise. */
async function until<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (err) {
      last = (err as Error).message as T;
    }
    await sleep(500);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

beforeAll(async () => {
  stack = await startLocalStack({ profile: "test", ports: "free", dir: tempDir("remote-write-"), remoteWrite: true });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe("remote write to a long-term store (a real Prometheus with the remote-write receiver)", () => {
  it("renders remote_write with the sized queue, and the app's series arrive in the store with the stack label", async () => {
    const yml = stack.bundle["prometheus/prometheus.yml"];
    expect(yml).toMatch(new RegExp(`url: http://127\\.0\\.0\\.1:${stack.ports.longterm}/api/v1/write`));
    expect(yml).toMatch(/max_samples_per_send: 1000/);
    const rows = await until(
      "the app's up series in the store",
      () => query(stack.urls.longterm!, 'up{job="taskflow"}'),
      (r) => r.length === 1,
      30_000,
    );
    expect(rows[0].metric).toMatchObject({ job: "taskflow", stack: "test" });
    // Every series of the app's job, not a sample of them: the store holds as many as Prometheus scrapes.
    const count = 'count({job="taskflow"})';
    const scraped = (await query(stack.urls.prometheus, count))[0]?.value ?? 0;
    expect(scraped).toBeGreaterThan(50);
    await until(
      "as many app series in the store as in Prometheus",
      () => query(stack.urls.longterm!, count),
      (r) => r.length === 1 && r[0].value >= scraped,
      30_000,
    );
  }, 90_000);

  it(`the store down for ${OUTAGE_S} s: the backlog is delivered after, and PrometheusRemoteWriteBehind fires, is notified and resolves`, async () => {
    const down = Date.now() / 1000;
    await stack.stopProcess("longterm");
    const behind = await stack.waitForNotification(
      (n) => n.alertname === "PrometheusRemoteWriteBehind" && n.status === "firing",
      OUTAGE_S * 1000,
    );
    expect(behind.receiver).toBe("ticket");
    expect(behind.labels).toMatchObject({ remote_name: "long-term", severity: "warning" });
    await sleep(Math.max(0, down * 1000 + OUTAGE_S * 1000 - Date.now()));
    const up = Date.now() / 1000;
    await stack.startProcess("longterm");

    // Every scrape of the outage (1 s interval) reaches the store from the WAL: count the samples it holds for
    // the window it was down, once the queue has caught up.
    const window = Math.floor(up - down) - 2;
    const counted = await until(
      "the outage's samples in the store",
      () => query(stack.urls.longterm!, `count_over_time(up{job="taskflow"}[${window}s])`, up - 1),
      (r) => r.length === 1 && r[0].value >= 0.9 * window,
      60_000,
    );
    expect(counted[0].value).toBeGreaterThanOrEqual(0.9 * window);
    // Nothing was dropped on the way: the failures counter counts only unrecoverable errors.
    const failed = await query(stack.urls.prometheus, "sum(prometheus_remote_storage_samples_failed_total)");
    expect(failed[0]?.value ?? 0).toBe(0);
    await stack.waitForNotification(
      (n) => n.alertname === "PrometheusRemoteWriteBehind" && n.status === "resolved",
      60_000,
    );
  }, 240_000);
});
