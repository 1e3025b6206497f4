/**
 * Panel recipes the dashboards share: PromQL over the `$job`/`$instance` selector and Grafana's rate window,
 * with the mixin's selectors.
 */
import { BY_INSTANCE, q, RATE_INTERVAL as r, type PromPanel } from "../grafana/render";
import { SELECTORS } from "../mixin";

/** A counter's per-second rate (the counter with its selector) summed by one label: one series per value. */
export function rateBy(title: string, description: string, selector: string, label: string): PromPanel {
  return {
    title,
    description,
    unit: "reqps",
    queries: [q(`sum by (${label}) (rate(${selector}[${r}]))`, `{{${label}}}`)],
  };
}

/** The share of a request counter's requests answered with a server error, by one label. */
export function errorRatioBy(title: string, description: string, requests: string, label: string): PromPanel {
  const by = `sum by (${label})`;
  return {
    title,
    description,
    unit: "percentunit",
    queries: [
      q(
        `${by} (rate(${requests}{${BY_INSTANCE},${SELECTORS.serverError}}[${r}])) / ${by} (rate(${requests}{${BY_INSTANCE}}[${r}]))`,
        `{{${label}}}`,
      ),
    ],
  };
}

/** A quantile (0–1) of a histogram of seconds, by one label. */
export function quantileBy(
  title: string,
  description: string,
  histogram: string,
  quantile: number,
  label: string,
): PromPanel {
  return {
    title,
    description,
    unit: "s",
    queries: [
      q(
        `histogram_quantile(${quantile}, sum by (${label}, le) (rate(${histogram}_bucket{${BY_INSTANCE}}[${r}])))`,
        `{{${label}}}`,
      ),
    ],
  };
}
