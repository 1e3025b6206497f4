/**
 * The app's host tier: TaskFlow on one EC2 host (components/host.ts: a least-privilege instance role, a security
 * group, an IMDSv2-only instance with its own encrypted data volume for SQLite, an Elastic IP and a TLS
 * certificate), set up over SSH with @pulumi/command 1.2.1: a bootstrap step, then a deploy that runs the
 * container by digest behind a TLS edge and health-checks every rollout.
 *
 * These resources were children of ObservedApp before this component held them. A URN names the parent's type, so
 * each carries an alias to its former parent (the component holding this one): a deployed stack's next `pulumi
 * up` finds them under their old URNs and replaces nothing.
 */
import type * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGES, HEALTH_PATH, HOST_ROLES, MONITORING_PORTS } from "../monitoring-config";
import { BuiltComponent } from "./component";
import type { AppTier, Arch } from "./config";
import { DATA_DEVICE, Ec2Host, type HostPlacement } from "./host";
import { hostScript } from "./host-scripts";

/** The app's settings, for either tier (ObservedApp's `app`). */
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

/** Who may reach what. */
export interface AccessArgs {
  /** CIDRs allowed to SSH in (and to the monitoring UIs). */
  readonly adminCidrs: readonly string[];
  /** CIDRs allowed to reach the app's public port. */
  readonly appIngressCidrs: readonly string[];
}

/** The app on its host: where it runs (HostPlacement), what runs, who may reach it. */
export interface AppHostArgs extends HostPlacement {
  /** The app's settings; the host tier reads all but `ecrKeepImages`, `logRetentionDays` and `tier`. */
  readonly app: TaskFlowArgs;
  readonly access: AccessArgs;
  /** The app's image by digest, and the ECR repository it is in (the only one the host may pull from). */
  readonly image: { digest: pulumi.Input<string>; repositoryArn: pulumi.Input<string> };
  /** The app's CloudWatch log group (the only one the host may write to). */
  readonly logGroup: { name: pulumi.Input<string>; arn: pulumi.Input<string> };
}

/** TaskFlow on one EC2 host, set up and rolled out over SSH. */
export class AppHost extends BuiltComponent<AppHostArgs> {
  /** `https://<Elastic IP>:<port>` (stable across replacements). */
  public readonly publicUrl: pulumi.Output<string>;
  /** The edge's self-signed certificate (PEM) and its SHA-256 fingerprint, which clients pin. */
  public readonly tlsCertPem: pulumi.Output<string>;
  public readonly tlsFingerprint: pulumi.Output<string>;
  /** The host's security group: MonitoringHost opens the scrape ports on it. */
  public readonly securityGroupId: pulumi.Output<string>;
  /** The SSH key of the host (a secret). */
  public readonly sshPrivateKey: pulumi.Output<string>;

  constructor(name: string, args: AppHostArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every child is aliased to the parent it had before (see the header); `parent: undefined` is an alias to no
    // parent (the stack): what a child of an unparented AppHost had.
    super("observed-app:index:AppHost", name, args, opts, { aliases: [{ parent: opts?.parent }] });

    const host = this.host();
    this.setup(host);

    this.publicUrl = pulumi.interpolate`https://${host.publicIp}:${args.app.port}`;
    this.tlsCertPem = host.tlsCertPem;
    this.tlsFingerprint = host.tlsFingerprint;
    this.securityGroupId = host.securityGroup.id;
    this.sshPrivateKey = host.privateKey;
    this.registerOutputs({ publicUrl: this.publicUrl });
  }

  /** The host, whose role may pull its own image and write its own logs (nothing else), and its public port. */
  private host(): Ec2Host {
    const { componentName: name, args, child } = this;
    const rolePolicy = pulumi.jsonStringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "EcrPull",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: args.image.repositoryArn,
        },
        {
          Sid: "OwnLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          Resource: [args.logGroup.arn, pulumi.interpolate`${args.logGroup.arn}:*`],
        },
      ],
    } satisfies aws.iam.PolicyDocument);
    const host = new Ec2Host(
      name,
      {
        role: HOST_ROLES.app,
        arch: args.app.arch,
        instanceType: args.app.instanceType,
        amiId: args.app.amiId,
        vpcId: args.vpcId,
        subnet: args.subnet,
        rolePolicy,
        adminCidrs: args.access.adminCidrs,
        description: "TaskFlow app host",
        dataVolumeGiB: args.app.dataVolumeGiB,
        keepData: args.keepData,
        sshReady: args.sshReady,
        tags: args.tags,
      },
      this,
      child.aliases,
    );
    // The public port to the configured CIDRs; scrape ports are opened by MonitoringHost for its own group only.
    host.allowFrom("public", args.app.port, args.access.appIngressCidrs, "public API", child);
    return host;
  }

  /** Setup over SSH: the bootstrap (Docker, the data volume, node_exporter), then the deploy of the image. */
  private setup(host: Ec2Host): void {
    const { componentName: name, args, child } = this;
    const connection = host.connection;
    const instanceId = host.instance.id;
    const bootstrap = new command.remote.Command(
      `${name}-bootstrap`,
      {
        connection,
        create: pulumi.interpolate`export DATA_DEVICE=${DATA_DEVICE} NODE_EXPORTER_IMAGE=${DEFAULT_IMAGES.nodeExporter} NODE_EXPORTER_PORT=${MONITORING_PORTS.nodeExporter}\n${hostScript("app-bootstrap.sh")}`,
        triggers: [instanceId, hostScript("app-bootstrap.sh")],
      },
      { ...child, dependsOn: [host.attachment, host.addressAssociation] },
    );
    const deployScript = hostScript("app-deploy.sh");
    // The edge serves the public port over TLS with the host's certificate: certificate and key travel on stdin
    // with the token (base64, one line each), and a renewed certificate re-runs the deploy (an edge reload).
    const b64 = (pem: string) => Buffer.from(pem).toString("base64");
    const stdin = pulumi.secret(
      pulumi
        .all([args.app.apiToken, host.tlsCertPem, host.tlsKeyPem])
        .apply(([token, cert, key]) => `API_TOKEN=${token}\nTLS_CERT_B64=${b64(cert)}\nTLS_KEY_B64=${b64(key)}\n`),
    );
    new command.remote.Command(
      `${name}-deploy`,
      {
        connection,
        create: pulumi.interpolate`export IMAGE=${args.image.digest} EDGE_IMAGE=${DEFAULT_IMAGES.edge} REGION=${args.region} LOG_GROUP=${args.logGroup.name} PORT=${args.app.port} METRICS_PORT=${args.app.metricsPort} FAULT_INJECTION=${args.app.faultInjection ? "on" : "off"} HEALTH_PATH=${HEALTH_PATH}\n${deployScript}`,
        // Secrets travel on stdin into root-only files, never in the command line or the logs.
        stdin,
        // A new host, a new image, a new script, a rotated secret or a renewed certificate re-runs the deploy (the
        // script rolls a new container out through the edge when the image or its environment changed, and
        // reloads the edge when only its certificate did).
        triggers: [instanceId, args.image.digest, deployScript, args.app.apiToken, host.tlsFingerprint],
      },
      { ...child, dependsOn: [bootstrap], additionalSecretOutputs: ["stdin"] },
    );
  }
}
