/**
 * Mock-level (Pulumi mocks, no AWS): prod's fleet with a domain. HTTPS on 443 with an ACM certificate validated
 * by DNS in the configured hosted zone, HTTP on 80 redirecting to it, an alias record, and the https app URL.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TLS_POLICY } from "../../components/front-door";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";

const DOMAIN = "tasks.example.com";
const ZONE = "Z0123456789ABCDEFGHIJ";
let run: StackRun;
beforeAll(async () => {
  run = await runStack("prod", { appDomain: DOMAIN, appHostedZoneId: ZONE });
}, 60_000);

describe("prod app fleet with a domain (mock-level: Pulumi mocks, no AWS)", () => {
  it("HTTPS 443 with the DNS-validated certificate and a TLS 1.2+ policy; HTTP 80 only redirects", () => {
    const cert = run.one("aws:acm/certificate:Certificate");
    expect(cert.inputs).toMatchObject({ domainName: DOMAIN, validationMethod: "DNS" });
    const validation = run.one("aws:route53/record:Record", "-cert-validation");
    expect(validation.inputs).toMatchObject({
      zoneId: ZONE,
      name: `_0123.${DOMAIN}.`,
      type: "CNAME",
      records: ["_4567.acm-validations.aws."],
    });
    const validated = run.one("aws:acm/certificateValidation:CertificateValidation");
    expect(validated.inputs).toMatchObject({
      certificateArn: cert.state.arn,
      validationRecordFqdns: [`_0123.${DOMAIN}`],
    });

    const listeners = new Map(run.byType("aws:lb/listener:Listener").map((l) => [l.inputs.port, l]));
    expect([...listeners.keys()].sort()).toEqual([443, 80]);
    const https = listeners.get(443)!;
    const tg = run.one("aws:lb/targetGroup:TargetGroup");
    expect(https.inputs).toMatchObject({ protocol: "HTTPS", sslPolicy: TLS_POLICY, certificateArn: cert.state.arn });
    expect(https.inputs.defaultActions).toEqual([{ type: "forward", targetGroupArn: tg.state.arn }]);
    expect(listeners.get(80)!.inputs.defaultActions).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
  });

  it("an alias record names the load balancer, the app URL is https on the domain, and the listener ports are the only public ones", async () => {
    const alias = run.one("aws:route53/record:Record", "-alias");
    const lb = run.one("aws:lb/loadBalancer:LoadBalancer");
    expect(alias.inputs).toMatchObject({
      zoneId: ZONE,
      name: DOMAIN,
      type: "A",
      aliases: [{ name: lb.state.dnsName, zoneId: lb.state.zoneId, evaluateTargetHealth: true }],
    });
    expect(await run.output("appUrl")).toBe(`https://${DOMAIN}`);
    const sg = run.one("aws:ec2/securityGroup:SecurityGroup", "-front-sg");
    expect(sg.inputs.ingress).toBeUndefined();
    const listenerRules = run
      .byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.inputs.securityGroupId === `${sg.name}-id`);
    expect(listenerRules.map((r) => r.inputs.fromPort)).toEqual([80, 443]);
  });
});
