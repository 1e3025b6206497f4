/**
 * prod's recorded inputs against AWS's own API models (see api-model-contracts.test.ts; one stack per file, since
 * the Pulumi runtime is process-global).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "../../scripts/lib/program-mocks";
import { API_MODEL_MAPPINGS } from "../../testkit/api-models/mapping";
import {
  API_MODELS,
  apiModelCoverage,
  checkApiModels,
  compilePattern,
  formatCoverage,
} from "../../testkit/api-models/check";

let run: StackRun;
beforeAll(async () => {
  run = await runStack("prod");
}, 60_000);

describe("AWS API models: prod's recorded inputs", () => {
  it("the web ACL's description is one WAFV2 CreateWebACL accepts (issue 21: prod's `pulumi up` failed on it)", () => {
    // hashicorp/terraform-provider-aws internal/service/wafv2/web_acl.go (read at 0073593e7d6993ba482409f4dc35438daaa79bb3)
    // validates `description` with validation.StringLenBetween(1, 256) only, so `pulumi preview` passes; the API
    // (model: WAFV2 EntityDescription) also requires the pattern below and refused the apostrophe at create time.
    const { description } = run.one("aws:wafv2/webAcl:WebAcl").inputs;
    const c = API_MODELS.members["wafv2 CreateWebACL.Description"];
    expect(c.pattern).toBe("^[\\w+=:#@/\\-,\\.][\\w+=:#@/\\-,\\.\\s]+[\\w+=:#@/\\-,\\.]$");
    expect(compilePattern(c.pattern!).test(String(description)), String(description)).toBe(true);
  });

  it("no input breaks its member's pattern, length, range or enum; coverage printed and held to a floor", () => {
    const coverage = apiModelCoverage(run.resources);
    console.log(formatCoverage("prod", coverage));
    expect(checkApiModels(run.resources)).toEqual([]);
    expect(coverage.filter((c) => c.unclassified.length || c.notExtracted.length)).toEqual([]);
    const checked = coverage.reduce((s, c) => s + c.checked.length, 0);
    const mappedTypes = coverage.filter((c) => c.type in API_MODEL_MAPPINGS).length;
    // The floor: prod's figures when this check was written (issue 21). Raise it as mappings grow.
    expect(checked).toBeGreaterThanOrEqual(139);
    expect(mappedTypes).toBeGreaterThanOrEqual(37);
    // The fleet's own types are all mapped (WAFv2, ELBv2, Auto Scaling, RDS, Secrets Manager); RDS's model
    // constrains none of the members its inputs are sent as, so they count as mapped but unconstrained.
    for (const t of [
      "aws:wafv2/webAcl:WebAcl",
      "aws:lb/loadBalancer:LoadBalancer",
      "aws:lb/targetGroup:TargetGroup",
      "aws:autoscaling/group:Group",
      "aws:rds/instance:Instance",
      "aws:secretsmanager/secret:Secret",
    ]) {
      const c = coverage.find((x) => x.type === t);
      expect((c?.checked.length ?? 0) + (c?.unconstrained.length ?? 0), t).toBeGreaterThan(0);
    }
  });
});
