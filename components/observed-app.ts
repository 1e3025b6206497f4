import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { DEFAULT_IMAGES } from "../monitoring-config";
import { AppFleet } from "./app-fleet";
import { AppHost, type AccessArgs, type TaskFlowArgs } from "./app-host";
import { BuiltComponent, type FleetPartArgs } from "./component";
import type { AppDomain } from "./config";
import type { Database } from "./database";
import { FrontDoor } from "./front-door";
import type { HostPlacement } from "./host";
import { platformOf } from "./preflight";

/** The fleet tier's parts (used when `app.tier` is "fleet"). */
export interface FleetArgs {
  readonly vpcCidr: string;
  /** Public subnets (the load balancer) and private subnets (the instances), one per zone. */
  readonly publicSubnetIds: pulumi.Input<string>[];
  readonly privateSubnetIds: pulumi.Input<string>[];
  readonly s3PrefixListId: pulumi.Input<string>;
  readonly minSize: number;
  readonly maxSize: number;
  /** HTTPS on this name (see FrontDoor); absent: plain HTTP. */
  readonly domain?: AppDomain;
  readonly waf?: { rateLimit: number };
  readonly database: Database;
  /** The page topic: unhealthy targets, load balancer 5xx, an instance refresh that did not roll out. */
  readonly pageTopicArn: pulumi.Input<string>;
  /** Allow destroying the access-log bucket with its objects (dev). */
  readonly forceDestroy: boolean;
}

/** What both tiers start from: the app's image, the repository it is in, its log group. */
interface BuiltApp {
  image: docker.Image;
  repository: aws.ecr.Repository;
  logGroup: aws.cloudwatch.LogGroup;
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
 * - `host`: an AppHost (components/app-host.ts): one EC2 host with its own data volume (SQLite) and Elastic IP,
 *   set up over SSH, running the container by digest behind a TLS edge and health-checking every rollout;
 * - `fleet`: a FrontDoor (load balancer, TLS, WAF) and an AppFleet (launch template + Auto Scaling group in
 *   private subnets, set up by cloud-init) on the stack's Database; node_exporter's image is mirrored into ECR,
 *   since the private subnets have no route to the internet.
 */
export class ObservedApp extends BuiltComponent<ObservedAppArgs> {
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
  /** Host only: the host tier. */
  public readonly host?: AppHost;
  /** Fleet only: the front door and the group. */
  public readonly frontDoor?: FrontDoor;
  public readonly fleet?: AppFleet;
  /** The platform the images are built for (once the build machine is known to build it). */
  private readonly platform: pulumi.Input<string>;

  constructor(name: string, args: ObservedAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:ObservedApp", name, args, opts);
    const { app } = args;
    this.platform = args.buildReady
      ? pulumi.output(args.buildReady.then(() => platformOf(app.arch)))
      : platformOf(app.arch);

    // --- image → ECR ---
    const taskflow = this.repository(`${name}-repo`, "taskflow");
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${taskflow.repo.repositoryUrl}:taskflow`,
        build: {
          context: args.repoRoot,
          dockerfile: join(args.repoRoot, "service", "Dockerfile"),
          platform: this.platform,
        },
        registry: taskflow.registry,
      },
      this.child,
    );
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/observed-app/${args.namePrefix}/taskflow`, retentionInDays: app.logRetentionDays, tags: args.tags },
      this.child,
    );
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.imageDigest = image.repoDigest;
    const built: BuiltApp = { image, repository: taskflow.repo, logGroup };

    if (app.tier === "fleet") {
      const f = args.fleet;
      if (!f) throw new Error(`${name}: the fleet tier needs args.fleet (subnets, database, topic)`);
      const nodeExporter = this.nodeExporterMirror();
      this.frontDoor = this.frontDoorOf(f);
      this.fleet = this.fleetOf(f, built, nodeExporter, this.frontDoor);
      this.publicUrl = this.frontDoor.url;
      this.securityGroupId = this.fleet.securityGroupId;
    } else {
      this.host = this.hostOf(built);
      this.publicUrl = this.host.publicUrl;
      this.tlsCertPem = this.host.tlsCertPem;
      this.tlsFingerprint = this.host.tlsFingerprint;
      this.securityGroupId = this.host.securityGroupId;
      this.sshPrivateKey = this.host.sshPrivateKey;
    }
    this.registerOutputs({ publicUrl: this.publicUrl, logGroupName: this.logGroupName });
  }

  /** The host tier: one host, named as this component (its resources keep the names they had here). */
  private hostOf(built: BuiltApp): AppHost {
    const { args } = this;
    return new AppHost(
      this.componentName,
      {
        region: args.region,
        vpcId: args.vpcId,
        subnet: args.subnet,
        keepData: args.keepData,
        sshReady: args.sshReady,
        tags: args.tags,
        app: args.app,
        access: args.access,
        image: { digest: built.image.repoDigest, repositoryArn: built.repository.arn },
        logGroup: { name: built.logGroup.name, arn: built.logGroup.arn },
      },
      this.child,
    );
  }

  /** What the fleet's FrontDoor and AppFleet are both given. */
  private fleetPart(f: FleetArgs): FleetPartArgs & { vpcCidr: string } {
    const { namePrefix, vpcId, keepData, tags } = this.args;
    return { namePrefix, vpcId, keepData, pageTopicArn: f.pageTopicArn, tags, vpcCidr: f.vpcCidr };
  }

  /** The fleet's load balancer in the public subnets. */
  private frontDoorOf(f: FleetArgs): FrontDoor {
    const { componentName: name, args } = this;
    return new FrontDoor(
      `${name}-front`,
      {
        ...this.fleetPart(f),
        subnetIds: f.publicSubnetIds,
        ingressCidrs: args.access.appIngressCidrs,
        appPort: args.app.port,
        domain: f.domain,
        waf: f.waf,
        minHealthy: f.minSize,
        accessLogDays: args.keepData ? 365 : 30,
        wafLogRetentionDays: args.app.logRetentionDays,
        forceDestroy: f.forceDestroy,
      },
      this.child,
    );
  }

  /** The private subnets cannot pull from Docker Hub: node_exporter's pinned image is copied into ECR. */
  private nodeExporterMirror() {
    const { componentName: name, args } = this;
    const mirror = this.repository(`${name}-node-exporter-repo`, "node-exporter");
    const images = join(args.repoRoot, "components", "images");
    const image = new docker.Image(
      `${name}-node-exporter`,
      {
        imageName: pulumi.interpolate`${mirror.repo.repositoryUrl}:mirror`,
        build: {
          context: images,
          dockerfile: join(images, "mirror.Dockerfile"),
          args: { SOURCE: DEFAULT_IMAGES.nodeExporter },
          platform: this.platform,
        },
        registry: mirror.registry,
      },
      this.child,
    );
    return { image, repository: mirror.repo };
  }

  /** The fleet behind the front door, on the database, running the app's image and the mirrored node_exporter. */
  private fleetOf(
    f: FleetArgs,
    built: BuiltApp,
    nodeExporter: { image: docker.Image; repository: aws.ecr.Repository },
    frontDoor: FrontDoor,
  ): AppFleet {
    const { componentName: name, args } = this;
    const { app } = args;
    const db = f.database;
    return new AppFleet(
      `${name}-fleet`,
      {
        ...this.fleetPart(f),
        region: args.region,
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
        image: built.image.repoDigest,
        nodeExporterImage: nodeExporter.image.repoDigest,
        repositoryArns: [built.repository.arn, nodeExporter.repository.arn],
        logGroup: { name: built.logGroup.name, arn: built.logGroup.arn },
        apiToken: app.apiToken,
        database: {
          address: db.address,
          port: db.port,
          name: db.name,
          secretArn: db.secretArn,
          keyArn: db.keyArn,
          securityGroupId: db.securityGroupId,
          // Created while the fleet is built (its group waits for it), still a child of this component.
          admit: (securityGroupId) => db.allowFrom(`${name}-to-database`, securityGroupId, this.child),
        },
        frontDoor: {
          securityGroupId: frontDoor.securityGroupId,
          targetGroupArn: frontDoor.targetGroupArn,
          // The forwarding listener is a child of the FrontDoor, which does not expose it: a dependency on the
          // component is one on each of its children (the listener, and with a domain the ACM validation).
          listeners: [frontDoor],
        },
      },
      this.child,
    );
  }

  /** An ECR repository of the stack (scanned on push, KMS-encrypted, the last `ecrKeepImages` kept) and its login. */
  private repository(name: string, image: string) {
    const { args } = this;
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
