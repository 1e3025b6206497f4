/**
 * The recorded inputs of dev (prod: api-model-contracts-prod.test.ts) against AWS's own API models: every string
 * and number input mapped to its API member (testkit/api-models/mapping.ts) must satisfy the member's
 * `pattern`, `length`, `range` and enum values as published in aws/api-models-aws (extracted into
 * testkit/api-models/constraints.json with the commit they were read at). Mocks accept any string; AWS does
 * not. Each rule family has a fixture that breaks it and must fail with the model's own message; the coverage
 * (inputs checked, inputs unmapped and why) is printed and held to a floor.
 */
import { describe, expect, it } from "vitest";
import { runStack } from "../../scripts/lib/program-mocks";
import { checkContracts, type ResourceInputs } from "../../testkit/provider-contracts";
import {
  API_MODEL_RULES,
  API_MODELS,
  apiModelCoverage,
  checkApiModels,
  compilePattern,
  constraintProblems,
  FAMILIES,
  formatCoverage,
  javaCompatible,
} from "../../testkit/api-models/check";
import { API_MODEL_MAPPINGS } from "../../testkit/api-models/mapping";
import { memberKey, withListMembers } from "../../testkit/api-models/members";
import { resolveMember } from "../../testkit/api-models/smithy";

const fixture = (type: string, inputs: Record<string, unknown>): ResourceInputs => ({ type, name: "fixture", inputs });
const model = (key: string) => {
  const c = API_MODELS.members[key];
  if (!c) throw new Error(`${key} is not in constraints.json`);
  return c;
};

/** One input per rule family that the API refuses, and the model's words it must be refused with. */
const broken: Record<string, { r: ResourceInputs; message: string }> = {
  // prod's web ACL description before issue 21: the apostrophe is outside WAFV2's EntityDescription pattern.
  "api-model-pattern": {
    r: fixture("aws:wafv2/webAcl:WebAcl", {
      name: "observed-app-prod-app",
      scope: "REGIONAL",
      description: "TaskFlow's load balancer: AWS managed rules and a per-IP rate limit",
    }),
    message: `Member must satisfy regular expression pattern: ${model("wafv2 CreateWebACL.Description").pattern}`,
  },
  // EventBridge rule names: at most 64 characters.
  "api-model-length": {
    r: fixture("aws:cloudwatch/eventRule:EventRule", { name: `observed-app-production-${"x".repeat(41)}` }),
    message: `Member must have length less than or equal to ${model("eventbridge PutRule.Name").length?.max}`,
  },
  // A rate-based rule's limit: at least 10 requests per window.
  "api-model-range": {
    r: fixture("aws:wafv2/webAcl:WebAcl", {
      name: "app",
      scope: "REGIONAL",
      rules: [{ name: "rate", priority: 0, statement: { rateBasedStatement: { limit: 5, aggregateKeyType: "IP" } } }],
    }),
    message: `Member must have value greater than or equal to ${model("wafv2 CreateWebACL.Rules[].Statement.RateBasedStatement.Limit").range?.min}`,
  },
  // GuardDuty feature names are the model's enum (S3 protection is S3_DATA_EVENTS).
  "api-model-enum": {
    r: fixture("aws:guardduty/detectorFeature:DetectorFeature", {
      detectorId: "d",
      name: "S3_PROTECTION",
      status: "ENABLED",
    }),
    message: `Member must satisfy enum value set: [${model("guardduty UpdateDetector.Features[].Name").enum?.join(", ")}]`,
  },
};

describe("AWS API models: the vendored constraints", () => {
  it("are read from aws/api-models-aws at a recorded commit, one model file per service", () => {
    expect(API_MODELS.repository).toBe("https://github.com/aws/api-models-aws");
    expect(API_MODELS.commit).toMatch(/^[0-9a-f]{40}$/);
    const services = new Set(Object.values(API_MODEL_MAPPINGS).map((m) => m.service));
    expect(Object.keys(API_MODELS.models).sort()).toEqual([...services].sort());
    for (const [service, m] of Object.entries(API_MODELS.models))
      expect(m.path).toMatch(new RegExp(`^${service}/service/`));
  });

  it("hold every member the mapping names (else re-run testkit/api-models/extract.ts)", () => {
    const missing = Object.values(API_MODEL_MAPPINGS).flatMap((m) =>
      Object.values(withListMembers(m.members))
        .map((r) => memberKey(m.service, r.member))
        .filter((k) => !(k in API_MODELS.members)),
    );
    expect(missing).toEqual([]);
  });

  it("every pattern compiles as ECMAScript (u flag), with \\s read as Java reads it", () => {
    const patterns = Object.values(API_MODELS.members).flatMap((c) => (c.pattern ? [c.pattern] : []));
    expect(patterns.length).toBeGreaterThan(40);
    for (const p of patterns) expect(() => compilePattern(p), p).not.toThrow();
    // Java's \s is ASCII whitespace: a no-break space is refused by AWS though ECMAScript's \s matches it.
    const waf = model("wafv2 CreateWebACL.Description");
    expect(new RegExp(waf.pattern!, "u").test("TaskFlow\u00a0load balancer")).toBe(true);
    expect(compilePattern(waf.pattern!).test("TaskFlow\u00a0load balancer")).toBe(false);
    expect(compilePattern(waf.pattern!).test("TaskFlow load balancer: AWS managed rules")).toBe(true);
    expect(javaCompatible("[\\s]\\S")).toBe("[\\t\\n\\v\\f\\r ][^\\t\\n\\v\\f\\r ]");
  });

  it("lengths count Unicode code points, as Smithy specifies, and list lengths count elements", () => {
    const description = model("secrets-manager CreateSecret.Description"); // 0..2048
    expect(constraintProblems("🔑".repeat(2048), description)).toEqual([]); // 4096 UTF-16 units
    expect(constraintProblems("🔑".repeat(2049), description)).toHaveLength(1);
    const actions = model("cloudwatch PutMetricAlarm.AlarmActions"); // a list of at most 5
    expect(constraintProblems(Array(6).fill("arn:aws:sns:eu-west-1:123456789012:t"), actions)).toEqual([
      { family: "length", message: "Member must have length less than or equal to 5" },
    ]);
  });

  it("the extractor reads member traits over target traits, enums and maps (a small Smithy model)", () => {
    const m = {
      shapes: {
        "x#Op": { type: "operation", input: { target: "x#In" } },
        "x#In": {
          type: "structure",
          members: {
            Name: { target: "x#Name", traits: { "smithy.api#length": { min: 1, max: 8 } } },
            Tags: { target: "x#Tags" },
            Kind: { target: "x#Kind" },
          },
        },
        "x#Name": { type: "string", traits: { "smithy.api#pattern": "^[a-z]+$", "smithy.api#length": { max: 99 } } },
        "x#Tags": { type: "map", key: { target: "x#Name" }, value: { target: "smithy.api#String" } },
        "x#Kind": {
          type: "enum",
          members: { A: { target: "smithy.api#Unit", traits: { "smithy.api#enumValue": "a" } } },
        },
      },
    };
    expect(resolveMember(m, "Op.Name")).toEqual({
      shape: "x#Name",
      type: "string",
      pattern: "^[a-z]+$",
      length: { min: 1, max: 8 },
    });
    expect(resolveMember(m, "Op.Tags{key}").length).toEqual({ max: 99 });
    expect(resolveMember(m, "Op.Tags{value}")).toEqual({ shape: "smithy.api#String", type: "string" });
    expect(resolveMember(m, "Op.Kind").enum).toEqual(["a"]);
    expect(() => resolveMember(m, "Op.Nope")).toThrow(/has no Nope/);
  });
});

describe("AWS API models: each rule family has a breaking fixture that fails with the model's own message", () => {
  it("every family has a fixture", () => {
    expect(Object.keys(broken).sort()).toEqual(FAMILIES.map((f) => `api-model-${f}`).sort());
    expect(API_MODEL_RULES.map((r) => r.id).sort()).toEqual(Object.keys(broken).sort());
  });

  for (const [id, { r, message }] of Object.entries(broken)) {
    it(`${id}: ${r.type} is refused with "${message.slice(0, 70)}…"`, () => {
      // Through the provider-contract runner (testkit/contract-rule.ts shape), like every other rule.
      const v = checkContracts([r], API_MODEL_RULES);
      expect(v.map((x) => x.rule)).toEqual([id]);
      expect(v[0].allowed).toContain(message);
      expect(v[0].allowed).toContain(API_MODELS.commit.slice(0, 12));
    });
  }

  it("the pattern fixture's message names the member, its shape and the model's commit", () => {
    const [v] = checkApiModels([broken["api-model-pattern"].r]);
    expect(v).toMatchObject({
      resource: "aws:wafv2/webAcl:WebAcl fixture",
      property: "description",
      member: "wafv2 CreateWebACL.Description",
    });
    expect(v.allowed).toBe(
      `Value 'TaskFlow's load balancer: AWS managed rules and a per-IP rate limit' at 'Description' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ^[\\w+=:#@/\\-,\\.][\\w+=:#@/\\-,\\.\\s]+[\\w+=:#@/\\-,\\.]$ ` +
        `(wafv2 CreateWebACL.Description, shape com.amazonaws.wafv2#EntityDescription; aws/api-models-aws@${API_MODELS.commit.slice(0, 12)})`,
    );
  });

  it("name prefixes are checked with the provider's 26-character suffix; absent names as the provider's autoname", () => {
    const secret = fixture("aws:secretsmanager/secret:Secret", { namePrefix: "p".repeat(487) }); // 487 + 26 > 512
    expect(checkApiModels([secret]).map((v) => v.allowed)).toEqual([
      expect.stringContaining("Member must have length less than or equal to 512"),
    ]);
    const role = { type: "aws:iam/role:Role", name: "r".repeat(57), inputs: {} }; // 57 + "-" + 7 > 64
    expect(checkApiModels([role]).map((v) => v.property)).toEqual(["name"]);
  });
});

describe("AWS API models: dev's recorded inputs", () => {
  it("no input breaks its member's pattern, length, range or enum; coverage printed and held to a floor", async () => {
    const run = await runStack("dev");
    const coverage = apiModelCoverage(run.resources);
    console.log(formatCoverage("dev", coverage));
    expect(checkApiModels(run.resources)).toEqual([]);
    // Every string and number input is mapped, or named unmapped with its reason.
    expect(coverage.filter((c) => c.unclassified.length || c.notExtracted.length)).toEqual([]);
    const checked = coverage.reduce((s, c) => s + c.checked.length, 0);
    const mappedTypes = coverage.filter((c) => c.type in API_MODEL_MAPPINGS).length;
    // The floor: dev's figures when this check was written (issue 21). Raise it as mappings grow.
    expect(checked).toBeGreaterThanOrEqual(73);
    expect(mappedTypes).toBeGreaterThanOrEqual(24);
  }, 60_000);
});
