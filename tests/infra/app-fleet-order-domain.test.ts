/**
 * Mock-level (Pulumi mocks, no AWS): issue 21, finding 7, with a domain. The forwarding listener is then the HTTPS
 * one, which waits for ACM to validate the certificate (DNS): the Auto Scaling group, whose first `up` waits for
 * healthy targets, must be created after it, not beside it. Observed through the dependency list each
 * registration sends the engine (registration-deps.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { captureDependencies } from "./registration-deps";

const deps = captureDependencies();
let run: StackRun;
beforeAll(async () => {
  run = await runStack("prod", { appDomain: "tasks.example.com", appHostedZoneId: "Z0123456789ABCDEFGHIJ" });
}, 60_000);

describe("prod app fleet with a domain: creation order (mock-level: Pulumi mocks, no AWS)", () => {
  it("mock-level: the Auto Scaling group waits for the HTTPS listener that forwards to its target group, and so for the certificate's validation", () => {
    const asg = run.one("aws:autoscaling/group:Group");
    const https = run.byType("aws:lb/listener:Listener").find((l) => l.inputs.protocol === "HTTPS")!;
    expect((https.inputs.defaultActions as { type: string }[])[0].type).toBe("forward");
    expect(deps.direct.get(asg.key)).toContain(https.key);
    const validation = run.one("aws:acm/certificateValidation:CertificateValidation");
    expect(deps.closure(https.key).has(validation.key)).toBe(true);
    expect(deps.closure(asg.key).has(validation.key)).toBe(true);
    // And not the other way round: nothing the listener waits for waits for the group.
    expect(deps.closure(https.key).has(asg.key)).toBe(false);
  });
});
