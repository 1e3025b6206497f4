/**
 * Mock-level (Pulumi mocks, no AWS): `npm run render -- --stack dev` shows what dev's monitoring host receives
 * (render-parity-assertions.ts): one host, no remote write, TLS, the app host's certificate as the probe's CA.
 * Prod: render-parity.test.ts.
 */
import { expect, it } from "vitest";
import { parse } from "yaml";
import { renderStack } from "../../scripts/lib/render-stack";
import { describeRenderParity } from "./render-parity-assertions";

describeRenderParity("dev", () => {
  it("render shows one host without remote write or peers, with TLS and the app host's certificate as the probe's CA", () => {
    const files = renderStack("dev").bundle;
    const prom = parse(files["prometheus/prometheus.yml"]);
    expect(prom.global.external_labels).toEqual({ stack: "dev" });
    expect(prom.remote_write).toBeUndefined();
    expect(prom.alerting.alertmanagers).toHaveLength(1);
    expect(files["prometheus/tls/server.crt"]).toBe("<monitoring host TLS certificate>");
    expect(files["blackbox/probe-ca.crt"]).toBe("<app host TLS certificate>");
    expect(Object.keys(files).filter((p) => p.includes("peer-"))).toEqual([]);
    expect(() => renderStack("dev", { replica: 1 })).toThrow(/replica=1 is invalid: expected 0 to 0/);
  });
});
