/**
 * The app tier past one machine: a launch template and an Auto Scaling group in the private subnets, behind
 * the FrontDoor's target group, on the Database.
 *
 * - Instances have no public address and no SSH: cloud-init runs the user data (host-scripts/app-fleet-init.sh)
 *   once at first boot. It installs Docker, reads the API token and the database credentials from Secrets
 *   Manager through the instance role, and runs the app and node_exporter from ECR by digest.
 * - Everything an instance runs is in the user data (image digests, settings, secret ARNs, never secret
 *   values), so a new image digest or setting is a new launch template version, and the group rolls it out by
 *   an instance refresh: new instances first (max 200 %, min 100 % healthy), each must pass the load balancer's
 *   /health check within the warm-up before an old one is terminated.
 * - Nothing rolls a bad version back. The provider (terraform-provider-aws, autoscaling/group.go,
 *   resourceGroupUpdate) sets the new launch template version on the group (UpdateAutoScalingGroup) before it
 *   starts the refresh, and does not wait for the refresh: `pulumi up` succeeds while the refresh is still running,
 *   and from then on every launch (a scale-out, a replaced instance) uses the new version, good or bad (open
 *   upstream issue hashicorp/terraform-provider-aws#34189). A refresh that ends Failed or Cancelled, or any rollback
 *   (only a refresh started by hand can have one), pages (`<prefix>-app-refresh-failed`, rule on the Auto Scaling
 *   events); the runbook rolls back by deploying the previous image (docs/runbooks.md#app-refresh-failed).
 * - IMDSv2 only (one hop: the containers cannot reach the instance's credentials), encrypted gp3 root volume.
 * - Egress only where the instance must go: HTTPS to the VPC (the interface endpoints) and to S3 (the gateway
 *   endpoint's prefix list), PostgreSQL to the database. Every rule is a standalone resource, never an inline
 *   `ingress`/`egress` of the group (policy `sg-rules-standalone-only`).
 * - The group is created last: after every rule its instances need, the database's rule admitting them, the
 *   listener that forwards to its target group (with a domain, after ACM validates) and the network's endpoints
 *   (through the S3 prefix list, see Network): its first `up` waits for `minSize` healthy targets.
 * - CPU target tracking scales between `minSize` and `maxSize`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { HOST_ROLES } from "../monitoring-config";
import { RDS_CA_BUNDLE_PATH } from "../service/src/contract";
import { BuiltComponent, type FleetPartArgs } from "./component";
import { DB_POOL_PER_INSTANCE, type Arch } from "./config";
import { fleetGroupName, refreshFailedAlert } from "./fleet/refresh";
import { fleetUserData } from "./fleet/user-data";
import { al2023AmiFilter } from "./host";
import { hostScript } from "./host-scripts";
import { securityGroup, tcpEgress, tcpIngress, type RulePeer } from "./network";
import { appFleetRolePolicy } from "./policy-documents";

/** How long a new instance gets to install Docker, pull and pass /health before it counts (seconds). */
export const INSTANCE_WARMUP_SECONDS = 300;
/** The interface endpoints the private subnets need: ECR (API and registry), CloudWatch Logs, Secrets Manager. */
export const FLEET_ENDPOINT_SERVICES = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] as const;

/** The token's secret and its current version (a rotated token is a new version). */
type TokenSecret = { secret: aws.secretsmanager.Secret; version: aws.secretsmanager.SecretVersion };

/**
 * The fleet's args. With `keepData` (prod) the token's secret keeps a 7-day recovery window when deleted; otherwise
 * it is deleted at once. A refresh that does not roll out pages `pageTopicArn`, whose policy must admit the rule
 * `refreshFailedRuleName(namePrefix)` (SecurityBaseline's `pageEventRules`).
 */
export interface AppFleetArgs extends FleetPartArgs {
  /** The stack's region (the instances' AWS endpoints and log driver). */
  readonly region: string;
  /** The VPC's CIDR: HTTPS to the interface endpoints inside it; the app trusts proxies from it. */
  readonly vpcCidr: string;
  /** Private subnets, one per zone: the group spreads instances across them. */
  readonly subnetIds: pulumi.Input<string>[];
  /** The S3 gateway endpoint's prefix list (ECR layers and the package repositories live in S3). */
  readonly s3PrefixListId: pulumi.Input<string>;
  /** EC2 instance type of the instances, e.g. `t4g.small`. */
  readonly instanceType: string;
  /** CPU architecture of that type (the AMI is looked up for it). */
  readonly arch: Arch;
  /** Pinned AMI; default: the newest Amazon Linux 2023 at each `pulumi up` (a new one rolls through by refresh). */
  readonly amiId?: string;
  /** Fewest and most instances (CPU target tracking scales between them). */
  readonly minSize: number;
  readonly maxSize: number;
  /** The app port (from the load balancer only) and the metrics port. */
  readonly port: number;
  readonly metricsPort: number;
  /** Adds the fault-injection drill routes on the metrics port. */
  readonly faultInjection: boolean;
  /** The app's image and node_exporter's, by digest, both in this account's ECR. */
  readonly image: pulumi.Input<string>;
  readonly nodeExporterImage: pulumi.Input<string>;
  /** The ECR repositories of those images: the only ones the instances may pull from. */
  readonly repositoryArns: pulumi.Input<string>[];
  /** The app's CloudWatch log group: the only one the instances may write to. */
  readonly logGroup: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
  /** The bearer token (a secret): stored in Secrets Manager under the database's key, read at boot. */
  readonly apiToken: pulumi.Input<string>;
  /** The database: where it is, its master secret and key, its security group. */
  readonly database: {
    address: pulumi.Input<string>;
    port: pulumi.Input<number>;
    name: string;
    secretArn: pulumi.Input<string>;
    keyArn: pulumi.Input<string>;
    securityGroupId: pulumi.Input<string>;
    /** Admits the fleet's security group to the database (Database.allowFrom): the group waits for that rule. */
    admit: (securityGroupId: pulumi.Output<string>) => pulumi.Resource;
  };
  /** The load balancer: its group may reach the app port; the group registers into its target group. */
  readonly frontDoor: {
    securityGroupId: pulumi.Input<string>;
    targetGroupArn: pulumi.Input<string>;
    /**
     * The listener that forwards to the target group, or a component holding it (a dependency on a component is
     * one on each of its children): the Auto Scaling group is created after it.
     */
    listeners: pulumi.Resource[];
  };
}

/** The fleet: its token secret, security group and rules, role, launch template, Auto Scaling group and alert. */
export class AppFleet extends BuiltComponent<AppFleetArgs> {
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly groupName: pulumi.Output<string>;
  public readonly launchTemplateId: pulumi.Output<string>;
  public readonly tokenSecretArn: pulumi.Output<string>;

  /** The tags of every instance and volume (`Role` is what Prometheus discovers the fleet by). */
  private readonly instanceTags: Record<string, string>;

  constructor(name: string, args: AppFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:AppFleet", name, args, opts);
    this.instanceTags = { ...args.tags, Name: `${name}`, Role: HOST_ROLES.app };

    const token = this.tokenSecret();
    const network = this.groupAndRules();
    const profile = this.instanceProfile(token.secret);
    const template = this.launchTemplate(token, network.group, profile);
    const group = this.autoScalingGroup(template, network.rules);
    refreshFailedAlert(name, args, group.name, this.child);

    this.securityGroupId = network.group.id;
    this.groupName = group.name;
    this.launchTemplateId = template.id;
    this.tokenSecretArn = token.secret.arn;
    this.registerOutputs({ groupName: this.groupName, securityGroupId: this.securityGroupId });
  }

  /** The bearer token in Secrets Manager under the database's key, and its current version. */
  private tokenSecret(): TokenSecret {
    const { componentName: name, args, child } = this;
    const secret = new aws.secretsmanager.Secret(
      `${name}-token`,
      {
        // A prefix, not a name: a deleted secret keeps its name for its recovery window, so a fixed name made
        // `destroy` then `up` fail for 7 days ("a secret with this name is already scheduled for deletion"; the
        // provider retries that error for its propagation timeout only). The instances find it by ARN.
        namePrefix: `${args.namePrefix}/taskflow/api-token-`,
        description: "TaskFlow's bearer token, read by the app instances at boot",
        kmsKeyId: args.database.keyArn,
        // The value lives in the stack's config: nothing is lost without a window. Prod keeps one (an accidental
        // delete can be restored while instances still name it); elsewhere 0 = ForceDeleteWithoutRecovery.
        recoveryWindowInDays: args.keepData ? 7 : 0,
        tags: args.tags,
      },
      child,
    );
    const version = new aws.secretsmanager.SecretVersion(
      `${name}-token`,
      { secretId: secret.id, secretString: pulumi.secret(args.apiToken) },
      child,
    );
    return { secret, version };
  }

  /**
   * The instances' group and every rule they need: the app port from the load balancer, HTTPS to the endpoints
   * and S3, PostgreSQL to the database, and the database's rule admitting them.
   */
  private groupAndRules() {
    const { componentName: name, args, child } = this;
    // No inline `ingress`/`egress`: upstream (terraform-provider-aws v6, internal/service/ec2/vpc_security_group.go)
    // they are attribute-as-blocks sets, and a declared one (even `egress: []`) is managed whole: Read puts the
    // rules it finds on the group into state, so after a refresh the next `up` revokes every rule declared
    // elsewhere (the three egress rules below: no image pulls, no database). Every rule is a standalone resource.
    // On create, AWS adds its default allow-all egress rule and the provider revokes it at once
    // (resourceSecurityGroupCreate: RevokeSecurityGroupEgress of 0.0.0.0/0 and ::/0, whatever `egress` says), so
    // the group starts with no egress; the rules below are then its only ones.
    const description = "TaskFlow fleet: the app port from the load balancer, metrics from monitoring";
    const group = securityGroup(`${name}-sg`, args.vpcId, description, args.tags, child);
    const rule = (id: string, port: number, peer: RulePeer, purpose: string) =>
      tcpEgress(`${name}-to-${id}`, { securityGroupId: group.id, port, peer, description: purpose }, child);
    const fromLb = tcpIngress(
      `${name}-from-lb`,
      {
        securityGroupId: group.id,
        port: args.port,
        peer: { referencedSecurityGroupId: args.frontDoor.securityGroupId },
        description: "app port from the load balancer",
      },
      child,
    );
    // The S3 prefix list resolves once the network's endpoints exist (Network.s3PrefixListId): the group, which
    // waits for this rule, waits for them too.
    const rules = [
      fromLb,
      rule("endpoints", 443, { cidrIpv4: args.vpcCidr }, "HTTPS to the VPC endpoints"),
      rule("s3", 443, { prefixListId: args.s3PrefixListId }, "HTTPS to S3 (gateway endpoint)"),
      rule("database", 5432, { referencedSecurityGroupId: args.database.securityGroupId }, "PostgreSQL"),
      args.database.admit(group.id),
    ];
    return { group, rules };
  }

  /** The instances' role (pull their images, write their logs, read their two secrets) and its profile. */
  private instanceProfile(token: aws.secretsmanager.Secret): aws.iam.InstanceProfile {
    const { componentName: name, args, child } = this;
    const role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }), tags: args.tags },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-role`,
      {
        role: role.id,
        policy: pulumi
          .all([args.repositoryArns, args.logGroup.arn, token.arn, args.database.secretArn, args.database.keyArn])
          .apply(([repositoryArns, logGroupArn, tokenArn, dbSecretArn, secretKeyArn]) =>
            JSON.stringify(
              appFleetRolePolicy({
                repositoryArns,
                logGroupArn,
                secretArns: [tokenArn, dbSecretArn],
                secretKeyArn,
                region: args.region,
              }),
            ),
          ),
      },
      child,
    );
    return new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: args.tags }, child);
  }

  /** What each instance runs: the launch template, its user data naming every image, setting and secret. */
  private launchTemplate(token: TokenSecret, sg: aws.ec2.SecurityGroup, profile: aws.iam.InstanceProfile) {
    const { componentName: name, args, child } = this;
    const script = hostScript("app-fleet-init.sh");
    const userData = pulumi
      .all([
        args.image,
        args.nodeExporterImage,
        args.logGroup.name,
        token.secret.arn,
        token.version.versionId,
        args.database.secretArn,
        args.database.address,
        args.database.port,
      ])
      .apply(([image, nodeExporter, logGroup, tokenArn, tokenVersionId, dbSecretArn, dbHost, dbPort]) =>
        fleetUserData(script, {
          IMAGE: image,
          NODE_EXPORTER_IMAGE: nodeExporter,
          REGION: args.region,
          LOG_GROUP: logGroup,
          PORT: String(args.port),
          METRICS_PORT: String(args.metricsPort),
          FAULT_INJECTION: args.faultInjection ? "on" : "off",
          TOKEN_SECRET_ARN: tokenArn,
          // A rotated token is a new secret version: the user data changes, and the refresh rolls it out.
          TOKEN_VERSION: tokenVersionId,
          DB_SECRET_ARN: dbSecretArn,
          DB_HOST: dbHost,
          DB_PORT: String(dbPort),
          DB_NAME: args.database.name,
          DB_POOL_MAX: String(DB_POOL_PER_INSTANCE),
          // The database's certificate checked against the RDS CAs the image carries, and its name against DB_HOST.
          DATABASE_TLS: "verify-full",
          DATABASE_CA_FILE: RDS_CA_BUNDLE_PATH,
          TRUSTED_PROXIES: args.vpcCidr,
        }),
      );
    const imageId =
      args.amiId ??
      aws.ec2.getAmiOutput(
        { owners: ["amazon"], mostRecent: true, filters: [{ name: "name", values: [al2023AmiFilter(args.arch)] }] },
        child,
      ).id;
    const instanceTags = this.instanceTags;
    return new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        namePrefix: `${args.namePrefix}-app-`,
        description: "TaskFlow app instance: set up by cloud-init from ECR and Secrets Manager",
        imageId,
        instanceType: args.instanceType,
        iamInstanceProfile: { arn: profile.arn },
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "disabled",
        },
        networkInterfaces: [
          { associatePublicIpAddress: "false", securityGroups: [sg.id], deleteOnTermination: "true" },
        ],
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: 20, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
          },
        ],
        monitoring: { enabled: true },
        userData: userData.apply((u) => Buffer.from(u).toString("base64")),
        updateDefaultVersion: true,
        tagSpecifications: [
          { resourceType: "instance", tags: instanceTags },
          { resourceType: "volume", tags: instanceTags },
        ],
        tags: args.tags,
      },
      child,
    );
  }

  /** The Auto Scaling group (rolled by instance refresh, created last) and its CPU target tracking. */
  private autoScalingGroup(template: aws.ec2.LaunchTemplate, rules: pulumi.Resource[]): aws.autoscaling.Group {
    const { componentName: name, args, child } = this;
    const group = new aws.autoscaling.Group(
      `${name}-group`,
      {
        name: fleetGroupName(args.namePrefix),
        vpcZoneIdentifiers: args.subnetIds,
        minSize: args.minSize,
        maxSize: args.maxSize,
        healthCheckType: "ELB",
        healthCheckGracePeriod: INSTANCE_WARMUP_SECONDS,
        defaultInstanceWarmup: INSTANCE_WARMUP_SECONDS,
        targetGroupArns: [args.frontDoor.targetGroupArn],
        launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
        // The first `pulumi up` waits until minSize instances pass the load balancer's health check.
        minElbCapacity: args.minSize,
        waitForCapacityTimeout: "15m",
        instanceRefresh: {
          strategy: "Rolling",
          preferences: {
            minHealthyPercentage: 100,
            maxHealthyPercentage: 200,
            instanceWarmup: String(INSTANCE_WARMUP_SECONDS),
            // Off: AWS rolls back to the configuration the group had when the refresh started, and the provider
            // has already set the new version on the group by then (see the header), so a rollback would replace
            // the new instances with the same bad version again. Without it a failing refresh ends Failed, which
            // pages; the old instances stay in service meanwhile (min 100 % healthy: none is terminated before its
            // replacement passes /health).
            autoRollback: false,
            skipMatching: true,
          },
        },
        enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupMinSize", "GroupMaxSize"],
        terminationPolicies: ["OldestLaunchTemplate", "Default"],
        tags: Object.entries(this.instanceTags).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
      },
      {
        parent: this,
        // The scaling policy owns the desired capacity once the group exists.
        ignoreChanges: ["desiredCapacity"],
        // Creating the group waits for minSize healthy targets: healthy needs a listener forwarding to the target
        // group and instances that can boot (their rules, the database's rule, the endpoints behind the rules).
        // None of these is an input of the group, so without this nothing orders them before it.
        dependsOn: [...rules, ...args.frontDoor.listeners],
      },
    );
    new aws.autoscaling.Policy(
      `${name}-cpu`,
      {
        autoscalingGroupName: group.name,
        policyType: "TargetTrackingScaling",
        targetTrackingConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" },
          targetValue: 50,
        },
      },
      child,
    );
    return group;
  }
}
