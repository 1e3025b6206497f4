/**
 * The fleet's front door: an internet-facing Application Load Balancer across the public subnets.
 *
 * - With a domain: HTTPS on 443 (TLS 1.2+ policy) and HTTP on 80 redirecting to it. The certificate is the
 *   configured one (an ACM certificate of the stack's region, issued or imported elsewhere: nothing is created for
 *   it), or else one issued by ACM and validated by DNS in the domain's hosted zone; with a hosted zone, an alias
 *   record names the load balancer. Without a domain (dev only; prod refuses it): plain HTTP on 80 on the load
 *   balancer's own name (the README says what that means: tokens cross the internet in the clear; trials only).
 * - One target group on the app port, health-checked on the app's health path: the Auto Scaling group registers
 *   into it, and its health gates instance refreshes.
 * - Access logs to a bucket of its own (SSE-S3: the only encryption load balancer logs support), hardened as
 *   every bucket of the stack, expiring after `accessLogDays`.
 * - Optionally (prod) a WAFv2 web ACL: AWS's common, known-bad-inputs and IP-reputation rule groups and a per-IP
 *   rate limit, logging to CloudWatch Logs (`aws-waf-logs-…`, the prefix WAF requires).
 * - Alarms that page: unhealthy targets, too few healthy ones, and the load balancer's own 5xx.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HEALTH_PATH } from "../monitoring-config/contract";
import { frontDoorAlarms, pagingAlarms } from "./alarms";
import { hardenBucket } from "./buckets";
import { BuiltComponent, type FleetPartArgs } from "./component";
import type { AppDomain } from "./config";
import { securityGroup, tcpEgress, tcpIngress } from "./network";
import { loadBalancerLogBucketPolicy, type Scope } from "./policy-documents";

/** The AWS managed rule groups of the web ACL, in priority order after the rate rule. */
export const WAF_MANAGED_RULE_GROUPS = [
  "AWSManagedRulesAmazonIpReputationList",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesCommonRuleSet",
] as const;
/** The listeners' TLS policy: TLS 1.3 and 1.2 with forward secrecy only. */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/**
 * The front door's args. `keepData` (prod) turns on the load balancer's deletion protection; its alarms page
 * `pageTopicArn`.
 */
export interface FrontDoorArgs extends FleetPartArgs {
  /** The VPC's CIDR: the load balancer reaches the app port inside it. */
  readonly vpcCidr: string;
  /** Public subnets, one per zone. */
  readonly subnetIds: pulumi.Input<string>[];
  /** CIDRs that may reach the listeners. */
  readonly ingressCidrs: readonly string[];
  /** The app's port on the instances (the target group's). */
  readonly appPort: number;
  /** HTTPS on this name, with its certificate or one validated in its hosted zone; absent: plain HTTP. */
  readonly domain?: AppDomain;
  /** A WAF web ACL with this per-IP limit (requests per 5 minutes); absent: no WAF. */
  readonly waf?: { rateLimit: number };
  /** Fewest instances the fleet keeps: fewer healthy targets than this pages. */
  readonly minHealthy: number;
  /** Retention of the access logs (days). */
  readonly accessLogDays: number;
  /** Retention of the WAF log group (days; a value CloudWatch Logs accepts). */
  readonly wafLogRetentionDays: number;
  /** Allow destroying the access-log bucket with its objects (dev). */
  readonly forceDestroy: boolean;
}

/** The fleet's load balancer (see above): its security group, access logs, listeners, optional WAF and alarms. */
export class FrontDoor extends BuiltComponent<FrontDoorArgs> {
  /** `https://<domain>` or `http://<load balancer DNS name>`. */
  public readonly url: pulumi.Output<string>;
  public readonly dnsName: pulumi.Output<string>;
  public readonly loadBalancerArn: pulumi.Output<string>;
  /** `app/<name>/<id>`: the LoadBalancer dimension of CloudWatch's metrics. */
  public readonly loadBalancerArnSuffix: pulumi.Output<string>;
  public readonly targetGroupArn: pulumi.Output<string>;
  /** `targetgroup/<name>/<id>`: the TargetGroup dimension. */
  public readonly targetGroupArnSuffix: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly webAclArn?: pulumi.Output<string>;
  public readonly accessLogBucket: pulumi.Output<string>;

  constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:FrontDoor", name, args, opts);

    const sg = this.groupAndRules();
    const logs = this.accessLogs();
    const lb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        name: `${args.namePrefix}-alb`.slice(0, 32),
        loadBalancerType: "application",
        internal: false,
        subnets: args.subnetIds,
        securityGroups: [sg.group.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.keepData,
        idleTimeout: 60,
        accessLogs: { bucket: logs.bucket.bucket, enabled: true },
        tags: args.tags,
      },
      // ELB checks it may write (a test object) when access logs are turned on. Its group's rules come first.
      { parent: this, dependsOn: [logs.policy, ...sg.rules] },
    );
    const targets = this.targetGroup();
    this.url = args.domain ? this.httpsListeners(args.domain, lb, targets) : this.httpListener(lb, targets);
    if (args.waf) this.webAclArn = this.webAcl(name, args, lb.arn, args.waf.rateLimit);
    pagingAlarms(
      name,
      frontDoorAlarms(args.namePrefix, lb.arnSuffix, targets.arnSuffix, args.minHealthy),
      args.pageTopicArn,
      args.tags,
      this.child,
    );

    this.dnsName = lb.dnsName;
    this.loadBalancerArn = lb.arn;
    this.loadBalancerArnSuffix = lb.arnSuffix;
    this.targetGroupArn = targets.arn;
    this.targetGroupArnSuffix = targets.arnSuffix;
    this.securityGroupId = sg.group.id;
    this.accessLogBucket = logs.bucket.bucket;
    this.registerOutputs({ url: this.url, dnsName: this.dnsName, webAclArn: this.webAclArn });
  }

  /** The load balancer's group: the listeners from the allowed CIDRs, the app port to the VPC. */
  private groupAndRules() {
    const { componentName: name, args, child } = this;
    const ports = args.domain ? [80, 443] : [80];
    // Rules as standalone resources only, never inline (policy sg-rules-standalone-only: a declared inline set is
    // managed whole, and the egress rule below would be revoked by the `up` after a refresh). The provider revokes
    // AWS's default allow-all egress on create. The description changed with the move off inline rules: it forces
    // a new group, so a deployed stack gets a new, empty one (a standalone rule identical to an old inline one would
    // be refused as a duplicate on the old group); the load balancer moves to it once its rules exist.
    const description = "Load balancer: the listeners from the allowed CIDRs, the app port to the VPC";
    const group = securityGroup(`${name}-sg`, args.vpcId, description, args.tags, child);
    const listenerRules = ports.flatMap((port) =>
      args.ingressCidrs.map((cidr, i) =>
        tcpIngress(
          `${name}-listener-${port}-${i}`,
          {
            securityGroupId: group.id,
            port,
            peer: cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr },
            description: port === 80 && args.domain ? "HTTP (redirects to HTTPS)" : `listener ${port}`,
          },
          child,
        ),
      ),
    );
    // Egress only to the app port inside the VPC (the targets); the app's group admits this group there.
    const toTargets = tcpEgress(
      `${name}-to-targets`,
      {
        securityGroupId: group.id,
        port: args.appPort,
        peer: { cidrIpv4: args.vpcCidr },
        description: "to the app instances",
      },
      child,
    );
    return { group, rules: [...listenerRules, toTargets] };
  }

  /** The access-log bucket, hardened, and the policy that lets ELB write to it. */
  private accessLogs() {
    const { componentName: name, args, child } = this;
    const scope = pulumi.all([aws.getCallerIdentityOutput({}, child), aws.getPartitionOutput({}, child)]);
    const bucket = new aws.s3.Bucket(
      `${name}-logs`,
      { forceDestroy: args.forceDestroy, tags: { ...args.tags, Purpose: "load-balancer-access-logs" } },
      child,
    );
    hardenBucket(`${name}-logs`, bucket, { sseAlgorithm: "AES256" }, args.accessLogDays, child);
    const elbAccount = aws.elb.getServiceAccountOutput({}, child);
    const policy = new aws.s3.BucketPolicy(
      `${name}-logs`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([scope, bucket.arn, elbAccount.arn, aws.getRegionOutput({}, child).region])
          .apply(([[id, part], bucketArn, elbAccountArn, region]) =>
            JSON.stringify(
              loadBalancerLogBucketPolicy(
                { partition: part.partition, account: id.accountId, region } satisfies Scope,
                { bucketArn, elbAccountArn },
              ),
            ),
          ),
      },
      child,
    );
    return { bucket, policy };
  }

  /** The target group the Auto Scaling group registers into, health-checked on the app's health path. */
  private targetGroup(): aws.lb.TargetGroup {
    return new aws.lb.TargetGroup(
      `${this.componentName}-targets`,
      {
        // A prefix, not a name: a new port or protocol replaces the group, and ELB refuses a second group of the
        // same name while the old one exists (create before delete).
        namePrefix: "app-",
        vpcId: this.args.vpcId,
        port: this.args.appPort,
        protocol: "HTTP",
        targetType: "instance",
        deregistrationDelay: 30,
        healthCheck: {
          path: HEALTH_PATH,
          matcher: "200",
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 3,
        },
        tags: this.args.tags,
      },
      this.child,
    );
  }

  /**
   * With a domain: its certificate (the configured one, or one validated in Route 53), HTTPS forwarding, HTTP
   * redirecting, and the alias where the domain has a hosted zone.
   */
  private httpsListeners(
    domain: AppDomain,
    lb: aws.lb.LoadBalancer,
    targets: aws.lb.TargetGroup,
  ): pulumi.Output<string> {
    const { componentName: name, child } = this;
    const { tags } = this.args;
    new aws.lb.Listener(
      `${name}-https`,
      {
        loadBalancerArn: lb.arn,
        port: 443,
        protocol: "HTTPS",
        sslPolicy: TLS_POLICY,
        certificateArn: domain.certificateArn ?? this.validatedCertificate(domain.name, domain.hostedZoneId!),
        defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
        tags,
      },
      child,
    );
    new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        tags,
      },
      child,
    );
    if (domain.hostedZoneId !== undefined) {
      new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: domain.hostedZoneId,
          name: domain.name,
          type: "A",
          aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }],
        },
        child,
      );
    }
    return pulumi.output(`https://${domain.name}`);
  }

  /** An ACM certificate for `domainName`, validated by DNS in the hosted zone: its ARN once validated. */
  private validatedCertificate(domainName: string, hostedZoneId: string): pulumi.Output<string> {
    const { componentName: name, child } = this;
    const { tags } = this.args;
    const cert = new aws.acm.Certificate(
      `${name}-cert`,
      { domainName, validationMethod: "DNS", tags },
      { parent: this },
    );
    // One name, so one DNS validation record (created outside any apply, so previews show it).
    const option = cert.domainValidationOptions.apply((o) => o[0]);
    const record = new aws.route53.Record(
      `${name}-cert-validation`,
      {
        zoneId: hostedZoneId,
        name: option.resourceRecordName,
        type: option.resourceRecordType,
        records: [option.resourceRecordValue],
        ttl: 300,
        allowOverwrite: true,
      },
      child,
    );
    const validated = new aws.acm.CertificateValidation(
      `${name}-cert`,
      {
        certificateArn: cert.arn,
        validationRecordFqdns: [record.fqdn],
      },
      child,
    );
    return validated.certificateArn;
  }

  /** Without a domain: plain HTTP on the load balancer's own name (trials only: tokens cross in the clear). */
  private httpListener(lb: aws.lb.LoadBalancer, targets: aws.lb.TargetGroup): pulumi.Output<string> {
    new aws.lb.Listener(
      `${this.componentName}-http`,
      {
        loadBalancerArn: lb.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: targets.arn }],
        tags: this.args.tags,
      },
      this.child,
    );
    return pulumi.interpolate`http://${lb.dnsName}`;
  }

  /** The web ACL (REGIONAL, default allow), its association with the load balancer, and its logs. */
  private webAcl(name: string, args: FrontDoorArgs, loadBalancerArn: pulumi.Output<string>, rateLimit: number) {
    const parent = { parent: this };
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const acl = new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        name: `${args.namePrefix}-app`,
        // WAFV2 CreateWebACL refuses a Description outside ^[\w+=:#@/\-,\.][\w+=:#@/\-,\.\s]+[\w+=:#@/\-,\.]$ (no
        // apostrophe) while the provider checks only its length: tests/infra/api-model-contracts-prod.test.ts holds it.
        description: "TaskFlow load balancer: AWS managed rules and a per-IP rate limit",
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        rules: [
          {
            name: "per-ip-rate-limit",
            priority: 0,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
            visibilityConfig: visibility("per-ip-rate-limit"),
          },
          ...WAF_MANAGED_RULE_GROUPS.map((group, i) => ({
            name: group,
            priority: i + 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
            visibilityConfig: visibility(group),
          })),
        ],
        visibilityConfig: visibility(`${args.namePrefix}-app`),
        tags: args.tags,
      },
      parent,
    );
    new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: loadBalancerArn, webAclArn: acl.arn }, parent);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-waf-logs`,
      { name: `aws-waf-logs-${args.namePrefix}`, retentionInDays: args.wafLogRetentionDays, tags: args.tags },
      parent,
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-waf`,
      {
        resourceArn: acl.arn,
        logDestinationConfigs: [logGroup.arn],
        // The bearer token never reaches the WAF logs.
        redactedFields: [{ singleHeader: { name: "authorization" } }],
      },
      parent,
    );
    return acl.arn;
  }
}
