/**
 * Provider and AWS API rules for the fleet tier's resources (load balancer, target group, listeners, Auto Scaling
 * group, launch template, RDS, WAFv2, VPC endpoints): the enums come from the AWS SDK clients pinned in
 * package.json (the APIs' own models), the name and window formats from the API references cited per rule.
 */
import {
  ActionTypeEnum,
  LoadBalancerTypeEnum,
  ProtocolEnum,
  RedirectActionStatusCodeEnum,
  TargetTypeEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { MetricType, RefreshStrategy } from "@aws-sdk/client-auto-scaling";
import { ApplyMethod } from "@aws-sdk/client-rds";
import { RateBasedStatementAggregateKeyType, Scope } from "@aws-sdk/client-wafv2";
import { LaunchTemplateHttpTokensState, VolumeType, VpcEndpointType } from "@aws-sdk/client-ec2";
import type { ContractRule } from "./contract-rule";

const SDK = "AWS SDK for JavaScript v3 models (package.json pins 3.1137.0)";
const values = (e: Record<string, string>) => Object.values(e);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const oneOf = (
  report: (property: string, value: unknown, allowed: string) => void,
  property: string,
  value: unknown,
  allowed: readonly string[],
) => {
  if (value !== undefined && !allowed.includes(String(value))) report(property, value, allowed.join(", "));
};

/** Elastic Load Balancing names: 1–32 alphanumerics and hyphens, not starting or ending with a hyphen. */
const ELB_NAME = /^(?!-)(?!internal-)[A-Za-z0-9-]{1,32}(?<!-)$/;
/** RDS identifiers: 1–63 letters, digits and hyphens, starting with a letter, no "--", not ending with "-". */
const RDS_IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$/;
/** WAF entity names and metric names (CreateWebACL API reference). */
const WAF_NAME = /^[\w-]{1,128}$/;
const WAF_METRIC = /^[\w#:.\-/]{1,255}$/;
/** ELB's predefined TLS policies that allow TLS 1.2 and newer (DescribeSSLPolicies; the listeners' reference). */
export const ELB_TLS12_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS-1-2-2017-01",
  "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/** CreateAutoScalingGroup, HealthCheckType: a string in the API model; its documented values. */
const HEALTH_CHECK_TYPES = ["EC2", "ELB", "VPC_LATTICE", "EBS"];

/** "hh24:mi-hh24:mi" and "ddd:hh24:mi-ddd:hh24:mi" (RDS CreateDBInstance: backup and maintenance windows). */
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

export const FLEET_CONTRACT_RULES: ContractRule[] = [
  {
    id: "elbv2-load-balancer",
    source: `${SDK}: client-elastic-load-balancing-v2 LoadBalancerTypeEnum; CreateLoadBalancer: Name`,
    types: ["aws:lb/loadBalancer:LoadBalancer"],
    check(r, report) {
      oneOf(report, "loadBalancerType", r.inputs.loadBalancerType, values(LoadBalancerTypeEnum));
      if (r.inputs.name !== undefined && !ELB_NAME.test(String(r.inputs.name))) {
        report("name", r.inputs.name, "1–32 alphanumerics or hyphens, no leading/trailing hyphen, not internal-…");
      }
      const idle = r.inputs.idleTimeout;
      if (idle !== undefined && !(Number.isInteger(idle) && (idle as number) >= 1 && (idle as number) <= 4000)) {
        report("idleTimeout", idle, "1–4000 seconds");
      }
    },
  },
  {
    id: "elbv2-target-group",
    source: `${SDK}: ProtocolEnum, TargetTypeEnum; CreateTargetGroup: Name, HealthCheck* ranges`,
    types: ["aws:lb/targetGroup:TargetGroup"],
    check(r, report) {
      const i = r.inputs;
      oneOf(report, "protocol", i.protocol, values(ProtocolEnum));
      oneOf(report, "targetType", i.targetType, values(TargetTypeEnum));
      if (i.name !== undefined && !ELB_NAME.test(String(i.name)))
        report("name", i.name, "1–32 alphanumerics or hyphens");
      // The provider's validTargetGroupNamePrefix: at most 6 characters (it appends a unique suffix to 32).
      if (i.namePrefix !== undefined && !/^[A-Za-z0-9-]{1,6}$/.test(String(i.namePrefix)))
        report("namePrefix", i.namePrefix, "1–6 alphanumerics or hyphens");
      const hc = obj(i.healthCheck);
      const range = (k: string, min: number, max: number) => {
        const v = hc[k];
        if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) {
          report(`healthCheck.${k}`, v, `${min}–${max}`);
        }
      };
      range("interval", 5, 300);
      range("timeout", 2, 120);
      range("healthyThreshold", 2, 10);
      range("unhealthyThreshold", 2, 10);
      if (hc.interval !== undefined && hc.timeout !== undefined && (hc.timeout as number) >= (hc.interval as number)) {
        report("healthCheck.timeout", hc.timeout, `less than the interval (${String(hc.interval)})`);
      }
      const delay = i.deregistrationDelay;
      if (delay !== undefined && !(Number(delay) >= 0 && Number(delay) <= 3600)) {
        report("deregistrationDelay", delay, "0–3600 seconds");
      }
    },
  },
  {
    id: "elbv2-listener",
    source: `${SDK}: ProtocolEnum, ActionTypeEnum, RedirectActionStatusCodeEnum; DescribeSSLPolicies (TLS 1.2+ names)`,
    types: ["aws:lb/listener:Listener"],
    check(r, report) {
      const i = r.inputs;
      oneOf(report, "protocol", i.protocol, values(ProtocolEnum));
      if (i.protocol === "HTTPS") {
        oneOf(report, "sslPolicy", i.sslPolicy, ELB_TLS12_POLICIES);
        if (i.certificateArn === undefined) report("certificateArn", undefined, "required for HTTPS");
      }
      for (const [n, a] of list(i.defaultActions).entries()) {
        const action = obj(a);
        oneOf(report, `defaultActions[${n}].type`, action.type, values(ActionTypeEnum));
        const redirect = obj(action.redirect);
        if (action.type === "redirect") {
          oneOf(
            report,
            `defaultActions[${n}].redirect.statusCode`,
            redirect.statusCode,
            values(RedirectActionStatusCodeEnum),
          );
        }
      }
    },
  },
  {
    id: "autoscaling-group",
    source: `${SDK}: client-auto-scaling RefreshStrategy; StartInstanceRefresh / RefreshPreferences ranges; HealthCheckType per CreateAutoScalingGroup`,
    types: ["aws:autoscaling/group:Group"],
    check(r, report) {
      const i = r.inputs;
      oneOf(report, "healthCheckType", i.healthCheckType, HEALTH_CHECK_TYPES);
      if (Number(i.minSize) > Number(i.maxSize)) report("minSize", i.minSize, `at most maxSize (${String(i.maxSize)})`);
      const refresh = obj(i.instanceRefresh);
      oneOf(report, "instanceRefresh.strategy", refresh.strategy, values(RefreshStrategy));
      const p = obj(refresh.preferences);
      const min = p.minHealthyPercentage as number | undefined;
      const max = p.maxHealthyPercentage as number | undefined;
      if (min !== undefined && !(min >= 0 && min <= 100))
        report("instanceRefresh.preferences.minHealthyPercentage", min, "0–100");
      if (max !== undefined && !(max >= 100 && max <= 200))
        report("instanceRefresh.preferences.maxHealthyPercentage", max, "100–200");
      if (min !== undefined && max !== undefined && max - min > 100) {
        report("instanceRefresh.preferences.maxHealthyPercentage", max, "at most minHealthyPercentage + 100");
      }
      const version = obj(i.launchTemplate).version;
      if (version !== undefined && !/^(\d+|\$Latest|\$Default)$/.test(String(version))) {
        report("launchTemplate.version", version, "a version number, $Latest or $Default");
      }
    },
  },
  {
    id: "autoscaling-target-tracking",
    source: `${SDK}: client-auto-scaling MetricType (PredefinedMetricSpecification)`,
    types: ["aws:autoscaling/policy:Policy"],
    check(r, report) {
      const spec = obj(obj(r.inputs.targetTrackingConfiguration).predefinedMetricSpecification);
      oneOf(
        report,
        "targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType",
        spec.predefinedMetricType,
        values(MetricType),
      );
    },
  },
  {
    id: "ec2-launch-template",
    source: `${SDK}: client-ec2 LaunchTemplateHttpTokensState, VolumeType; EC2 user guide: user data at most 16 KB before base64`,
    types: ["aws:ec2/launchTemplate:LaunchTemplate"],
    check(r, report) {
      const i = r.inputs;
      oneOf(
        report,
        "metadataOptions.httpTokens",
        obj(i.metadataOptions).httpTokens,
        values(LaunchTemplateHttpTokensState),
      );
      for (const [n, d] of list(i.blockDeviceMappings).entries()) {
        const ebs = obj(obj(d).ebs);
        oneOf(report, `blockDeviceMappings[${n}].ebs.volumeType`, ebs.volumeType, values(VolumeType));
      }
      if (typeof i.userData === "string") {
        const raw = Buffer.from(i.userData, "base64");
        if (raw.toString("base64") !== i.userData)
          report("userData", "<not base64>", "base64 (launch templates take it encoded)");
        if (raw.length > 16 * 1024) report("userData", `${raw.length} bytes`, "at most 16384 bytes before encoding");
      }
    },
  },
  {
    id: "ec2-vpc-endpoint",
    source: `${SDK}: client-ec2 VpcEndpointType; service names com.amazonaws.<region>.<service>`,
    types: ["aws:ec2/vpcEndpoint:VpcEndpoint"],
    check(r, report) {
      oneOf(report, "vpcEndpointType", r.inputs.vpcEndpointType, values(VpcEndpointType));
      if (!/^com\.amazonaws\.[a-z]{2}(-[a-z]+)+-\d\.[a-z0-9.-]+$/.test(String(r.inputs.serviceName))) {
        report("serviceName", r.inputs.serviceName, "com.amazonaws.<region>.<service>");
      }
      if (r.inputs.vpcEndpointType === "Gateway" && r.inputs.subnetIds !== undefined) {
        report("subnetIds", r.inputs.subnetIds, "none for a Gateway endpoint (it takes routeTableIds)");
      }
    },
  },
  {
    id: "rds-instance",
    source: `${SDK}: client-rds; CreateDBInstance: DBInstanceIdentifier, BackupRetentionPeriod 0–35, PreferredBackupWindow / PreferredMaintenanceWindow formats (no overlap), CloudwatchLogsExportConfiguration for postgres`,
    types: ["aws:rds/instance:Instance"],
    check(r, report) {
      const i = r.inputs;
      if (!RDS_IDENTIFIER.test(String(i.identifier)))
        report("identifier", i.identifier, "1–63 letters, digits, hyphens; starts with a letter");
      if (i.finalSnapshotIdentifier !== undefined && !RDS_IDENTIFIER.test(String(i.finalSnapshotIdentifier))) {
        report("finalSnapshotIdentifier", i.finalSnapshotIdentifier, "an RDS identifier");
      }
      if (i.skipFinalSnapshot === false && i.finalSnapshotIdentifier === undefined) {
        report("finalSnapshotIdentifier", undefined, "required when skipFinalSnapshot is false");
      }
      const days = i.backupRetentionPeriod;
      if (days !== undefined && !(Number.isInteger(days) && (days as number) >= 0 && (days as number) <= 35)) {
        report("backupRetentionPeriod", days, "0–35 days");
      }
      oneOf(report, "storageType", i.storageType, ["standard", "gp2", "gp3", "io1", "io2"]);
      if (i.engine === "postgres") {
        for (const log of list(i.enabledCloudwatchLogsExports)) {
          oneOf(report, "enabledCloudwatchLogsExports", log, ["postgresql", "upgrade", "iam-db-auth-error"]);
        }
      }
      if (i.manageMasterUserPassword === true && i.password !== undefined) {
        report("password", "<redacted>", "unset when manageMasterUserPassword is true");
      }
      const backup = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(String(i.backupWindow ?? ""));
      const maint = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(String(i.maintenanceWindow ?? ""));
      if (i.backupWindow !== undefined && !backup) report("backupWindow", i.backupWindow, "hh24:mi-hh24:mi (UTC)");
      if (i.maintenanceWindow !== undefined && (!maint || !DAYS.includes(maint[1]) || !DAYS.includes(maint[3]))) {
        report("maintenanceWindow", i.maintenanceWindow, "ddd:hh24:mi-ddd:hh24:mi (UTC)");
      }
      if (backup && maint && maint[1] === maint[3]) {
        const [b0, b1] = [minutesOf(`${backup[1]}:${backup[2]}`), minutesOf(`${backup[3]}:${backup[4]}`)];
        const [m0, m1] = [minutesOf(maint[2]), minutesOf(maint[4])];
        if (b0 < m1 && m0 < b1)
          report(
            "backupWindow",
            i.backupWindow,
            `not overlapping the maintenance window ${String(i.maintenanceWindow)}`,
          );
      }
    },
  },
  {
    id: "rds-parameter-group",
    source: `${SDK}: client-rds ApplyMethod; DBParameterGroupFamily postgres<major>`,
    types: ["aws:rds/parameterGroup:ParameterGroup"],
    check(r, report) {
      if (!/^postgres\d{2}$/.test(String(r.inputs.family)))
        report("family", r.inputs.family, "postgres<major>, e.g. postgres16");
      for (const [n, p] of list(r.inputs.parameters).entries()) {
        oneOf(report, `parameters[${n}].applyMethod`, obj(p).applyMethod, values(ApplyMethod));
      }
    },
  },
  {
    id: "wafv2-web-acl",
    source: `${SDK}: client-wafv2 Scope, RateBasedStatementAggregateKeyType; CreateWebACL: Name, MetricName, RateBasedStatement Limit 10–2e9, EvaluationWindowSec 60|120|300|600`,
    types: ["aws:wafv2/webAcl:WebAcl"],
    check(r, report) {
      const i = r.inputs;
      oneOf(report, "scope", i.scope, values(Scope));
      if (!WAF_NAME.test(String(i.name))) report("name", i.name, "1–128 word characters or hyphens");
      const metric = (path: string, v: unknown) => {
        if (!WAF_METRIC.test(String(obj(v).metricName)))
          report(`${path}.metricName`, obj(v).metricName, "1–255 of A-Z a-z 0-9 _ # : . - /");
      };
      metric("visibilityConfig", i.visibilityConfig);
      for (const [n, rule] of list(i.rules).entries()) {
        const x = obj(rule);
        if (!WAF_NAME.test(String(x.name))) report(`rules[${n}].name`, x.name, "1–128 word characters or hyphens");
        metric(`rules[${n}].visibilityConfig`, x.visibilityConfig);
        const managed = obj(obj(x.statement).managedRuleGroupStatement);
        // A rule group reference takes overrideAction, a plain rule an action: never both, never neither.
        if (Object.keys(managed).length > 0 ? !x.overrideAction || x.action : !x.action || x.overrideAction) {
          report(`rules[${n}]`, Object.keys(x).join(","), "overrideAction for a rule group, action for a rule");
        }
        const rate = obj(obj(x.statement).rateBasedStatement);
        if (Object.keys(rate).length > 0) {
          oneOf(
            report,
            `rules[${n}].statement.rateBasedStatement.aggregateKeyType`,
            rate.aggregateKeyType,
            values(RateBasedStatementAggregateKeyType),
          );
          const limit = rate.limit as number;
          if (!(Number.isInteger(limit) && limit >= 10 && limit <= 2e9))
            report(`rules[${n}].statement.rateBasedStatement.limit`, limit, "10–2000000000");
          oneOf(report, `rules[${n}].statement.rateBasedStatement.evaluationWindowSec`, rate.evaluationWindowSec, [
            "60",
            "120",
            "300",
            "600",
          ]);
        }
      }
    },
  },
  {
    id: "wafv2-logging-destination",
    source: "AWS WAF Developer Guide, logging destinations: the log group's name must start with aws-waf-logs-",
    types: ["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"],
    check(r, report) {
      for (const [n, arn] of list(r.inputs.logDestinationConfigs).entries()) {
        if (!/:log-group:aws-waf-logs-[^:]+$/.test(String(arn))) {
          report(`logDestinationConfigs[${n}]`, arn, "a log group ARN named aws-waf-logs-…, without :*");
        }
      }
    },
  },
];
