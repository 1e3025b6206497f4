/**
 * Mock-level (Pulumi mocks, no AWS): prod's fleet with an imported certificate (`appCertificateArn`) and its
 * domain's DNS outside Route 53. The HTTPS listener uses that certificate: no ACM certificate is requested and no
 * Route 53 record is made; HTTP only redirects, and the app URL is https on the domain. Issue 24 (High).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TLS_POLICY } from "../../components/front-door";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { runPolicies } from "./policy-run";

const DOMAIN = "tasks.example.org";
const ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
let run: StackRun;
beforeAll(async () => {
  // An empty value is an unset key: Pulumi.prod.yaml's hosted zone is dropped.
  run = await runStack("prod", { appDomain: DOMAIN, appHostedZoneId: "", appCertificateArn: ARN });
}, 60_000);

describe("prod app fleet with an imported certificate (mock-level: Pulumi mocks, no AWS)", () => {
  it("mock-level: the HTTPS listener uses the configured certificate ARN with a TLS 1.2+ policy; HTTP 80 only redirects", () => {
    const listeners = new Map(run.byType("aws:lb/listener:Listener").map((l) => [l.inputs.port, l]));
    expect([...listeners.keys()].sort()).toEqual([443, 80]);
    const tg = run.one("aws:lb/targetGroup:TargetGroup");
    expect(listeners.get(443)!.inputs).toMatchObject({
      protocol: "HTTPS",
      sslPolicy: TLS_POLICY,
      certificateArn: ARN,
      defaultActions: [{ type: "forward", targetGroupArn: tg.state.arn }],
    });
    expect(listeners.get(80)!.inputs.defaultActions).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
  });

  it("mock-level: no ACM certificate, no validation and no Route 53 record are created", () => {
    expect(run.byType("aws:acm/certificate:Certificate")).toEqual([]);
    expect(run.byType("aws:acm/certificateValidation:CertificateValidation")).toEqual([]);
    expect(run.byType("aws:route53/record:Record")).toEqual([]);
  });

  it("mock-level: the app URL is https on the certificate's domain, and the policy pack passes", async () => {
    expect(await run.output("appUrl")).toBe(`https://${DOMAIN}`);
    expect(await runPolicies(run.resources)).toEqual([]);
  });
});
