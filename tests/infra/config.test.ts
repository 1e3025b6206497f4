import { describe, expect, it } from "vitest";
import {
  CONFIG_SCHEMA,
  ConfigError,
  ENVIRONMENTS,
  archOf,
  environmentSpec,
  parseSettings,
  type Environment,
  type RawConfig,
} from "../../components/config";
import { stackConfig, TEST_API_TOKEN } from "../../scripts/lib/program-mocks";

/** The raw config of a stack as the CLI would pass it (keys without the project prefix). */
function raw(stack: Environment, overrides: Record<string, unknown> = {}): RawConfig {
  const out: RawConfig = {};
  for (const [k, v] of Object.entries(stackConfig(stack, { apiToken: TEST_API_TOKEN, ...overrides }))) {
    if (k.startsWith("observed-app:")) out[k.slice("observed-app:".length)] = v;
  }
  return out;
}
const parse = (stack: Environment, overrides: Record<string, unknown> = {}, drop: string[] = []) => {
  const r = raw(stack, overrides);
  for (const k of drop) delete r[k];
  return parseSettings(r, { project: "observed-app", stack, region: "eu-west-1" });
};

describe("stack config validation (pure; no Pulumi engine)", () => {
  it("dev and prod parse with their documented defaults", () => {
    const dev = parse("dev");
    expect(dev).toMatchObject({
      environment: "dev",
      protection: { keepData: false },
      network: { vpcCidr: "10.40.0.0/16", azCount: 2 },
      app: {
        instanceType: "t4g.small",
        arch: "arm64",
        port: 3000,
        metricsPort: 9464,
        logRetentionDays: 14,
        faultInjection: true,
      },
      security: {
        trailLogRetentionDays: 14,
        flowLogRetentionDays: 7,
        forceDestroy: true,
        guardDutyFindingFrequency: "SIX_HOURS",
      },
    });
    const prod = parse("prod");
    expect(prod).toMatchObject({
      environment: "prod",
      protection: { keepData: true },
      network: { vpcCidr: "10.50.0.0/16", azCount: 3 },
      monitoring: { alertEmail: "oncall@example.com", prometheusRetention: "30d" },
      security: {
        trailLogRetentionDays: 365,
        trailBucketExpireDays: 2555,
        forceDestroy: false,
        guardDutyFindingFrequency: "FIFTEEN_MINUTES",
      },
    });
    expect(archOf("t3.small")).toBe("x86_64");
    expect(archOf("c7g.large")).toBe("arm64");
  });

  it("keeps secrets secret", async () => {
    const s = parse("dev");
    const pulumi = await import("@pulumi/pulumi");
    expect(await pulumi.isSecret(s.app.apiToken)).toBe(true);
  });

  const invalid: [string, Environment, Record<string, unknown>, RegExp, string[]?][] = [
    ["VPC CIDR not a CIDR", "dev", { vpcCidr: "10.0.0.0" }, /vpcCidr="10.0.0.0".*IPv4 CIDR/],
    ["VPC CIDR too large", "dev", { vpcCidr: "10.0.0.0/8" }, /vpcCidr=.*prefix from \/16 to \/24/],
    ["VPC CIDR with host bits", "dev", { vpcCidr: "10.0.0.1/16" }, /vpcCidr=.*host bits/],
    ["octet out of range", "dev", { vpcCidr: "10.300.0.0/16" }, /vpcCidr="10.300.0.0\/16"/],
    ["admin CIDR malformed", "dev", { adminCidrs: ["bad"] }, /adminCidrs\[0\]="bad"/],
    ["admin CIDR world-open in prod", "prod", { adminCidrs: ["0.0.0.0/0"] }, /adminCidrs=.*not allowed in prod/],
    ["admin CIDRs missing", "dev", {}, /adminCidrs=undefined.*required/, ["adminCidrs"]],
    ["admin CIDRs empty", "dev", { adminCidrs: [] }, /adminCidrs=.*non-empty/],
    ["AZ count", "dev", { availabilityZones: 7 }, /availabilityZones=.*integer from 1 to 4/],
    [
      "log retention not accepted by CloudWatch",
      "dev",
      { appLogRetentionDays: 10 },
      /appLogRetentionDays=.*accepts only 1, 3, 5, 7, 14/,
    ],
    ["trail log retention", "prod", { trailLogRetentionDays: 100 }, /trailLogRetentionDays=.*accepts only/],
    ["flow log retention", "dev", { flowLogRetentionDays: 0 }, /flowLogRetentionDays=.*accepts only/],
    ["unknown instance family", "dev", { appInstanceType: "x9.large" }, /appInstanceType="x9.large".*family one of t3/],
    ["unknown instance size", "dev", { monitoringInstanceType: "t4g.huge" }, /monitoringInstanceType="t4g.huge"/],
    ["malformed e-mail", "prod", { alertEmail: "oncall-at-example" }, /alertEmail="oncall-at-example".*e-mail/],
    ["missing API token", "dev", {}, /apiToken=undefined.*required secret.*--secret apiToken/, ["apiToken"]],
    ["short API token", "dev", { apiToken: "short" }, /apiToken="\[secret\]".*at least 32/],
    ["short Grafana password", "dev", { grafanaAdminPassword: "abc" }, /grafanaAdminPassword=.*at least 12/],
    [
      "Slack URL not a Slack webhook",
      "dev",
      { slackWebhookUrl: "http://example.com" },
      /slackWebhookUrl=.*hooks.slack.com/,
    ],
    ["fault injection in prod", "prod", { appFaultInjection: true }, /appFaultInjection=true.*not allowed in prod/],
    ["forceDestroy in prod", "prod", { forceDestroy: true }, /forceDestroy=true.*prod never/],
    ["prod expiry below a year", "prod", { trailBucketExpireDays: 200 }, /trailBucketExpireDays=200.*at least 365/],
    [
      "GuardDuty frequency",
      "dev",
      { guardDutyFindingFrequency: "HOURLY" },
      /guardDutyFindingFrequency="HOURLY".*FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS/,
    ],
    ["GuardDuty severity", "dev", { guardDutyMinSeverity: 9.5 }, /guardDutyMinSeverity=.*1 to 8.9/],
    [
      "GuardDuty detector id",
      "dev",
      { guardDutyExistingDetectorId: "nope" },
      /guardDutyExistingDetectorId="nope".*32-character/,
    ],
    ["metrics port equals app port", "dev", { appMetricsPort: 3000 }, /appMetricsPort=3000.*differ/],
    ["port out of range", "dev", { appPort: 70000 }, /appPort=.*1 to 65535/],
    ["boolean not a boolean", "dev", { manageAccountSettings: "yes" }, /manageAccountSettings="yes".*true or false/],
    ["Prometheus retention", "dev", { prometheusRetention: "forever" }, /prometheusRetention="forever".*duration/],
  ];
  it(`rejects ${invalid.length} invalid configs, each naming the key, the value and what is allowed`, () => {
    expect(invalid.length).toBeGreaterThanOrEqual(20);
  });
  for (const [what, stack, overrides, message, drop] of invalid) {
    it(`rejects ${what} (${stack})`, () => {
      expect(() => parse(stack, overrides, drop)).toThrow(ConfigError);
      expect(() => parse(stack, overrides, drop)).toThrow(message);
    });
  }
});

describe("app tier config (pure; no Pulumi engine)", () => {
  const bad =
    (stack: Environment, overrides: Record<string, unknown>, drop: string[] = []) =>
    () =>
      parse(stack, overrides, drop);

  it("dev defaults to the host tier, prod to the fleet with 2–6 instances, WAF, db.t4g.medium and 14 days of backups", () => {
    expect(parse("dev").app.tier).toBe("host");
    const prod = parse("prod");
    expect(prod.app.tier).toBe("fleet");
    expect(prod.fleet).toEqual({
      minSize: 2,
      maxSize: 6,
      domain: { name: "tasks.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" },
      waf: { enabled: true, rateLimit: 2000 },
    });
    expect(prod.database).toEqual({ instanceClass: "db.t4g.medium", storageGiB: 20, backupRetentionDays: 14 });
    const devFleet = parse("dev", { appTier: "fleet" });
    expect(devFleet.fleet).toMatchObject({ minSize: 1, maxSize: 2, waf: { enabled: false } });
    expect(devFleet.database).toMatchObject({ instanceClass: "db.t4g.micro", backupRetentionDays: 1 });
  });

  it("an unknown tier names the key and the allowed values", () => {
    expect(bad("dev", { appTier: "cluster" })).toThrow(
      'config appTier="cluster" is invalid: allowed values are host, fleet',
    );
  });

  it("prod refuses one host, fewer than 2 instances, no WAF and under 14 days of backups", () => {
    expect(bad("prod", { appTier: "host" })).toThrow(/appTier="host" is invalid: prod runs the fleet/);
    expect(bad("prod", { appMinSize: 1 })).toThrow(/appMinSize=1 is invalid: prod runs at least 2 app instances/);
    expect(bad("prod", { appWaf: false })).toThrow(/appWaf=false is invalid: prod puts a WAF/);
    expect(bad("prod", { dbBackupRetentionDays: 7 })).toThrow(
      /dbBackupRetentionDays=7 is invalid: prod keeps at least 14/,
    );
  });

  it("the fleet needs two zones, a /21 VPC, a maximum at least its minimum, and a domain with its zone", () => {
    expect(bad("dev", { appTier: "fleet", availabilityZones: 1 })).toThrow(
      /availabilityZones=1 is invalid: the fleet tier needs at least 2/,
    );
    expect(bad("dev", { appTier: "fleet", vpcCidr: "10.40.0.0/22" })).toThrow(
      /vpcCidr="10.40.0.0\/22" is invalid: the fleet tier needs a \/21 or larger VPC/,
    );
    expect(bad("dev", { appTier: "fleet", appMinSize: 3, appMaxSize: 2 })).toThrow(
      /appMaxSize=2 is invalid: must be at least appMinSize \(3\)/,
    );
    expect(bad("dev", { appTier: "fleet", appDomain: "tasks.example.com" })).toThrow(
      /config appHostedZoneId=undefined is invalid: appDomain and appHostedZoneId go together/,
    );
    expect(bad("dev", { appTier: "fleet", appDomain: "Tasks Example" })).toThrow(
      /appDomain="Tasks Example" is invalid: expected a lower-case DNS name/,
    );
    expect(
      parse("dev", { appTier: "fleet", appDomain: "tasks.example.com", appHostedZoneId: "Z0123456789ABCDEFGHIJ" }).fleet
        .domain,
    ).toEqual({ name: "tasks.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" });
  });

  it("the instances' pools must fit under 80 % of the database's max_connections", () => {
    // db.t4g.micro: max_connections 100, so at most 8 instances of 10 connections.
    expect(parse("dev", { appTier: "fleet", appMaxSize: 8 }).fleet.maxSize).toBe(8);
    expect(bad("dev", { appTier: "fleet", appMaxSize: 9 })).toThrow(
      /appMaxSize=9 is invalid: 9 instances × 10 connections exceed 80 % of db\.t4g\.micro's max_connections \(80\)/,
    );
    expect(bad("dev", { appTier: "fleet", dbInstanceClass: "db.x1.huge" })).toThrow(
      /dbInstanceClass="db.x1.huge" is invalid: expected an RDS class/,
    );
  });
});

describe("what each environment means (components/config/environments.ts)", () => {
  it("every refusal names a declared key, and every per-environment default is a value the schema accepts", () => {
    for (const e of ENVIRONMENTS) {
      const spec = environmentSpec(e);
      for (const r of spec.refusals) expect(Object.keys(CONFIG_SCHEMA), `${e}: ${r.key}`).toContain(r.key);
      for (const [k, v] of Object.entries(spec.defaults)) {
        expect(Object.keys(CONFIG_SCHEMA), `${e}: default of ${k}`).toContain(k);
        const check = (CONFIG_SCHEMA as Record<string, { check?: (v: unknown) => unknown }>)[k]?.check;
        expect(check?.(v) ?? null, `${e}: ${k}=${JSON.stringify(v)}`).toBeNull();
      }
    }
  });

  it("each environment's defaults parse without tripping its own refusals", () => {
    for (const e of ENVIRONMENTS) {
      const s = parse(e);
      expect(s.environment).toBe(e);
      expect(s.protection).toEqual(environmentSpec(e).protection);
    }
  });
});

// Issue 24 (High): prod served the API over plain HTTP; the config refused a missing WAF in prod, not a missing domain.
describe("prod refuses to deploy without TLS (pure; no Pulumi engine)", () => {
  const parseIn = (stack: Environment, overrides: Record<string, unknown>) => () =>
    parseSettings(raw(stack, overrides), { project: "observed-app", stack, region: "eu-west-1" });
  const ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012";
  /** Pulumi.prod.yaml's domain and hosted zone unset (an empty value is an unset key). */
  const NO_TLS = { appDomain: "", appHostedZoneId: "" };

  it("prod without a domain and without a certificate ARN is refused, naming the keys", () => {
    expect(parseIn("prod", NO_TLS)).toThrow(
      "config appDomain=undefined is invalid: prod serves HTTPS only: set appDomain with appHostedZoneId (an ACM certificate validated in Route 53) or with appCertificateArn (an ACM certificate of the stack's region)",
    );
    expect(parseIn("prod", NO_TLS)).toThrow(ConfigError);
  });

  it("prod parses with a domain and its hosted zone (ACM validates in Route 53)", () => {
    const domain = { name: "tasks.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" };
    expect(
      parseIn("prod", { ...NO_TLS, appDomain: domain.name, appHostedZoneId: domain.hostedZoneId })().fleet.domain,
    ).toEqual(domain);
  });

  it("prod parses with a domain and an imported certificate ARN, with or without a hosted zone", () => {
    expect(
      parseIn("prod", { ...NO_TLS, appDomain: "tasks.example.com", appCertificateArn: ARN })().fleet.domain,
    ).toEqual({
      name: "tasks.example.com",
      certificateArn: ARN,
    });
    expect(parseIn("prod", { appCertificateArn: ARN })().fleet.domain).toEqual({
      name: "tasks.example.com",
      hostedZoneId: "Z0123456789ABCDEFGHIJ",
      certificateArn: ARN,
    });
  });

  it("a certificate ARN needs the domain it covers: the load balancer's own name is in no certificate", () => {
    expect(parseIn("dev", { appTier: "fleet", appCertificateArn: ARN })).toThrow(
      /config appDomain=undefined is invalid: appCertificateArn needs appDomain, the name its certificate covers/,
    );
    expect(parseIn("prod", { ...NO_TLS, appCertificateArn: ARN })).toThrow(
      /config appDomain=undefined is invalid: prod serves HTTPS only/,
    );
  });

  it("the certificate ARN must be an ACM certificate of the stack's region", () => {
    expect(parseIn("prod", { appCertificateArn: ARN.replace("eu-west-1", "us-east-1") })).toThrow(
      /appCertificateArn=".*us-east-1.*" is invalid: expected a certificate in the stack's region \(eu-west-1\)/,
    );
    for (const wrong of [
      "arn:aws:iam::123456789012:server-certificate/tasks",
      "arn:aws:acm:eu-west-1:12345:certificate/12345678-1234-1234-1234-123456789012",
      "arn:aws:acm:eu-west-1:123456789012:certificate/not-a-uuid",
    ]) {
      expect(parseIn("prod", { appCertificateArn: wrong }), wrong).toThrow(/expected an ACM certificate ARN such as/);
    }
  });

  it("dev's fleet may still run on plain HTTP (trials only)", () => {
    expect(parseIn("dev", { appTier: "fleet" })().fleet.domain).toBeUndefined();
  });
});
