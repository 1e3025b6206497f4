/**
 * Alertmanager's state across restarts, on the real binaries (local stack, test profile, free loopback ports),
 * with a production-like repeat_interval (1 h) so that a kept notification log shows:
 *   - restarted mid-incident (as a bundle apply or a monitoring host replacement restarts it, with its data
 *     directory on the data volume): the page already sent is not sent again, and the resolution still arrives;
 *   - a new `npm run local` on the same directory after a run stopped mid-incident: the state starts fresh, so
 *     the re-fired alert pages again at once instead of after repeat_interval (it never did before the fix).
 */
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_PORTS } from "../../monitoring-config";
import { startLocalStack, type LocalStack, type Notification, type Ports } from "../../scripts/lib/local-stack";
import { freePort } from "../../scripts/lib/net";
import { tempDir } from "../../testkit/service-process";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = tempDir("am-state-");
let stack: LocalStack | undefined;
afterAll(async () => {
  await stack?.stop();
}, 60_000);

/** The same ports for both runs, as `npm run local` has: alerts keep their labels (instance) from run to run. */
let ports: Ports | undefined;
const start = async () => {
  ports ??= Object.fromEntries(
    await Promise.all(Object.keys(LOCAL_PORTS).map(async (k) => [k, await freePort()] as const)),
  ) as Ports;
  return startLocalStack({ profile: "test", ports, dir, settings: { alertmanager: { repeatInterval: "1h" } } });
};
const isPage = (status: Notification["status"]) => (n: Notification) =>
  n.receiver === "page" && n.alertname === "ServiceDown" && n.status === status;

describe("Alertmanager state across restarts (real Prometheus + Alertmanager, repeat_interval 1h)", () => {
  it("restarted mid-incident: no second page for the same incident, and the resolution still arrives", async () => {
    stack = await start();
    await stack.stopProcess("service", "SIGKILL");
    await stack.waitForNotification(isPage("firing"), 60_000);
    // Alertmanager records a notification in its log just after the receiver answers: a restart in that instant
    // sends it again (delivery is at least once). Mid-incident means later than that.
    await sleep(3_000);
    await stack.stopProcess("alertmanager");
    await stack.startProcess("alertmanager");
    // Prometheus re-sends the firing alert every few seconds (test profile): give it several rounds.
    await sleep(12_000);
    const pages = stack.receiver.notifications.filter(isPage("firing"));
    expect(pages, JSON.stringify(pages.map((n) => n.receivedAt))).toHaveLength(1);
    await stack.startProcess("service");
    await stack.waitForNotification(isPage("resolved"), 60_000);
    // Stopped mid-incident: the next run on the same directory is the next test.
    await stack.stopProcess("service", "SIGKILL");
    await stack.waitForNotification(
      (n) => isPage("firing")(n) && n !== stack!.receiver.notifications.find(isPage("firing")),
      60_000,
    );
    await sleep(3_000); // recorded in the notification log, as above
    await stack.stop();
    stack = undefined;
  }, 240_000);

  it("a new local run after one stopped mid-incident pages again at once (fresh Alertmanager state, TSDB kept)", async () => {
    await stack?.stop(); // if the first test stopped early
    stack = await start();
    await stack.stopProcess("service", "SIGKILL");
    const page = await stack.waitForNotification(isPage("firing"), 60_000);
    expect(page.labels.job).toBe("taskflow");
    // The TSDB was kept: samples from the previous run are still there.
    const r = await fetch(
      `${stack.urls.prometheus}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="taskflow"}[10m])')}`,
    );
    const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
    expect(Number(body.data.result[0]?.value[1] ?? 0)).toBeGreaterThan(10);
  }, 240_000);
});
