/**
 * Mock-level assertions on everything SecurityBaseline and Network declare, for one stack.
 * (No AWS: these check the declared resources and rendered policies, not AWS's acceptance of them.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CIS_FILTERS } from "../../components/security/cis";
import { CIS_METRICS } from "../../monitoring-config";
import { ACCOUNT, policy, runStack, type Recorded, type StackRun } from "../../scripts/lib/program-mocks";
import { runPolicies } from "./policy-run";
import type { Environment } from "../../components/config";

type Stmt = Record<string, unknown> & {
  Sid?: string;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
};
const statements = (r: Recorded, key = "policy") => policy(r, key).Statement as Stmt[];
const sid = (r: Recorded, s: string, key = "policy") => {
  const found = statements(r, key).find((x) => x.Sid === s);
  if (!found) throw new Error(`${r.name}: no statement ${s}`);
  return found;
};

export function describeStack(stack: Environment): void {
  const prod = stack === "prod";
  describe(`${stack} stack (mock-level: Pulumi mocks, no AWS)`, () => {
    let run: StackRun;
    beforeAll(async () => {
      run = await runStack(stack);
    }, 60_000);

    it("exports the baseline outputs", async () => {
      expect(await run.output("trailName")).toBe(`observed-app-${stack}-trail`);
      expect(await run.output("alertTopicArn")).toMatch(/^arn:aws:sns:/);
      expect(await run.output("trailBucket")).toBeTruthy();
      expect(await run.output("guardDutyDetectorId")).toMatch(/^[0-9a-f]{32}$/);
      expect(await run.output("logGroups")).toEqual({
        trail: `/aws/cloudtrail/observed-app-${stack}-trail`,
        flowLogs: `/aws/vpc/observed-app-${stack}/flow-logs`,
        app: `/observed-app/observed-app-${stack}/taskflow`,
      });
    });

    it("network: a VPC with one public subnet per configured AZ behind an internet gateway (and, for prod's fleet, a private subnet per AZ with no route out)", () => {
      const vpc = run.one("aws:ec2/vpc:Vpc");
      expect(vpc.inputs.cidrBlock).toBe(prod ? "10.50.0.0/16" : "10.40.0.0/16");
      expect(vpc.inputs.enableDnsHostnames).toBe(true);
      const subnets = run.byType("aws:ec2/subnet:Subnet");
      const tier = (t: string) => subnets.filter((s) => (s.inputs.tags as Record<string, string>).Tier === t);
      const zones = prod ? 3 : 2;
      expect(tier("public")).toHaveLength(zones);
      expect(tier("private")).toHaveLength(prod ? zones : 0);
      expect(subnets).toHaveLength(tier("public").length + tier("private").length);
      for (const t of ["public", "private"]) {
        expect(new Set(tier(t).map((s) => s.inputs.availabilityZone)).size).toBe(tier(t).length);
        for (const s of tier(t)) expect(s.inputs.mapPublicIpOnLaunch).toBe(t === "public");
      }
      expect(new Set(subnets.map((s) => s.inputs.cidrBlock)).size).toBe(subnets.length);
      const rt = run.one("aws:ec2/routeTable:RouteTable", "-public");
      expect(rt.inputs.routes).toEqual([expect.objectContaining({ cidrBlock: "0.0.0.0/0" })]);
      if (prod) expect(run.one("aws:ec2/routeTable:RouteTable", "-private").inputs.routes).toBeUndefined();
      expect(run.byType("aws:ec2/routeTableAssociation:RouteTableAssociation")).toHaveLength(subnets.length);
    });

    it("trail: named, multi-region, global events, log-file validation, KMS, CloudWatch Logs with :*, created after its dependencies", () => {
      const t = run.one("aws:cloudtrail/trail:Trail");
      expect(t.inputs).toMatchObject({
        name: `observed-app-${stack}-trail`,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
      });
      expect(t.inputs.kmsKeyId).toMatch(/^arn:aws:kms:/);
      expect(t.inputs.cloudWatchLogsGroupArn).toMatch(/:log-group:\/aws\/cloudtrail\/.+:\*$/);
      expect(t.opts.dependsOn).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/-trail$/), // bucket policy and log group
          expect.stringMatching(/-trail-key$/),
          expect.stringMatching(/-trail-logs$/),
        ]),
      );
      const policyDep = run.byType("aws:s3/bucketPolicy:BucketPolicy").find((p) => t.opts.dependsOn.includes(p.name));
      expect(policyDep, "trail depends on the trail bucket policy").toBeDefined();
    });

    it("KMS keys rotate; the trail key grants CloudTrail exactly what the reference lists", () => {
      for (const k of run.byType("aws:kms/key:Key")) expect(k.inputs.enableKeyRotation).toBe(true);
      const key = run.one("aws:kms/key:Key", "trail-key");
      const gen = sid(key, "CloudTrailEncryptLogs");
      expect(gen.Action).toBe("kms:GenerateDataKey*");
      expect(gen.Condition?.StringLike?.["kms:EncryptionContext:aws:cloudtrail:arn"]).toBe(
        `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*`,
      );
      expect(gen.Condition?.StringEquals?.["aws:SourceArn"]).toMatch(/:trail\/observed-app-.+-trail$/);
      expect(sid(key, "CloudTrailDescribeKey").Action).toBe("kms:DescribeKey");
      expect(sid(key, "AccountReadsLogFiles").Condition?.Null).toEqual({
        "kms:EncryptionContext:aws:cloudtrail:arn": "false",
      });
      expect(sid(key, "CloudWatchLogsEncryptTrailGroup").Principal).toEqual({
        Service: `logs.${run.region}.amazonaws.com`,
      });
    });

    it("trail bucket: public access blocked, owner-enforced, SSE-KMS, versioned, lifecycle, access logging, TLS-only policy", () => {
      const pab = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "-trail");
      expect(pab.inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      expect(run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "-trail").inputs.rule).toEqual({
        objectOwnership: "BucketOwnerEnforced",
      });
      const sse = run.one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "-trail",
      );
      expect(sse.inputs.rules).toEqual([
        expect.objectContaining({
          applyServerSideEncryptionByDefault: expect.objectContaining({ sseAlgorithm: "aws:kms" }),
        }),
      ]);
      expect(run.one("aws:s3/bucketVersioning:BucketVersioning", "-trail").inputs.versioningConfiguration).toEqual({
        status: "Enabled",
      });
      const lc = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "-trail");
      const rule = (lc.inputs.rules as Record<string, unknown>[])[0];
      expect(rule.transitions).toEqual([{ days: 90, storageClass: "GLACIER" }]);
      expect((rule.expiration as { days: number }).days).toBe(prod ? 2555 : 120);
      expect(run.one("aws:s3/bucketLogging:BucketLogging").inputs.targetPrefix).toBe("trail-bucket/");

      const bp = run.byType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.name.endsWith("-trail"))!;
      const acl = sid(bp, "CloudTrailAclCheck");
      expect(acl.Action).toBe("s3:GetBucketAcl");
      const write = sid(bp, "CloudTrailWrite");
      expect(write.Resource).toMatch(new RegExp(`/AWSLogs/${ACCOUNT}/\\*$`));
      expect(write.Condition?.StringEquals).toMatchObject({ "s3:x-amz-acl": "bucket-owner-full-control" });
      expect(sid(bp, "TLSOnly")).toMatchObject({
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      });

      const logs = run.byType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.name.endsWith("-access-logs"))!;
      expect(sid(logs, "S3ServerAccessLogs").Principal).toEqual({ Service: "logging.s3.amazonaws.com" });
    });

    it("CloudTrail → CloudWatch Logs: role scoped to the trail's log streams, retention per stack", () => {
      const role = run.one("aws:iam/role:Role", "trail-logs");
      expect(statements(role, "assumeRolePolicy")[0].Principal).toEqual({ Service: "cloudtrail.amazonaws.com" });
      const rp = run.one("aws:iam/rolePolicy:RolePolicy", "trail-logs");
      const s = statements(rp)[0];
      expect(s.Action).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
      expect(s.Resource).toMatch(new RegExp(`:log-stream:${ACCOUNT}_CloudTrail_${run.region}\\*$`));
      const lg = run
        .byType("aws:cloudwatch/logGroup:LogGroup")
        .find((g) => String(g.inputs.name).startsWith("/aws/cloudtrail/"))!;
      expect(lg.inputs.retentionInDays).toBe(prod ? 365 : 14);
    });

    it("the 15 CIS metric filters, each with an alarm on the alert topic (Sum ≥ 1 over 300 s, missing = not breaching)", () => {
      const filters = run.byType("aws:cloudwatch/logMetricFilter:LogMetricFilter");
      expect(filters.map((f) => f.inputs.pattern).sort()).toEqual(CIS_FILTERS.map((f) => f.pattern).sort());
      expect(filters.map((f) => (f.inputs.metricTransformation as { name: string }).name).sort()).toEqual(
        [...CIS_METRICS].sort(),
      );
      const alarms = run
        .byType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((a) => a.inputs.namespace === "CISBenchmark");
      expect(alarms).toHaveLength(15);
      for (const a of alarms) {
        expect(a.inputs).toMatchObject({
          namespace: "CISBenchmark",
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
        });
        expect(a.inputs.alarmActions).toEqual([expect.stringMatching(/^arn:aws:sns:.*-alerts$/)]);
      }
      const unauthorized = CIS_FILTERS.find((f) => f.id === "4.1")!;
      // The benchmark's form, which Security Hub's CloudWatch.2 recognises: no exclusions added.
      expect(unauthorized.pattern).toBe(
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
      );
    });

    it(`alert topic: customer-managed key, publishable by CloudWatch alarms and the GuardDuty rule${prod ? " and the fleet's refresh-failed rule" : ""} only`, () => {
      const topic = run.one("aws:sns/topic:Topic", "-alerts");
      expect(topic.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:.*alerts-key$/);
      const tp = run.one("aws:sns/topicPolicy:TopicPolicy", "-alerts");
      expect(sid(tp, "CloudWatchAlarms").Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
      expect(sid(tp, "GuardDutyFindingsRule").Condition?.ArnEquals?.["aws:SourceArn"]).toMatch(
        /:rule\/.*guardduty-findings$/,
      );
      // Issue 21, finding 3: the fleet's rule paging on a refresh that did not roll out (prod runs the fleet).
      const stackRules = JSON.parse(tp.inputs.policy as string).Statement.filter(
        (st: { Sid?: string }) => st.Sid === "StackEventRules",
      );
      expect(stackRules.map((st: { Condition: unknown }) => st.Condition)).toEqual(
        prod
          ? [
              {
                ArnEquals: { "aws:SourceArn": [expect.stringMatching(/:rule\/observed-app-prod-app-refresh-failed$/)] },
              },
            ]
          : [],
      );
      const key = run.one("aws:kms/key:Key", "alerts-key");
      expect(sid(key, "AlarmAndEventPublishers").Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
      const subs = run.byType("aws:sns/topicSubscription:TopicSubscription");
      // E-mail gets pages and tickets on separate topics; nobody is subscribed to the heartbeat.
      expect(subs.map((s) => `${s.name}: ${s.inputs.endpoint}`)).toEqual(
        prod
          ? [
              `observed-app-prod-alerts-email: oncall@example.com`,
              `observed-app-prod-tickets-email: oncall@example.com`,
            ]
          : [],
      );
    });

    it("page, ticket and heartbeat topics are separate; a silent heartbeat pages (AWS/SNS dead man's switch)", () => {
      const topics = run.byType("aws:sns/topic:Topic");
      expect(topics.map((t) => t.inputs.name).sort()).toEqual(
        ["alerts", "heartbeat", "tickets"].map((x) => `observed-app-${stack}-${x}`),
      );
      for (const t of topics) expect(t.inputs.kmsMasterKeyId).toMatch(/alerts-key$/);
      const alarm = run.one("aws:cloudwatch/metricAlarm:MetricAlarm", "heartbeat-missing");
      expect(alarm.inputs).toMatchObject({
        namespace: "AWS/SNS",
        metricName: "NumberOfMessagesPublished",
        dimensions: { TopicName: `observed-app-${stack}-heartbeat` },
        statistic: "Sum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        treatMissingData: "breaching",
      });
      expect(Number(alarm.inputs.period) * Number(alarm.inputs.evaluationPeriods)).toBeLessThanOrEqual(900);
      expect(alarm.inputs.alarmActions).toEqual([expect.stringMatching(/-alerts$/)]);
    });

    it("GuardDuty: detector with explicit features and frequency (EC2 runtime monitoring off: it could cover nothing); findings ≥ severity 4 routed to the topic", () => {
      const d = run.one("aws:guardduty/detector:Detector");
      expect(d.inputs.findingPublishingFrequency).toBe(prod ? "FIFTEEN_MINUTES" : "SIX_HOURS");
      expect(d.inputs.datasources).toBeUndefined();
      const features = run.byType("aws:guardduty/detectorFeature:DetectorFeature");
      expect(features.map((f) => f.inputs.name).sort()).toEqual([
        "EBS_MALWARE_PROTECTION",
        "RUNTIME_MONITORING",
        "S3_DATA_EVENTS",
      ]);
      const runtime = features.find((f) => f.inputs.name === "RUNTIME_MONITORING")!;
      // Issue 21, finding 4: its agent needs SSM-managed instances and SSM endpoints the stack does not have.
      expect(runtime.inputs.status).toBe("DISABLED");
      expect(runtime.inputs.additionalConfigurations).toEqual([
        { name: "EC2_AGENT_MANAGEMENT", status: runtime.inputs.status },
      ]);
      const rule = run.one("aws:cloudwatch/eventRule:EventRule", "-guardduty-findings");
      expect(JSON.parse(rule.inputs.eventPattern as string)).toEqual({
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: { severity: [{ numeric: [">=", 4] }] },
      });
      expect(run.one("aws:cloudwatch/eventTarget:EventTarget", "-guardduty-findings").inputs.arn).toMatch(
        /^arn:aws:sns:/,
      );
    });

    it("VPC Flow Logs to CloudWatch Logs with a role scoped by aws:SourceAccount", () => {
      const fl = run.one("aws:ec2/flowLog:FlowLog");
      expect(fl.inputs).toMatchObject({ trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
      const role = run.one("aws:iam/role:Role", "flow-logs");
      const trust = statements(role, "assumeRolePolicy")[0];
      expect(trust.Principal).toEqual({ Service: "vpc-flow-logs.amazonaws.com" });
      expect(trust.Condition?.StringEquals?.["aws:SourceAccount"]).toBe(ACCOUNT);
      const lg = run
        .byType("aws:cloudwatch/logGroup:LogGroup")
        .find((g) => String(g.inputs.name).includes("flow-logs"))!;
      expect(lg.inputs.retentionInDays).toBe(prod ? 90 : 7);
    });

    it(
      prod
        ? "account hardening: EBS encryption by default and the account S3 public access block, kept when the stack is destroyed"
        : "dev leaves the account-wide settings alone by default (manageAccountSettings: dev false, prod true)",
      () => {
        const ebs = run.byType("aws:ebs/encryptionByDefault:EncryptionByDefault");
        const s3 = run.byType("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock");
        if (!prod) {
          expect([...ebs, ...s3]).toEqual([]);
          return;
        }
        expect(ebs.map((r) => r.inputs.enabled)).toEqual([true]);
        expect(s3.map((r) => r.inputs)).toEqual([
          expect.objectContaining({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          }),
        ]);
        for (const r of [...ebs, ...s3]) expect(r.opts.retainOnDelete, r.name).toBe(true);
      },
    );

    it(`the trail and the GuardDuty detector are ${prod ? "" : "not "}protected and retained`, () => {
      for (const r of [run.one("aws:cloudtrail/trail:Trail"), run.one("aws:guardduty/detector:Detector")]) {
        expect(r.opts.protect ?? false, r.name).toBe(prod);
        expect(r.opts.retainOnDelete ?? false, r.name).toBe(prod);
      }
    });

    it(
      prod ? "prod protects and retains audit data" : "dev can be destroyed: buckets force-destroy, nothing protected",
      () => {
        const buckets = run.byType("aws:s3/bucket:Bucket");
        // The trail's and its access logs'; prod's fleet adds the load balancer's access logs.
        expect(buckets).toHaveLength(prod ? 3 : 2);
        const baseline = `observed-app-${stack}`;
        const audit = [
          ...buckets.filter((b) => b.opts.parent === baseline),
          run.one("aws:kms/key:Key", "trail-key"),
          ...run.byType("aws:cloudwatch/logGroup:LogGroup").filter((g) => g.opts.parent === baseline),
        ];
        expect(audit.length).toBeGreaterThanOrEqual(5);
        for (const r of buckets) expect(r.inputs.forceDestroy).toBe(!prod);
        for (const r of audit) {
          expect(r.opts.protect ?? false, r.name).toBe(prod);
          expect(r.opts.retainOnDelete ?? false, r.name).toBe(prod);
        }
      },
    );

    it("the policy pack passes with 0 violations", async () => {
      expect(await runPolicies(run.resources)).toEqual([]);
    });

    it("every component child is parented and named after its own component", () => {
      const componentList = run.resources.filter((r) => r.type.startsWith("observed-app:index:"));
      expect(componentList.map((c) => c.type).sort()).toEqual(
        [
          "observed-app:index:MonitoringHost",
          "observed-app:index:Network",
          "observed-app:index:ObservedApp",
          "observed-app:index:SecurityBaseline",
          // prod runs the fleet tier: its database, load balancer and Auto Scaling group; dev the host tier.
          ...(prod
            ? ["observed-app:index:AppFleet", "observed-app:index:Database", "observed-app:index:FrontDoor"]
            : ["observed-app:index:AppHost"]),
        ].sort(),
      );
      const components = new Map(componentList.map((c) => [c.name, c.type]));
      const custom = run.resources.filter(
        (r) => !r.type.startsWith("observed-app:index:") && !r.type.startsWith("pulumi:"),
      );
      expect(custom.length).toBeGreaterThan(60);
      for (const r of custom) {
        const parent = r.opts.parent;
        expect(parent && components.has(parent), `${r.type} ${r.name} is parented by a component`).toBe(true);
        expect(r.name.startsWith(`${parent}-`), `${r.name} is named after its component ${parent}`).toBe(true);
        expect(r.name.startsWith(`observed-app-${stack}-`), r.name).toBe(true);
      }
      // The app's and the monitoring host's children carry their component's name, not only the stack prefix.
      for (const [name, type] of components) {
        if (type.endsWith(":ObservedApp")) expect(name).toBe(`observed-app-${stack}-app`);
        if (type.endsWith(":MonitoringHost")) expect(name).toBe(`observed-app-${stack}-monitoring`);
      }
    });
  });
}
