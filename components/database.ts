/**
 * The fleet's database: one RDS PostgreSQL instance in the private subnets.
 *
 * Why RDS and not Aurora: the workload is one small table behind a connection pool per instance. Aurora
 * Serverless v2 never goes below 0.5 ACU (about $50 a month) plus I/O, and a provisioned Aurora writer starts at
 * db.t4g.medium; an RDS db.t4g.micro costs about $12 a month in dev, and prod's Multi-AZ instance gives the
 * standby and automatic failover the app needs. Aurora is the step to take for read replicas or a
 * failover under 30 s.
 *
 * - storage encrypted with a customer-managed key of the stack's own (rotated yearly), which also encrypts the
 *   master user's secret and the app's token secret: the app may decrypt through Secrets Manager only;
 * - the master password is generated and rotated by RDS in Secrets Manager (`manageMasterUserPassword`): it never
 *   exists in the program or its state;
 * - reachable only from the security groups given to `allowFrom` (the app's), never publicly;
 * - TLS forced (`rds.force_ssl`), statements slower than 500 ms logged without their bind parameters
 *   (`log_parameter_max_length=0`, also on error), the PostgreSQL and upgrade logs exported to CloudWatch Logs
 *   (groups created here, so they have a retention);
 * - when data is kept (prod): Multi-AZ, deletion protection, `protect`, a final snapshot, retained on delete.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { databaseAlarms, pagingAlarms } from "./alarms";
import { BuiltComponent, type FleetPartArgs } from "./component";
import { maxConnectionsOf } from "./config";
import { securityGroup, tcpIngress } from "./network";

/** PostgreSQL major version (the service's store is tested against Debian's 15 and uses nothing newer). */
export const POSTGRES_MAJOR = "16";
/**
 * What the server logs of a statement: those slower than 500 ms, never with their bind parameters (task contents),
 * neither on a slow statement nor on an error. The `log_parameter_*` settings exist since PostgreSQL 13 and are
 * dynamic (context superuser), so RDS applies them immediately, without a reboot.
 */
export const STATEMENT_LOGGING = {
  log_min_duration_statement: "500",
  log_parameter_max_length: "0",
  log_parameter_max_length_on_error: "0",
} as const;

/** Database name and master user the app connects as. */
export const DATABASE_NAME = "taskflow";
export const DATABASE_USER = "taskflow";

/**
 * The database's args. `namePrefix` names the instance identifier, the key alias and the log groups; `keepData`
 * (prod) means Multi-AZ, deletion protection, a final snapshot, `protect` and retain on delete; the saturation
 * alarms page `pageTopicArn`.
 */
export interface DatabaseArgs extends FleetPartArgs {
  /** Private subnets in at least two zones (the DB subnet group requires two). */
  readonly subnetIds: pulumi.Input<string>[];
  /** RDS instance class, e.g. `db.t4g.micro`. */
  readonly instanceClass: string;
  /** Allocated gp3 storage (GiB); storage autoscaling may grow it to 5 times this. */
  readonly storageGiB: number;
  /** Days of automated backups (1 to 35). */
  readonly backupRetentionDays: number;
  /** Retention of the exported PostgreSQL logs (days; a value CloudWatch Logs accepts). */
  readonly logRetentionDays: number;
}

/** The fleet's RDS PostgreSQL (see above): its key, security group, subnet and parameter groups, logs, alarms. */
export class Database extends BuiltComponent<DatabaseArgs> {
  public readonly address: pulumi.Output<string>;
  public readonly port: pulumi.Output<number>;
  /** `DBInstanceIdentifier` (CloudWatch's dimension). */
  public readonly identifier: pulumi.Output<string>;
  /** The RDS-managed secret holding `{"username", "password"}` (rotated by RDS). */
  public readonly secretArn: pulumi.Output<string>;
  /** The stack's database key: storage, the master secret, and any secret the app reads. */
  public readonly keyArn: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  /** The parameter group's `max_connections`. */
  public readonly maxConnections: number;
  public readonly name = DATABASE_NAME;
  public readonly user = DATABASE_USER;

  private readonly securityGroup: aws.ec2.SecurityGroup;
  /** The instance identifier: also the prefix of the subnet and parameter groups, key alias and alarms. */
  private readonly dbId: string;
  /** Data kept in prod: protected and retained on delete. */
  private readonly kept: pulumi.CustomResourceOptions;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observed-app:index:Database", name, args, opts);
    this.dbId = `${args.namePrefix}-db`;
    this.kept = args.keepData ? { parent: this, protect: true, retainOnDelete: true } : this.child;
    this.maxConnections = maxConnectionsOf(args.instanceClass);

    const key = this.encryptionKey(name);
    this.securityGroup = this.ownSecurityGroup(name);
    const db = this.instance(name, key);
    pagingAlarms(
      name,
      databaseAlarms(this.dbId, db.identifier, this.maxConnections, args.storageGiB),
      args.pageTopicArn,
      args.tags,
      this.child,
    );

    this.address = db.address;
    this.port = db.port;
    this.identifier = db.identifier;
    this.secretArn = db.masterUserSecrets.apply((s) => {
      const arn = s?.[0]?.secretArn;
      if (!arn) throw new Error(`${this.dbId}: RDS reported no master user secret`);
      return arn;
    });
    this.keyArn = key.arn;
    this.securityGroupId = this.securityGroup.id;
    this.registerOutputs({ address: this.address, identifier: this.identifier, secretArn: this.secretArn });
  }

  /** The stack's database key (rotated yearly) and its alias. */
  private encryptionKey(name: string): aws.kms.Key {
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `RDS ${this.dbId}: storage, master secret and the app's secrets`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: this.args.tags,
      },
      this.kept,
    );
    new aws.kms.Alias(`${name}-key`, { name: `alias/${this.dbId}`, targetKeyId: key.keyId }, this.child);
    return key;
  }

  /** The database's security group: no rule of its own; `allowFrom` admits the app. */
  private ownSecurityGroup(name: string): aws.ec2.SecurityGroup {
    // No egress: the database starts no connections. No inline `egress: []` to say so: a declared inline set is
    // managed whole (the ingress rule `allowFrom` adds would be one step from being revoked), and the provider
    // revokes AWS's default allow-all egress on create anyway (terraform-provider-aws v6,
    // ec2/vpc_security_group.go, resourceSecurityGroupCreate): with no egress rule declared, there is none.
    const description = `RDS ${this.dbId}: PostgreSQL from the app only`;
    return securityGroup(`${name}-sg`, this.args.vpcId, description, this.args.tags, this.child);
  }

  /** The subnet and parameter groups, the log groups it exports to, and the instance. */
  private instance(name: string, key: aws.kms.Key): aws.rds.Instance {
    const { args, dbId: identifier, child } = this;
    const { tags } = args;
    const subnets = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { name: identifier, subnetIds: args.subnetIds, description: `${identifier}: private subnets`, tags },
      child,
    );
    const parameters = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        name: `${identifier}-pg${POSTGRES_MAJOR}`,
        family: `postgres${POSTGRES_MAJOR}`,
        description: `${identifier}: TLS only, slow statements logged, fixed connection ceiling`,
        parameters: [
          { name: "rds.force_ssl", value: "1" },
          ...Object.entries(STATEMENT_LOGGING).map(([name, value]) => ({ name, value })),
          { name: "max_connections", value: String(this.maxConnections), applyMethod: "pending-reboot" },
        ],
        tags,
      },
      child,
    );
    // RDS creates these when it first exports; created here first, they get a retention.
    const logGroups = ["postgresql", "upgrade"].map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${log}`,
          { name: `/aws/rds/instance/${identifier}/${log}`, retentionInDays: args.logRetentionDays, tags },
          child,
        ),
    );
    return new aws.rds.Instance(
      `${name}-instance`,
      {
        identifier,
        engine: "postgres",
        engineVersion: POSTGRES_MAJOR,
        autoMinorVersionUpgrade: true,
        instanceClass: args.instanceClass,
        dbName: DATABASE_NAME,
        username: DATABASE_USER,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: key.arn,
        allocatedStorage: args.storageGiB,
        maxAllocatedStorage: args.storageGiB * 5,
        storageType: "gp3",
        storageEncrypted: true,
        kmsKeyId: key.arn,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        publiclyAccessible: false,
        parameterGroupName: parameters.name,
        multiAz: args.keepData,
        deletionProtection: args.keepData,
        backupRetentionPeriod: args.backupRetentionDays,
        backupWindow: "02:00-03:00",
        maintenanceWindow: "sun:03:30-sun:04:30",
        copyTagsToSnapshot: true,
        skipFinalSnapshot: !args.keepData,
        finalSnapshotIdentifier: args.keepData ? `${identifier}-final` : undefined,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        caCertIdentifier: "rds-ca-rsa2048-g1",
        applyImmediately: !args.keepData,
        tags,
      },
      { ...this.kept, dependsOn: logGroups },
    );
  }

  /** Admit PostgreSQL from a security group (the app's): the only way in. Returns the rule (to wait for it). */
  allowFrom(
    name: string,
    securityGroupId: pulumi.Input<string>,
    opts: pulumi.CustomResourceOptions,
  ): aws.vpc.SecurityGroupIngressRule {
    return tcpIngress(
      name,
      {
        securityGroupId: this.securityGroup.id,
        port: 5432,
        peer: { referencedSecurityGroupId: securityGroupId },
        description: "PostgreSQL from the app",
      },
      opts,
    );
  }
}
