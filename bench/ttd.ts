/**
 * Time to detect, with the real local stack (Prometheus, Alertmanager, exporters, the webhook receiver) at
 * PRODUCTION intervals: the `local` settings profile — 15 s scrape and evaluation, the shipped `for` values
 * and Alertmanager group timings. Two figures, each from a fresh stack per run with healthy traffic first:
 *   - service down: SIGKILL the service → the ServiceDown notification reaches the receiver;
 *   - SLO page: 100 % errors (fault injection, errorRate 1) → the SLOErrorBudgetBurnPage notification.
 * The two scenarios of a run use two stacks side by side (free ports), so a run takes the time of the slower.
 * Goals: ≤ 120 s and ≤ 6 min. Prints min/median/max over the runs.
 *
 *   npm run bench:ttd [-- --runs 3 --warmup 60 --timeout 900]
 */
import { startLocalStack, type LocalStack } from "../scripts/lib/local-stack";
import { tempDir } from "../testkit/service-process";
import { median, numericFlags, printJson, printTable, runMain, writeSummary } from "./lib/common";

export const TTD_DEFAULTS = { runs: 3, warmup: 60, timeout: 900 };
const GOALS = { service_down: 120, slo_page: 360 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Steady background traffic (≈ 20 req/s of reads and writes) so the error-ratio rules have a denominator. */
function traffic(stack: LocalStack): () => Promise<void> {
  let running = true;
  const headers = { authorization: `Bearer ${stack.token}`, "content-type": "application/json" };
  const worker = async () => {
    while (running) {
      await fetch(`${stack.urls.app}/tasks`, { method: "POST", headers, body: '{"title":"ttd"}' }).catch(() => null);
      await fetch(`${stack.urls.app}/tasks?limit=5`, { headers }).catch(() => null);
      await sleep(100);
    }
  };
  const workers = [worker(), worker()];
  return async () => {
    running = false;
    await Promise.all(workers);
  };
}

/** Wait until Prometheus has scraped the service successfully, so `up` was 1 before the fault. */
async function waitForServiceUp(stack: LocalStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const q = encodeURIComponent(`up{job="${stack.settings.appJob}"} == 1`);
  while (Date.now() < deadline) {
    const r = await fetch(`${stack.urls.prometheus}/api/v1/query?query=${q}`).catch(() => null);
    const body = r && ((await r.json()) as { data?: { result?: unknown[] } });
    if (body && (body.data?.result?.length ?? 0) > 0) return;
    await sleep(1000);
  }
  throw new Error(`Prometheus did not see the service up within ${timeoutMs} ms`);
}

type Scenario = "service_down" | "slo_page";
const ALERT: Record<Scenario, string> = { service_down: "ServiceDown", slo_page: "SLOErrorBudgetBurnPage" };

async function inject(stack: LocalStack, scenario: Scenario): Promise<void> {
  if (scenario === "service_down") return stack.stopProcess("service", "SIGKILL");
  const r = await fetch(`${stack.urls.appMetrics}/fault`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ errorRate: 1 }),
  });
  if (!r.ok) throw new Error(`PUT /fault answered ${r.status}: ${await r.text()}`);
}

/** One measurement on a fresh stack: seconds from the fault to the firing notification at the receiver. */
async function measure(scenario: Scenario, flags: typeof TTD_DEFAULTS, log: (s: string) => void): Promise<number> {
  const stack = await startLocalStack({
    profile: "local",
    ports: "free",
    dir: tempDir(`ttd-${scenario}-`),
    serviceEnv: { FAULT_INJECTION: "on", RATE_LIMIT_PER_MINUTE: "1000000", LOG_LEVEL: "warn" },
  });
  const stopTraffic = traffic(stack);
  try {
    await waitForServiceUp(stack, 120_000);
    await sleep(flags.warmup * 1000);
    const t0 = Date.now();
    await inject(stack, scenario);
    log(`  ${scenario}: fault injected, waiting for ${ALERT[scenario]}`);
    const n = await stack.waitForNotification(
      (x) => x.alertname === ALERT[scenario] && x.status === "firing" && x.receivedAt >= t0,
      flags.timeout * 1000,
    );
    const seconds = Math.round((n.receivedAt - t0) / 100) / 10;
    log(`  ${scenario}: ${ALERT[scenario]} reached receiver "${n.receiver}" after ${seconds} s`);
    return seconds;
  } finally {
    await stopTraffic();
    await stack.stop();
  }
}

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: median(s), max: s[s.length - 1], runs: xs };
}

runMain(module, async () => {
  const flags = numericFlags(process.argv.slice(2), TTD_DEFAULTS);
  const log = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);
  const results: Record<Scenario, number[]> = { service_down: [], slo_page: [] };
  for (let run = 1; run <= flags.runs; run++) {
    log(`run ${run}/${flags.runs}: two fresh stacks at production intervals, ${flags.warmup} s of healthy traffic`);
    const [down, page] = await Promise.all([measure("service_down", flags, log), measure("slo_page", flags, log)]);
    results.service_down.push(down);
    results.slo_page.push(page);
  }
  const sd = stats(results.service_down);
  const sp = stats(results.slo_page);
  const result = {
    ttd_service_down_s: sd.median,
    ttd_slo_page_s: sp.median,
    service_down: { ...sd, goal_s: GOALS.service_down, met: sd.max <= GOALS.service_down },
    slo_page: { ...sp, goal_s: GOALS.slo_page, met: sp.max <= GOALS.slo_page },
    profile: "local (production intervals: 15 s scrape/eval, shipped for values and Alertmanager timings)",
    warmup_s: flags.warmup,
  };
  printTable("Time to detect (seconds from fault to notification at the receiver)", [
    { figure: "service down → ServiceDown", ...sd, runs: sd.runs.join(", "), goal: `<= ${GOALS.service_down}` },
    { figure: "100 % errors → SLO page", ...sp, runs: sp.runs.join(", "), goal: `<= ${GOALS.slo_page}` },
  ]);
  printJson("ttd", result);
  writeSummary({ ttd_service_down_s: sd.median, ttd_slo_page_s: sp.median }, "ttd", result);
});
