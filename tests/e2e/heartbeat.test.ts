/**
 * The local dead man's switch, on the real binaries (local stack, test profile, free loopback ports): the
 * receiver pages HeartbeatMissing when the Watchdog heartbeat stops (Alertmanager stopped, so nothing else can
 * page), and resolves it when heartbeats come back. The AWS stack gives the same part to a CloudWatch alarm on
 * the heartbeat topic (mock-level tests in tests/infra).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEARTBEAT_MISSING, startLocalStack, type LocalStack, type Notification } from "../../scripts/lib/local-stack";
import { tempDir } from "../../testkit/service-process";

let stack: LocalStack;
beforeAll(async () => {
  // A heartbeat every 2 s: the switch pages after 3 missed (plus a group interval), about 8 s.
  stack = await startLocalStack({
    profile: "test",
    ports: "free",
    dir: tempDir("heartbeat-"),
    settings: { alertmanager: { heartbeatRepeatInterval: "2s" } },
  });
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

const missing = (status: Notification["status"]) => (n: Notification) =>
  n.receiver === "page" && n.alertname === HEARTBEAT_MISSING && n.status === status;

describe("local dead man's switch (real Prometheus + Alertmanager, receiver)", () => {
  it("heartbeats arrive and nothing pages while they do", async () => {
    await stack.waitForNotification((n) => n.receiver === "heartbeat" && n.alertname === "Watchdog", 60_000);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(stack.receiver.notifications.filter(missing("firing"))).toEqual([]);
    expect(stack.receiver.notifications.filter((n) => n.receiver === "heartbeat").length).toBeGreaterThan(2);
  }, 120_000);

  it("Alertmanager stopped: HeartbeatMissing pages; started again: it resolves", async () => {
    const stoppedAt = Date.now();
    await stack.stopProcess("alertmanager");
    const page = await stack.waitForNotification((n) => missing("firing")(n) && n.receivedAt >= stoppedAt, 60_000);
    expect(page.labels).toMatchObject({ severity: "critical", source: "receiver" });
    expect(page.receivedAt - stoppedAt).toBeGreaterThan(5_000);
    await stack.startProcess("alertmanager");
    await stack.waitForNotification(missing("resolved"), 60_000);
  }, 180_000);
});
