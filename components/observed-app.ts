import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import type { Settings } from "./config";
import { hostBasics, hostScript } from "./host-scripts";

export const NODE_EXPORTER_PORT = 9100;
export const NODE_EXPORTER_IMAGE = "prom/node-exporter:v1.8.2";
const DATA_DEVICE = "/dev/sdf";

export interface ObservedAppArgs {
  /** Prefix of names AWS sees (`${project}-${stack}`). */
  namePrefix: string;
  region: string;
  vpcId: pulumi.Input<string>;
  /** Public subnet the host runs in. */
  subnetId: pulumi.Input<string>;
  /** The app's settings: instance type and arch, ports, data volume, token, ECR, log retention, fault injection. */
  app: Settings["app"];
  /** Who may reach the public port and SSH. */
  access: Settings["access"];
  /** Dev: ECR repository may be deleted with images in it. */
  forceDelete: boolean;
  /** Keep the SQLite volume when the instance is replaced or the stack destroyed (prod). */
  retainData: boolean;
  /** Repository root: the image is built from service/Dockerfile with this context. */
  repoRoot: string;
  tags: Record<string, string>;
}

/**
 * TaskFlow on EC2: image built from service/ and pushed to ECR, a least-privilege instance role, a security
 * group, an IMDSv2-only instance with an encrypted data volume, and remote setup over SSH that runs the
 * container by digest (logs to CloudWatch) and health-checks every rollout.
 */
export class ObservedApp extends pulumi.ComponentResource {
  public readonly publicUrl: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;
  public readonly privateIp: pulumi.Output<string>;
  public readonly metricsTarget: pulumi.Output<string>;
  public readonly nodeTarget: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly repositoryUrl: pulumi.Output<string>;
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
        forceDelete: args.forceDelete,
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
    const platform = app.arch === "arm64" ? "linux/arm64" : "linux/amd64";
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
    const host = hostBasics(name, { arch: app.arch, rolePolicy, tags }, this);

    // --- network exposure: public port to the configured CIDRs, SSH to admins; scrape ports are opened by
    //     MonitoringHost for its own security group only ---
    const sg = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: "TaskFlow app host", tags: { ...tags, Name: `${name}-sg` } },
      parent,
    );
    args.access.appIngressCidrs.forEach(
      (cidr, i) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-public-${i}`,
          {
            securityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: app.port,
            toPort: app.port,
            cidrIpv4: cidr,
            description: "public API",
          },
          parent,
        ),
    );
    args.access.adminCidrs.forEach(
      (cidr, i) =>
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-ssh-${i}`,
          {
            securityGroupId: sg.id,
            ipProtocol: "tcp",
            fromPort: 22,
            toPort: 22,
            cidrIpv4: cidr,
            description: "SSH from admins",
          },
          parent,
        ),
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-egress`,
      { securityGroupId: sg.id, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", description: "ECR, CloudWatch, packages" },
      parent,
    );

    // --- host ---
    const instance = new aws.ec2.Instance(
      `${name}-host`,
      {
        ami: host.amiId,
        instanceType: app.instanceType,
        subnetId: args.subnetId,
        vpcSecurityGroupIds: [sg.id],
        iamInstanceProfile: host.profile.name,
        keyName: host.keyPair.keyName,
        // IMDSv2 only; hop limit 2 so the container can reach the instance role for the awslogs driver.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
        rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 16 },
        ebsBlockDevices: [
          {
            deviceName: DATA_DEVICE,
            encrypted: true,
            volumeType: "gp3",
            volumeSize: app.dataVolumeGiB,
            deleteOnTermination: !args.retainData,
          },
        ],
        tags: { ...tags, Name: `${name}-host`, Role: "app" },
      },
      parent,
    );

    // --- setup over SSH (@pulumi/command 1.2.1) ---
    const connection = host.connection(instance.publicIp);
    const bootstrap = new command.remote.Command(
      `${name}-bootstrap`,
      {
        connection,
        create: pulumi.interpolate`export DATA_DEVICE=${DATA_DEVICE} NODE_EXPORTER_IMAGE=${NODE_EXPORTER_IMAGE}\n${hostScript("app-bootstrap.sh")}`,
        triggers: [instance.id, hostScript("app-bootstrap.sh")],
      },
      parent,
    );
    const deployScript = hostScript("app-deploy.sh");
    new command.remote.Command(
      `${name}-deploy`,
      {
        connection,
        create: pulumi.interpolate`export IMAGE=${image.repoDigest} REGION=${args.region} LOG_GROUP=${logGroup.name} PORT=${app.port} METRICS_PORT=${app.metricsPort} FAULT_INJECTION=${app.faultInjection ? "on" : "off"}\n${deployScript}`,
        // The secret travels on stdin into a root-only env file, never in the command line or the logs.
        stdin: pulumi.secret(pulumi.interpolate`API_TOKEN=${app.apiToken}\n`),
        triggers: [image.repoDigest, deployScript, app.apiToken],
      },
      { parent: this, dependsOn: [bootstrap], additionalSecretOutputs: ["stdin"] },
    );

    this.publicIp = instance.publicIp;
    this.publicUrl = pulumi.interpolate`http://${instance.publicIp}:${app.port}`;
    this.privateIp = instance.privateIp;
    this.metricsTarget = pulumi.interpolate`${instance.privateIp}:${app.metricsPort}`;
    this.nodeTarget = pulumi.interpolate`${instance.privateIp}:${NODE_EXPORTER_PORT}`;
    this.logGroupName = logGroup.name;
    this.securityGroupId = sg.id;
    this.repositoryUrl = repo.repositoryUrl;
    this.imageDigest = image.repoDigest;
    this.sshPrivateKey = pulumi.secret(host.key.privateKeyOpenssh);
    this.registerOutputs({ publicUrl: this.publicUrl, privateIp: this.privateIp, logGroupName: this.logGroupName });
  }
}
