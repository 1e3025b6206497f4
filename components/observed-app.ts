import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { DEFAULT_IMAGES, HOST_ROLES } from "../monitoring-config";
import type { Arch } from "./config";
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
}

/**
 * TaskFlow on EC2: image built from service/ and pushed to ECR, a least-privilege instance role, a security
 * group, an IMDSv2-only instance with its own encrypted data volume and an Elastic IP (components/host.ts),
 * and remote setup over SSH that runs the container by digest (logs to CloudWatch) and health-checks every
 * rollout.
 */
export class ObservedApp extends pulumi.ComponentResource {
  /** `https://<Elastic IP>:<port>`: stable across host replacements. */
  public readonly publicUrl: pulumi.Output<string>;
  /** The edge's self-signed certificate (PEM) and its SHA-256 fingerprint, which clients pin. */
  public readonly tlsCertPem: pulumi.Output<string>;
  public readonly tlsFingerprint: pulumi.Output<string>;
  public readonly logGroupArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly imageDigest: pulumi.Output<string>;
  public readonly sshPrivateKey: pulumi.Output<string>;

  constructor(name: string, args: ObservedAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:ObservedApp", name, {}, opts);
    const parent = { parent: this };
    const { app, tags } = args;

    // --- image → ECR ---
    const repo = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: `${args.namePrefix}/taskflow`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "MUTABLE",
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: !args.keepData,
        tags,
      },
      parent,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-repo`,
      {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: `keep the last ${app.ecrKeepImages} images`,
              selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: app.ecrKeepImages },
              action: { type: "expire" },
            },
          ],
        }),
      },
      parent,
    );
    const creds = aws.ecr.getAuthorizationTokenOutput({ registryId: repo.registryId }, parent);
    const platform = args.buildReady
      ? pulumi.output(args.buildReady.then(() => platformOf(app.arch)))
      : platformOf(app.arch);
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${repo.repositoryUrl}:taskflow`,
        build: { context: args.repoRoot, dockerfile: join(args.repoRoot, "service", "Dockerfile"), platform },
        registry: { server: repo.repositoryUrl, username: creds.userName, password: pulumi.secret(creds.password) },
      },
      parent,
    );

    // --- logs ---
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/observed-app/${args.namePrefix}/taskflow`, retentionInDays: app.logRetentionDays, tags },
      parent,
    );

    // --- identity: pull its own image, write its own logs, nothing else ---
    const rolePolicy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: repo.arn,
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
    this.logGroupName = logGroup.name;
    this.logGroupArn = logGroup.arn;
    this.securityGroupId = host.securityGroup.id;
    this.imageDigest = image.repoDigest;
    this.sshPrivateKey = host.privateKey;
    this.registerOutputs({ publicUrl: this.publicUrl, logGroupName: this.logGroupName });
  }
}
