import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { DEFAULT_IMAGES, HOST_ROLES } from "../monitoring-config";
import { AppFleet } from "./app-fleet";
import type { AppTier, Arch } from "./config";
import type { Database } from "./database";
import { FrontDoor } from "./front-door";
import { DATA_DEVICE, Ec2Host, type HostPlacement } from "./host";
import { hostScript } from "./host-scripts";
import { platformOf } from "./preflight";

/** TaskFlow as it runs on its host. */
export interface TaskFlowArgs {
  /** EC2 instance type of the host, e.g. `t4g.small`. */
  readonly instanceType: string;
  /** CPU architecture of that type: the image is built for it (`arm64` → linux/arm64). */
  readonly arch: Arch;
  /** Pinned AMI of the host; default: the newest Amazon Linux 2023 at creation, never followed after. */
  readonly amiId?: string;
  /** The public API port (opened to `appIngressCidrs`). */
  readonly port: number;
  /** The metrics port (opened only to the monitoring host's security group). */
  readonly metricsPort: number;
  /** Size of the encrypted data volume holding the SQLite database (GiB). */
  readonly dataVolumeGiB: number;
  /** Bearer token of the API (a secret: it reaches the host on stdin, never in a command line). */
  readonly apiToken: pulumi.Input<string>;
  /** Images kept in the ECR repository. */
  readonly ecrKeepImages: number;
  /** Retention of the app's CloudWatch log group (days; a value CloudWatch Logs accepts). */
  readonly logRetentionDays: number;
  /** Adds the fault-injection drill routes on the metrics port. */
  readonly faultInjection: boolean;
  /** One host (SQLite, SSH setup) or a fleet (ASG behind a load balancer, on `fleet.database`). */
  readonly tier: AppTier;
}

/** The fleet tier's parts (used when `app.tier` is "fleet"). */
export interface FleetArgs {
  readonly vpcCidr: string;
  /** Public subnets (the load balancer) and private subnets (the instances), one per zone. */
  readonly publicSubnetIds: pulumi.Input<string>[];
  readonly privateSubnetIds: pulumi.Input<string>[];
  readonly s3PrefixListId: pulumi.Input<string>;
  readonly minSize: number;
  readonly maxSize: number;
  readonly domain?: { name: string; hostedZoneId: string };
  readonly waf?: { rateLimit: number };
  readonly database: Database;
  /** The page topic: unhealthy targets, load balancer 5xx, an instance refresh that did not roll out. */
  readonly pageTopicArn: pulumi.Input<string>;
  /** Allow destroying the access-log bucket with its objects (dev). */
  readonly forceDestroy: boolean;
}

/** Who may reach what. */
export interface AccessArgs {
  /** CIDRs allowed to SSH in (and to the monitoring UIs). */
  readonly adminCidrs: readonly string[];
  /** CIDRs allowed to reach the app's public port. */
  readonly appIngressCidrs: readonly string[];
}

/** Where it runs (HostPlacement; with `keepData` the ECR repository is also never force-deleted) and what runs. */
export interface ObservedAppArgs extends HostPlacement {
  /** Prefix of names AWS sees (`${project}-${stack}`): the ECR repository and the log group. */
  readonly namePrefix: string;
  readonly app: TaskFlowArgs;
  readonly access: AccessArgs;
  /** Repository root: the image is built from service/Dockerfile with this context. */
  readonly repoRoot: string;
  /** Resolves when this machine can build the image's platform (preflight); the build waits for it. Optional. */
  readonly buildReady?: Promise<void>;
  /** Required for the fleet tier. */
  readonly fleet?: FleetArgs;
}

/**
 * TaskFlow on EC2: image built from service/ and pushed to ECR, its CloudWatch log group, and one of two tiers:
 * - `host`: a least-privilege instance role, a security group, an IMDSv2-only instance with its own encrypted
 *   data volume (SQLite) and an Elastic IP (components/host.ts), and remote setup over SSH that runs the
 *   container by digest behind a TLS edge and health-checks every rollout;
 * - `fleet`: a FrontDoor (load balancer, TLS, WAF) and an AppFleet (launch template + Auto Scaling group in
 *   private subnets, set up by cloud-init) on the stack's Database; node_exporter's image is mirrored into ECR,
 *   since the private subnets have no route to the internet.
 */
export class ObservedApp extends pulumi.ComponentResource {
  /** Host: `https://<Elastic IP>:<port>` (stable across replacements). Fleet: the load balancer's URL. */
  public readonly publicUrl: pulumi.Output<string>;
  /** Host only: the edge's self-signed certificate (PEM) and its SHA-256 fingerprint, which clients pin. */
  public readonly tlsCertPem?: pulumi.Output<string>;
  public readonly tlsFingerprint?: pulumi.Output<string>;
  public readonly logGroupArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  /** The security group of the app's instance(s): MonitoringHost opens the scrape ports on it. */
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly imageDigest: pulumi.Output<string>;
  /** Host only: the SSH key of the host. */
  public readonly sshPrivateKey?: pulumi.Output<string>;
  /** Fleet only: the front door and the group. */
  public readonly frontDoor?: FrontDoor;
  public readonly fleet?: AppFleet;

  constructor(name: string, args: ObservedAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:ObservedApp", name, {}, opts);
    const parent = { parent: this };
    const { app, tags } = args;

    // --- image → ECR ---
    const platform = args.buildReady
      ? pulumi.output(args.buildReady.then(() => platformOf(app.arch)))
      : platformOf(app.arch);
    const taskflow = this.repository(`${name}-repo`, "taskflow", args);
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${taskflow.repo.repositoryUrl}:taskflow`,
        build: { context: args.repoRoot, dockerfile: join(args.repoRoot, "service", "Dockerfile"), platform },
        registry: taskflow.registry,
      },
      parent,
    );

    // --- logs ---
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/observed-app/${args.namePrefix}/taskflow`, retentionInDays: app.logRetentionDays, tags },
      parent,
    );
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.imageDigest = image.repoDigest;

    if (app.tier === "fleet") {
      const f = args.fleet;
      if (!f) throw new Error(`${name}: the fleet tier needs args.fleet (subnets, database, topic)`);
      // The private subnets cannot pull from Docker Hub: node_exporter's pinned image is copied into ECR.
      const mirror = this.repository(`${name}-node-exporter-repo`, "node-exporter", args);
      const nodeExporter = new docker.Image(
        `${name}-node-exporter`,
        {
          imageName: pulumi.interpolate`${mirror.repo.repositoryUrl}:mirror`,
          build: {
            context: join(args.repoRoot, "components", "images"),
            dockerfile: join(args.repoRoot, "components", "images", "mirror.Dockerfile"),
            args: { SOURCE: DEFAULT_IMAGES.nodeExporter },
            platform,
          },
          registry: mirror.registry,
        },
        parent,
      );
      this.frontDoor = new FrontDoor(
        `${name}-front`,
        {
          namePrefix: args.namePrefix,
          vpcId: args.vpcId,
          vpcCidr: f.vpcCidr,
          subnetIds: f.publicSubnetIds,
          ingressCidrs: args.access.appIngressCidrs,
          appPort: app.port,
          domain: f.domain,
          waf: f.waf,
          minHealthy: f.minSize,
          accessLogDays: args.keepData ? 365 : 30,
          wafLogRetentionDays: app.logRetentionDays,
          keepData: args.keepData,
          forceDestroy: f.forceDestroy,
          pageTopicArn: f.pageTopicArn,
          tags,
        },
        parent,
      );
      this.fleet = new AppFleet(
        `${name}-fleet`,
        {
          namePrefix: args.namePrefix,
          region: args.region,
          vpcId: args.vpcId,
          vpcCidr: f.vpcCidr,
          subnetIds: f.privateSubnetIds,
          s3PrefixListId: f.s3PrefixListId,
          instanceType: app.instanceType,
          arch: app.arch,
          amiId: app.amiId,
          minSize: f.minSize,
          maxSize: f.maxSize,
          port: app.port,
          metricsPort: app.metricsPort,
          faultInjection: app.faultInjection,
          image: image.repoDigest,
          nodeExporterImage: nodeExporter.repoDigest,
          repositoryArns: [taskflow.repo.arn, mirror.repo.arn],
          logGroup: { name: logGroup.name, arn: logGroup.arn },
          apiToken: app.apiToken,
          keepData: args.keepData,
          database: {
            address: f.database.address,
            port: f.database.port,
            name: f.database.name,
            secretArn: f.database.secretArn,
            keyArn: f.database.keyArn,
            securityGroupId: f.database.securityGroupId,
            // Created while the fleet is built (its group waits for it), still a child of this component.
            admit: (securityGroupId) => f.database.allowFrom(`${name}-to-database`, securityGroupId, parent),
          },
          frontDoor: {
            securityGroupId: this.frontDoor.securityGroupId,
            targetGroupArn: this.frontDoor.targetGroupArn,
            // The forwarding listener is a child of the FrontDoor, which does not expose it: a dependency on the
            // component is one on each of its children (the listener, and with a domain the ACM validation).
            listeners: [this.frontDoor],
          },
          pageTopicArn: f.pageTopicArn,
          tags,
        },
        parent,
      );
      this.publicUrl = this.frontDoor.url;
      this.securityGroupId = this.fleet.securityGroupId;
      this.registerOutputs({ publicUrl: this.publicUrl, logGroupName: this.logGroupName });
      return;
    }

    // --- host tier: identity (pull its own image, write its own logs, nothing else) ---
    const rolePolicy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: taskflow.repo.arn,
        },
        {
          Sid: "OwnLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
        },
      ],
    } satisfies aws.iam.PolicyDocument);
    const host = new Ec2Host(
      name,
      {
        role: HOST_ROLES.app,
        arch: app.arch,
        instanceType: app.instanceType,
        amiId: app.amiId,
        vpcId: args.vpcId,
        subnet: args.subnet,
        rolePolicy,
        adminCidrs: args.access.adminCidrs,
        description: "TaskFlow app host",
        dataVolumeGiB: app.dataVolumeGiB,
        keepData: args.keepData,
        sshReady: args.sshReady,
        tags,
      },
      this,
    );
    // The public port to the configured CIDRs; scrape ports are opened by MonitoringHost for its own group only.
    host.allowFrom("public", app.port, args.access.appIngressCidrs, "public API", parent);

    // --- setup over SSH (@pulumi/command 1.2.1) ---
    const connection = host.connection;
    const instanceId = host.instance.id;
    const bootstrap = new command.remote.Command(
      `${name}-bootstrap`,
      {
        connection,
        create: pulumi.interpolate`export DATA_DEVICE=${DATA_DEVICE} NODE_EXPORTER_IMAGE=${DEFAULT_IMAGES.nodeExporter}\n${hostScript("app-bootstrap.sh")}`,
        triggers: [instanceId, hostScript("app-bootstrap.sh")],
      },
      { parent: this, dependsOn: [host.attachment, host.addressAssociation] },
    );
    const deployScript = hostScript("app-deploy.sh");
    // The edge serves the public port over TLS with the host's certificate: certificate and key travel on stdin
    // with the token (base64, one line each), and a renewed certificate re-runs the deploy (an edge reload).
    const b64 = (pem: string) => Buffer.from(pem).toString("base64");
    const stdin = pulumi.secret(
      pulumi
        .all([app.apiToken, host.tlsCertPem, host.tlsKeyPem])
        .apply(([token, cert, key]) => `API_TOKEN=${token}\nTLS_CERT_B64=${b64(cert)}\nTLS_KEY_B64=${b64(key)}\n`),
    );
    new command.remote.Command(
      `${name}-deploy`,
      {
        connection,
        create: pulumi.interpolate`export IMAGE=${image.repoDigest} EDGE_IMAGE=${DEFAULT_IMAGES.edge} REGION=${args.region} LOG_GROUP=${logGroup.name} PORT=${app.port} METRICS_PORT=${app.metricsPort} FAULT_INJECTION=${app.faultInjection ? "on" : "off"}\n${deployScript}`,
        // Secrets travel on stdin into root-only files, never in the command line or the logs.
        stdin,
        // A new host, a new image, a new script, a rotated secret or a renewed certificate re-runs the deploy (the
        // script rolls a new container out through the edge when the image or its environment changed, and
        // reloads the edge when only its certificate did).
        triggers: [instanceId, image.repoDigest, deployScript, app.apiToken, host.tlsFingerprint],
      },
      { parent: this, dependsOn: [bootstrap], additionalSecretOutputs: ["stdin"] },
    );

    this.publicUrl = pulumi.interpolate`https://${host.publicIp}:${app.port}`;
    this.tlsCertPem = host.tlsCertPem;
    this.tlsFingerprint = host.tlsFingerprint;
    this.securityGroupId = host.securityGroup.id;
    this.sshPrivateKey = host.privateKey;
    this.registerOutputs({ publicUrl: this.publicUrl, logGroupName: this.logGroupName });
  }

  /** An ECR repository of the stack (scanned on push, KMS-encrypted, the last `ecrKeepImages` kept) and its login. */
  private repository(name: string, image: string, args: ObservedAppArgs) {
    const repo = new aws.ecr.Repository(
      name,
      {
        name: `${args.namePrefix}/${image}`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "MUTABLE",
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: !args.keepData,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      name,
      {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `keep the last ${args.app.ecrKeepImages} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: args.app.ecrKeepImages },
              action: { type: "expire" },
            },
          ],
        }),
      },
      { parent: this },
    );
    const creds = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, { parent: this });
    const registry = { server: repo.repositoryUrl, username: creds.userName, password: pulumi.secret(creds.password) };
    return { repo, registry };
  }
}
