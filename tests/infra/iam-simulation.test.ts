/**
 * IAM policy simulation (@cloud-copilot/iam-simulate) of the resource policies SecurityBaseline renders for
 * the dev stack. Mock-level: the policies come from Pulumi mocks; AWS's own evaluator is not involved.
 */
import {
  anonymousPrincipal,
  runSimulation,
  type Simulation,
  type SimulationRequestPrincipal,
} from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import {
  alertTopicPolicy,
  monitoringRolePolicy,
  trailArnOf,
  trailBucketPolicy,
  trailKeyPolicy,
} from "../../components/policy-documents";
import { ACCOUNT, runStack, type StackRun } from "../../scripts/lib/program-mocks";

let run: StackRun;
let bucketPolicy: unknown;
let topicPolicy: unknown;
let keyPolicy: unknown;
let bucketArn: string;
let topicArn: string;
let trailArn: string;
let ruleArn: string;

beforeAll(async () => {
  run = await runStack("dev");
  const bp = run.byType("aws:s3/bucketPolicy:BucketPolicy").find((p) => p.name.endsWith("-trail"))!;
  bucketPolicy = JSON.parse(bp.inputs.policy as string);
  bucketArn = run.byType("aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-trail"))!.state.arn as string;
  topicPolicy = JSON.parse(run.one("aws:sns/topicPolicy:TopicPolicy", "-alerts").inputs.policy as string);
  topicArn = run.one("aws:sns/topic:Topic", "-alerts").state.arn as string;
  keyPolicy = JSON.parse(run.one("aws:kms/key:Key", "trail-key").inputs.policy as string);
  trailArn = `arn:aws:cloudtrail:${run.region}:${ACCOUNT}:trail/observed-app-dev-trail`;
  ruleArn = run.one("aws:cloudwatch/eventRule:EventRule").state.arn as string;
}, 60_000);

async function decide(
  resourcePolicy: unknown,
  principal: SimulationRequestPrincipal,
  action: string,
  resource: string,
  context: Record<string, string | string[]>,
  identityPolicy?: unknown,
): Promise<string> {
  const sim: Simulation = {
    request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
    identityPolicies: identityPolicy ? [{ name: "role-policy", policy: identityPolicy }] : [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy,
  };
  const res = await runSimulation(sim, {});
  if (res.resultType === "error") throw new Error(JSON.stringify(res.errors));
  return res.overallResult;
}

describe("IAM simulation of the rendered policies (mock-level)", () => {
  it("the program renders exactly the pure documents of components/policy-documents.ts", () => {
    const scope = { partition: "aws", account: ACCOUNT, region: run.region };
    expect(bucketPolicy).toEqual(trailBucketPolicy(scope, { bucketArn, trailArn }));
    expect(keyPolicy).toEqual(trailKeyPolicy(scope, trailArn));
    expect(topicPolicy).toEqual(alertTopicPolicy(scope, { topicArn, findingsRuleArn: ruleArn }));
    expect(trailArnOf(scope, "observed-app-dev-trail")).toBe(trailArn);
  });

  it("the monitoring role reads the app's log group, and neither the CloudTrail nor the flow-log group", async () => {
    const role = run.one("aws:iam/rolePolicy:RolePolicy", "-monitoring-role");
    const policy = JSON.parse(role.inputs.policy as string) as unknown;
    const group = (name: string) => run.one("aws:cloudwatch/logGroup:LogGroup", name).state.arn as string;
    const [app, cloudtrail, flowLogs] = [group("-app-logs"), group("-trail"), group("-flow-logs")];
    const topics = ["-alerts", "-tickets", "-heartbeat"].map(
      (t) => run.one("aws:sns/topic:Topic", t).state.arn as string,
    );
    const keyArn = run.byType("aws:kms/key:Key").find((k) => k.name.endsWith("-alerts-key"))?.state.arn as string;
    expect(policy).toEqual(monitoringRolePolicy({ topicArns: topics, topicKeyArn: keyArn, appLogGroupArn: app }));
    const principal = `arn:aws:iam::${ACCOUNT}:role/observed-app-dev-monitoring-role`;
    const read = (action: string, resource: string) => decide(undefined, principal, action, resource, {}, policy);
    for (const action of ["logs:FilterLogEvents", "logs:StartQuery"]) {
      expect(await read(action, app), `${action} app`).toBe("Allowed");
      expect(await read(action, cloudtrail), `${action} cloudtrail`).toBe("ImplicitlyDenied");
      expect(await read(action, flowLogs), `${action} flow logs`).toBe("ImplicitlyDenied");
    }
    expect(await read("logs:GetLogEvents", `${app}:log-stream:taskflow-blue-i-0123`)).toBe("Allowed");
    expect(await read("logs:GetLogEvents", `${cloudtrail}:log-stream:${ACCOUNT}_CloudTrail_eu-west-1`)).toBe(
      "ImplicitlyDenied",
    );
  });

  const tls = { "aws:SecureTransport": "true" };
  const writeCtx = () => ({ ...tls, "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" });

  it("CloudTrail may write its log files under AWSLogs/<account>/ with the trail's SourceArn", async () => {
    expect(
      await decide(
        bucketPolicy,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        `${bucketArn}/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/log.json.gz`,
        writeCtx(),
      ),
    ).toBe("Allowed");
    expect(
      await decide(bucketPolicy, "cloudtrail.amazonaws.com", "s3:GetBucketAcl", bucketArn, {
        ...tls,
        "aws:SourceArn": trailArn,
      }),
    ).toBe("Allowed");
  });

  it("CloudTrail may not write outside AWSLogs/<account>/", async () => {
    expect(
      await decide(
        bucketPolicy,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        `${bucketArn}/AWSLogs/999999999999/x.json.gz`,
        writeCtx(),
      ),
    ).not.toBe("Allowed");
    expect(
      await decide(
        bucketPolicy,
        "cloudtrail.amazonaws.com",
        "s3:PutObject",
        `${bucketArn}/elsewhere/x.json.gz`,
        writeCtx(),
      ),
    ).not.toBe("Allowed");
  });

  it("another trail's ARN, a missing ACL condition, an anonymous caller and plain HTTP are denied", async () => {
    const key = `${bucketArn}/AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`;
    const other = { ...writeCtx(), "aws:SourceArn": `arn:aws:cloudtrail:${run.region}:${ACCOUNT}:trail/someone-else` };
    expect(await decide(bucketPolicy, "cloudtrail.amazonaws.com", "s3:PutObject", key, other)).not.toBe("Allowed");
    expect(
      await decide(bucketPolicy, "cloudtrail.amazonaws.com", "s3:PutObject", key, {
        ...tls,
        "aws:SourceArn": trailArn,
        "s3:x-amz-acl": "private",
      }),
    ).not.toBe("Allowed");
    expect(await decide(bucketPolicy, anonymousPrincipal, "s3:GetObject", key, tls)).not.toBe("Allowed");
    expect(
      await decide(bucketPolicy, "cloudtrail.amazonaws.com", "s3:PutObject", key, {
        ...writeCtx(),
        "aws:SecureTransport": "false",
      }),
    ).toBe("ExplicitlyDenied");
  });

  it("CloudWatch alarms and the GuardDuty rule may publish to the alert topic, nobody else", async () => {
    const alarm = `arn:aws:cloudwatch:${run.region}:${ACCOUNT}:alarm:observed-app-dev-cis-4.3-RootAccountUsage`;
    expect(
      await decide(topicPolicy, "cloudwatch.amazonaws.com", "sns:Publish", topicArn, {
        ...tls,
        "aws:SourceArn": alarm,
      }),
    ).toBe("Allowed");
    expect(
      await decide(topicPolicy, "events.amazonaws.com", "sns:Publish", topicArn, { ...tls, "aws:SourceArn": ruleArn }),
    ).toBe("Allowed");
    const otherRule = `arn:aws:events:${run.region}:${ACCOUNT}:rule/not-ours`;
    expect(
      await decide(topicPolicy, "events.amazonaws.com", "sns:Publish", topicArn, {
        ...tls,
        "aws:SourceArn": otherRule,
      }),
    ).not.toBe("Allowed");
    const foreignAlarm = `arn:aws:cloudwatch:${run.region}:999999999999:alarm:x`;
    expect(
      await decide(topicPolicy, "cloudwatch.amazonaws.com", "sns:Publish", topicArn, {
        ...tls,
        "aws:SourceArn": foreignAlarm,
      }),
    ).not.toBe("Allowed");
    expect(await decide(topicPolicy, anonymousPrincipal, "sns:Publish", topicArn, tls)).not.toBe("Allowed");
    expect(await decide(topicPolicy, "arn:aws:iam::999999999999:root", "sns:Publish", topicArn, tls)).not.toBe(
      "Allowed",
    );
    expect(await decide(topicPolicy, "s3.amazonaws.com", "sns:Publish", topicArn, tls)).not.toBe("Allowed");
  });

  it("the trail key serves CloudTrail for this trail only, and nobody anonymous", async () => {
    // The simulator does not resolve the `kms:EncryptionContext:aws:cloudtrail:arn` context key (it reports
    // it missing), so GenerateDataKey* is asserted statically in stack-assertions.ts; here: the statements
    // whose conditions it can evaluate.
    const keyArn = run.one("aws:kms/key:Key", "trail-key").state.arn as string;
    expect(await decide(keyPolicy, "cloudtrail.amazonaws.com", "kms:DescribeKey", keyArn, {})).toBe("Allowed");
    expect(
      await decide(keyPolicy, "cloudtrail.amazonaws.com", "kms:Decrypt", keyArn, { "aws:SourceArn": trailArn }),
    ).toBe("Allowed");
    const other = `arn:aws:cloudtrail:${run.region}:${ACCOUNT}:trail/someone-else`;
    expect(
      await decide(keyPolicy, "cloudtrail.amazonaws.com", "kms:Decrypt", keyArn, { "aws:SourceArn": other }),
    ).not.toBe("Allowed");
    expect(
      await decide(keyPolicy, "cloudtrail.amazonaws.com", "kms:GenerateDataKey", keyArn, { "aws:SourceArn": other }),
    ).not.toBe("Allowed");
    expect(await decide(keyPolicy, anonymousPrincipal, "kms:Decrypt", keyArn, {})).not.toBe("Allowed");
  });
});
