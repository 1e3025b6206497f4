/**
 * Replace-on-change tables: for every resource type the program registers, which input properties force a new
 * resource, taken from the provider's own source at (or bracketing) our pinned versions. Pure data.
 *
 * Paths use the Pulumi property names (camelCase; `[*]` for any list element). A change at a listed path, below
 * it, or above it (a whole block added or removed) forces replacement; any other input change is an update.
 * Properties not listed are updatable. Terraform's per-resource `region` argument (v6) is not listed: the program
 * never sets it.
 */

export interface SourceRef {
  repo: string;
  /** Tag or commit read, and how it relates to the pinned version. */
  ref: string;
  files: string[];
}

export interface Recompute {
  /** Input paths whose change recomputes the outputs; empty = any change. */
  when: string[];
  /** Computed outputs that take a new value (unknown at preview). */
  outputs: string[];
  why: string;
}

export interface TypeRule {
  /** The upstream resource this Pulumi type bridges, for the record. */
  upstream: string;
  forceNew: string[];
  /** Any input change replaces (every attribute RequiresReplace). */
  anyChangeReplaces?: boolean;
  /** Paths the provider's diff ignores. */
  diffIgnores?: string[];
  /** Provider-specific replacement rule beyond plain paths; returns the reason, or undefined. */
  replaceIf?: (before: Record<string, unknown>, after: Record<string, unknown>) => string | undefined;
  recomputeOnUpdate?: Recompute[];
  /** What an update actually does, when that is not obvious. */
  updateNote?: string;
  /** Why a replacement must delete the old resource first (else the create fails). */
  replaceNeedsDeleteFirst?: string;
  /** Why the resource holds data; a function when it depends on the inputs. */
  dataBearing?: string | ((inputs: Record<string, unknown>) => string | undefined);
  source: SourceRef;
}

const TF_AWS_V5 =
  "v5.5.0 tag in pulumi/terraform-provider-aws (4b19274d, 2023-06-22), ForceNew/RequiresReplace extracted";
const tfAws = (files: string[], v6?: string): SourceRef => ({
  repo: "hashicorp/terraform-provider-aws (bridged by pulumi-aws 7.48.0, upstream v6 line)",
  ref: v6 ? `${TF_AWS_V5}; unchanged in the v6 source read (${v6})` : TF_AWS_V5,
  files: files.map((f) => `internal/service/${f}`),
});

/**
 * A file of the upstream v6 line read at a given commit (the copy stored for reading here, not the pinned tag):
 * the fleet tier's types, added after the v5.5.0 extraction above.
 */
const tfAwsRead = (files: string[], commit: string): SourceRef => ({
  repo: "hashicorp/terraform-provider-aws (bridged by pulumi-aws 7.48.0, upstream v6 line)",
  ref: `read at ${commit} (the stored copy, not the pinned tag); ForceNew/RequiresReplace from the schema`,
  files: files.map((f) => `internal/service/${f}`),
});

/**
 * A fleet-tier type whose upstream file was not read here (the stored copy was out of reach when it was added):
 * its ForceNew set is the provider's documented behaviour, to be checked against the file (issue 14's note).
 */
const tfAwsUnread = (files: string[]): SourceRef => ({
  repo: "hashicorp/terraform-provider-aws (bridged by pulumi-aws 7.48.0, upstream v6 line)",
  ref: "not read from source here: ForceNew as the provider documents it; to be confirmed against the file",
  files: files.map((f) => `internal/service/${f}`),
});

/** Why a replacement of a resource the stack names itself fails unless the old one goes first. */
const FIXED_NAME =
  "the stack gives it a fixed name, and AWS refuses a second one of that name while the old one exists";

/** A Terraform-bridged type: its upstream resource, the inputs that force a new one, and where that is read. */
const tf = (upstream: string, forceNew: string[], source: SourceRef, more: Partial<TypeRule> = {}): TypeRule => ({
  upstream,
  forceNew,
  source,
  ...more,
});

const EC2_STOP_START =
  "the provider stops and starts the instance to apply it, and AWS releases an auto-assigned public IPv4 " +
  "address when an instance stops (EC2 User Guide, 'Public IPv4 addresses'); an Elastic IP stays";

const bucketChild = (upstream: string, file: string, owner: boolean): TypeRule => ({
  upstream,
  forceNew: owner ? ["bucket", "expectedBucketOwner"] : ["bucket"],
  source: tfAws([`s3/${file}.go`]),
});

/** Inline EBS volumes of an instance make it data-bearing: they live and die with it. */
function instanceData(inputs: Record<string, unknown>): string | undefined {
  const devices = (inputs.ebsBlockDevices as { deviceName?: string; deleteOnTermination?: boolean }[]) ?? [];
  if (!devices.length) return undefined;
  const d = devices
    .map((v) => `${v.deviceName} (${v.deleteOnTermination === false ? "left detached" : "deleted"} on replacement)`)
    .join(", ");
  return `inline EBS data volume ${d}: a new instance starts with a new, empty one`;
}

/** Security group rules: the source kind (CIDR, prefix list, referenced group) cannot be changed in place. */
function ruleSourceKind(before: Record<string, unknown>, after: Record<string, unknown>): string | undefined {
  const kind = (r: Record<string, unknown>) =>
    ["cidrIpv4", "cidrIpv6", "prefixListId", "referencedSecurityGroupId"].find((k) => r[k] !== undefined);
  const [b, a] = [kind(before), kind(after)];
  return b !== a ? `source changed from ${b} to ${a} (ModifyPlan RequiresReplace)` : undefined;
}

export const REPLACE_TABLE: Record<string, TypeRule> = {
  "aws:ec2/instance:Instance": {
    upstream: "aws_instance",
    forceNew: [
      "ami",
      "associatePublicIpAddress",
      "availabilityZone",
      "cpuOptions.amdSevSnp",
      "cpuOptions.coreCount",
      "cpuOptions.threadsPerCore",
      "ebsBlockDevices[*].deleteOnTermination",
      "ebsBlockDevices[*].deviceName",
      "ebsBlockDevices[*].encrypted",
      "ebsBlockDevices[*].iops",
      "ebsBlockDevices[*].kmsKeyId",
      "ebsBlockDevices[*].snapshotId",
      "ebsBlockDevices[*].throughput",
      "ebsBlockDevices[*].volumeSize",
      "ebsBlockDevices[*].volumeType",
      "ebsOptimized",
      "enclaveOptions.enabled",
      "ephemeralBlockDevices",
      "hibernation",
      "hostId",
      "instanceMarketOptions",
      "ipv6AddressCount",
      "ipv6Addresses",
      "keyName",
      "launchTemplate",
      "networkInterfaces[*].deleteOnTermination",
      "networkInterfaces[*].deviceIndex",
      "networkInterfaces[*].networkCardIndex",
      "networkInterfaces[*].networkInterfaceId",
      "placementGroup",
      "placementPartitionNumber",
      "privateDnsNameOptions",
      "privateIp",
      "rootBlockDevice.encrypted",
      "rootBlockDevice.kmsKeyId",
      "securityGroups",
      "subnetId",
      "tenancy",
    ],
    replaceIf: (b, a) =>
      a.userDataReplaceOnChange === true && (b.userData !== a.userData || b.userDataBase64 !== a.userDataBase64)
        ? "userData changed with userDataReplaceOnChange (CustomizeDiff ForceNewIf)"
        : undefined,
    recomputeOnUpdate: [
      { when: ["instanceType"], outputs: ["publicIp", "publicDns"], why: `instanceType: ${EC2_STOP_START}` },
      { when: ["userData", "userDataBase64"], outputs: ["publicIp", "publicDns"], why: `userData: ${EC2_STOP_START}` },
    ],
    updateNote: "instanceType, userData and the like are applied in place by stopping and starting the instance",
    dataBearing: instanceData,
    source: tfAws(["ec2/ec2_instance.go"], "ec2_instance.go @ 0015dfcd: ami, subnet_id, key_name, ebs_block_device.*"),
  },
  "aws:amp/workspace:Workspace": {
    upstream: "aws_prometheus_workspace",
    forceNew: ["kmsKeyArn"],
    // CustomizeDiff: ForceNewIfChange("alias") when an alias that was set is removed (the API cannot unset it).
    replaceIf: (before, after) =>
      before.alias && !after.alias ? "alias removed: a workspace's alias cannot be unset" : undefined,
    updateNote: "alias (UpdateWorkspaceAlias) and loggingConfiguration change in place",
    dataBearing: "Managed Prometheus workspace (the long-term series)",
    source: {
      repo: "hashicorp/terraform-provider-aws (bridged by pulumi-aws 7.48.0, upstream v6 line)",
      ref: "internal/service/amp/workspace.go read at 0620f2a6 (the copy available here, not the pinned tag)",
      files: ["internal/service/amp/workspace.go"],
    },
  },
  "aws:ebs/volume:Volume": {
    upstream: "aws_ebs_volume",
    forceNew: ["availabilityZone", "encrypted", "kmsKeyId", "multiAttachEnabled", "outpostArn", "snapshotId"],
    updateNote: "size, type, iops, throughput change in place (ModifyVolume); size can only grow",
    dataBearing: "EBS volume",
    source: tfAws(["ec2/ebs_volume.go"], "ebs_volume.go @ 0073593e"),
  },
  "aws:ec2/volumeAttachment:VolumeAttachment": {
    upstream: "aws_volume_attachment",
    forceNew: ["deviceName", "instanceId", "volumeId"],
    replaceNeedsDeleteFirst:
      "a volume without multi-attach is attached to one instance at a time: attaching it to the new instance " +
      "before detaching it from the old one fails (VolumeInUse)",
    source: tfAws(["ec2/ebs_volume_attachment.go"], "ebs_volume_attachment.go @ 0620f2a6"),
  },
  "aws:ec2/vpc:Vpc": tf("aws_vpc", ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"], tfAws(["ec2/vpc_.go"])),
  "aws:ec2/subnet:Subnet": tf(
    "aws_subnet",
    ["availabilityZone", "availabilityZoneId", "cidrBlock", "ipv6Native", "outpostArn", "vpcId"],
    tfAws(["ec2/vpc_subnet.go"]),
  ),
  "aws:ec2/internetGateway:InternetGateway": tf("aws_internet_gateway", [], tfAws(["ec2/vpc_internet_gateway.go"])),
  "aws:ec2/routeTable:RouteTable": tf("aws_route_table", ["vpcId"], tfAws(["ec2/vpc_route_table.go"])),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": tf(
    "aws_route_table_association",
    ["gatewayId", "subnetId"],
    tfAws(["ec2/vpc_route_table_association.go"]),
  ),
  "aws:ec2/securityGroup:SecurityGroup": tf(
    "aws_security_group",
    ["description", "name", "namePrefix", "vpcId"],
    tfAws(["ec2/vpc_security_group.go"], "vpc_security_group.go @ 01606926"),
    {
      updateNote:
        "inline ingress/egress, when declared (even []), are managed whole: rules found on the group and not declared " +
        "are revoked (the program declares none: policy sg-rules-standalone-only)",
    },
  ),
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": tf(
    "aws_default_security_group",
    ["vpcId"],
    tfAwsRead(["ec2/vpc_default_security_group.go"], "01f43111"),
    {
      updateNote:
        "adopted, never created: the first apply revokes every rule on the VPC's default group, then the declared " +
        "(empty) ingress/egress sets are managed whole; delete only forgets it (DeleteWithoutTimeout: NoopContext)",
    },
  ),
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
    upstream: "aws_vpc_security_group_ingress_rule",
    forceNew: ["securityGroupId"],
    replaceIf: ruleSourceKind,
    source: tfAws(["ec2/vpc_security_group_ingress_rule.go"]),
  },
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
    upstream: "aws_vpc_security_group_egress_rule",
    forceNew: ["securityGroupId"],
    replaceIf: ruleSourceKind,
    source: tfAws([
      "ec2/vpc_security_group_ingress_rule.go (shared rule schema)",
      "ec2/vpc_security_group_egress_rule.go",
    ]),
  },
  "aws:ec2/eip:Eip": tf(
    "aws_eip",
    ["address", "domain", "networkBorderGroup", "publicIpv4Pool"],
    tfAws(["ec2/ec2_eip.go"]),
    { updateNote: "instance / networkInterface (re)associate the address in place: the public IP stays" },
  ),
  "aws:ec2/eipAssociation:EipAssociation": tf(
    "aws_eip_association",
    ["allocationId", "allowReassociation", "instanceId", "networkInterfaceId", "privateIpAddress", "publicIp"],
    tfAws(["ec2/ec2_eip_association.go"]),
  ),
  "aws:ec2/keyPair:KeyPair": tf(
    "aws_key_pair",
    ["keyName", "keyNamePrefix", "publicKey"],
    tfAws(["ec2/ec2_key_pair.go"]),
  ),
  "aws:ec2/flowLog:FlowLog": tf(
    "aws_flow_log",
    [
      "deliverCrossAccountRole",
      "destinationOptions",
      "eniId",
      "iamRoleArn",
      "logDestination",
      "logDestinationType",
      "logFormat",
      "maxAggregationInterval",
      "subnetId",
      "trafficType",
      "transitGatewayAttachmentId",
      "transitGatewayId",
      "vpcId",
    ],
    tfAws(["ec2/vpc_flow_log.go"]),
  ),
  "aws:ebs/encryptionByDefault:EncryptionByDefault": tf(
    "aws_ebs_encryption_by_default",
    [],
    tfAws(["ec2/ebs_encryption_by_default.go"]),
  ),
  "aws:ecr/repository:Repository": tf(
    "aws_ecr_repository",
    ["name", "encryptionConfigurations"],
    tfAws(["ecr/repository.go"], "repository.go, v6 with @IdentityAttribute(name)"),
    { dataBearing: "ECR repository (the images)" },
  ),
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": tf(
    "aws_ecr_lifecycle_policy",
    ["policy", "repository"],
    tfAws(["ecr/lifecycle_policy.go"]),
  ),
  "aws:cloudwatch/logGroup:LogGroup": tf(
    "aws_cloudwatch_log_group",
    ["logGroupClass", "name", "namePrefix"],
    tfAws(["logs/group.go"], "group.go @ 0073593e adds log_group_class"),
    { dataBearing: "CloudWatch log group (its events)" },
  ),
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": tf(
    "aws_cloudwatch_log_metric_filter",
    ["logGroupName", "name"],
    tfAws(["logs/metric_filter.go"]),
  ),
  "aws:cloudwatch/metricAlarm:MetricAlarm": tf(
    "aws_cloudwatch_metric_alarm (alarm_name is `name` in Pulumi)",
    ["name"],
    tfAws(["cloudwatch/metric_alarm.go"]),
  ),
  "aws:cloudwatch/eventRule:EventRule": tf(
    "aws_cloudwatch_event_rule",
    ["eventBusName", "name", "namePrefix"],
    tfAws(["events/rule.go"]),
  ),
  "aws:cloudwatch/eventTarget:EventTarget": tf(
    "aws_cloudwatch_event_target",
    ["eventBusName", "rule", "targetId"],
    tfAws(["events/target.go"], "target.go, aws-sdk-go-v2 version"),
  ),
  "aws:cloudtrail/trail:Trail": tf(
    "aws_cloudtrail",
    ["name"],
    tfAws(["cloudtrail/cloudtrail.go (v6: cloudtrail/trail.go)"], "trail.go @ 0a9af16a"),
  ),
  "aws:kms/key:Key": tf(
    "aws_kms_key",
    ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"],
    tfAws(["kms/key.go"], "key.go @ 00a35305 (2026) adds xks_key_id"),
    { dataBearing: "KMS key (what it encrypted is unreadable once it is deleted)" },
  ),
  "aws:kms/alias:Alias": tf("aws_kms_alias", ["name", "namePrefix"], tfAws(["kms/alias.go"])),
  "aws:s3/bucket:Bucket": tf(
    "aws_s3_bucket",
    ["bucket", "bucketPrefix", "objectLockEnabled", "objectLockConfiguration.objectLockEnabled"],
    tfAws(["s3/bucket.go"]),
    { dataBearing: "S3 bucket (audit and access logs)" },
  ),
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketChild(
    "aws_s3_bucket_lifecycle_configuration",
    "bucket_lifecycle_configuration",
    true,
  ),
  "aws:s3/bucketLogging:BucketLogging": bucketChild("aws_s3_bucket_logging", "bucket_logging", true),
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketChild(
    "aws_s3_bucket_ownership_controls",
    "bucket_ownership_controls",
    false,
  ),
  "aws:s3/bucketPolicy:BucketPolicy": bucketChild("aws_s3_bucket_policy", "bucket_policy", false),
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketChild(
    "aws_s3_bucket_public_access_block",
    "bucket_public_access_block",
    false,
  ),
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketChild(
    "aws_s3_bucket_server_side_encryption_configuration",
    "bucket_server_side_encryption_configuration",
    true,
  ),
  "aws:s3/bucketVersioning:BucketVersioning": bucketChild("aws_s3_bucket_versioning", "bucket_versioning", true),
  "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": tf(
    "aws_s3_account_public_access_block",
    ["accountId"],
    tfAws(["s3control/account_public_access_block.go"]),
  ),
  "aws:sns/topic:Topic": tf("aws_sns_topic", ["fifoTopic", "name", "namePrefix"], tfAws(["sns/topic.go"])),
  "aws:sns/topicPolicy:TopicPolicy": tf("aws_sns_topic_policy", ["arn"], tfAws(["sns/topic_policy.go"])),
  "aws:sns/topicSubscription:TopicSubscription": tf(
    "aws_sns_topic_subscription",
    ["endpoint", "protocol", "topicArn"],
    tfAws(["sns/topic_subscription.go"], "topic_subscription.go, aws-sdk-go-v2 version"),
  ),
  "aws:guardduty/detector:Detector": tf(
    "aws_guardduty_detector",
    [],
    tfAws(["guardduty/detector.go"], "detector.go @ 0060af23"),
    { dataBearing: "GuardDuty detector (its findings; one per account and region)" },
  ),
  "aws:guardduty/detectorFeature:DetectorFeature": {
    upstream: "aws_guardduty_detector_feature",
    forceNew: ["additionalConfigurations", "detectorId", "name"],
    source: {
      repo: "hashicorp/terraform-provider-aws",
      ref: "detector_feature.go as stored (added after v5.5.0; aws-sdk-go v1 version)",
      files: ["internal/service/guardduty/detector_feature.go"],
    },
  },
  // --- the fleet tier (appTier: fleet) ---
  "aws:ec2/vpcEndpoint:VpcEndpoint": tf(
    "aws_vpc_endpoint",
    ["serviceName", "vpcEndpointType", "vpcId"],
    tfAwsUnread(["ec2/vpc_endpoint.go"]),
    { updateNote: "subnets, security groups, route tables, policy and private DNS change in place" },
  ),
  "aws:ec2/launchTemplate:LaunchTemplate": tf(
    "aws_launch_template",
    ["name", "namePrefix"],
    tfAwsUnread(["ec2/ec2_launch_template.go"]),
    {
      recomputeOnUpdate: [
        {
          when: [],
          outputs: ["latestVersion", "defaultVersion"],
          why: "every change creates a new template version (and, with updateDefaultVersion, makes it the default)",
        },
      ],
      updateNote: "an update creates a new version; running instances change only when the group refreshes them",
    },
  ),
  "aws:autoscaling/group:Group": tf(
    "aws_autoscaling_group",
    ["name", "namePrefix"],
    tfAwsUnread(["autoscaling/group.go"]),
    {
      replaceNeedsDeleteFirst: FIXED_NAME,
      updateNote:
        "a new launch template version starts an instance refresh (instanceRefresh set): new instances replace the old ones behind the health check; sizes, subnets and target groups change in place",
    },
  ),
  "aws:autoscaling/policy:Policy": tf(
    "aws_autoscaling_policy",
    ["autoscalingGroupName", "name"],
    tfAwsUnread(["autoscaling/policy.go"]),
  ),
  "aws:lb/loadBalancer:LoadBalancer": tf(
    "aws_lb",
    ["customerOwnedIpv4Pool", "internal", "loadBalancerType", "name", "namePrefix"],
    tfAwsUnread(["elbv2/load_balancer.go"]),
    {
      updateNote: "subnets, security groups, attributes and access logs change in place (an ALB's subnets too)",
      replaceNeedsDeleteFirst: FIXED_NAME,
    },
  ),
  "aws:lb/targetGroup:TargetGroup": tf(
    "aws_lb_target_group",
    ["ipAddressType", "name", "namePrefix", "port", "protocol", "protocolVersion", "targetType", "vpcId"],
    tfAwsRead(["elbv2/target_group.go"], "013cfb4c"),
    {
      updateNote:
        "the health check, deregistration delay and attributes change in place; the stack names it by prefix, so a replacement can be created before the old one goes",
    },
  ),
  "aws:lb/listener:Listener": tf("aws_lb_listener", ["loadBalancerArn"], tfAwsUnread(["elbv2/listener.go"]), {
    updateNote: "port, protocol, certificate, TLS policy and actions change in place (ModifyListener)",
  }),
  "aws:acm/certificate:Certificate": tf(
    "aws_acm_certificate",
    [
      "certificateAuthorityArn",
      "domainName",
      "keyAlgorithm",
      "privateKey",
      "subjectAlternativeNames",
      "validationMethod",
    ],
    tfAwsUnread(["acm/certificate.go"]),
  ),
  "aws:acm/certificateValidation:CertificateValidation": {
    upstream: "aws_acm_certificate_validation",
    forceNew: [],
    anyChangeReplaces: true,
    source: tfAwsUnread(["acm/certificate_validation.go"]),
  },
  "aws:route53/record:Record": tf(
    "aws_route53_record",
    ["allowOverwrite", "zoneId"],
    tfAwsUnread(["route53/record.go"]),
    {
      updateNote: "name, type, records and alias change in place (one ChangeResourceRecordSets: DELETE + CREATE)",
    },
  ),
  "aws:rds/subnetGroup:SubnetGroup": tf(
    "aws_db_subnet_group",
    ["name", "namePrefix"],
    tfAwsUnread(["rds/subnet_group.go"]),
    {
      replaceNeedsDeleteFirst: FIXED_NAME,
    },
  ),
  "aws:rds/parameterGroup:ParameterGroup": tf(
    "aws_db_parameter_group",
    ["description", "family", "name", "namePrefix"],
    tfAwsUnread(["rds/parameter_group.go"]),
    {
      updateNote: "parameters change in place (pending-reboot ones at the next reboot)",
      replaceNeedsDeleteFirst: FIXED_NAME,
    },
  ),
  "aws:rds/instance:Instance": tf(
    "aws_db_instance",
    [
      "availabilityZone",
      "characterSetName",
      "customIamInstanceProfile",
      "dbName",
      "engine",
      // ForceNew in the copy read (00e4b238, an older v4-era file); the v5 line renames an instance in place.
      // Kept as a replacement here: the safe reading for a data-bearing resource (the stack never changes it).
      "identifier",
      "identifierPrefix",
      "kmsKeyId",
      "ncharCharacterSetName",
      "restoreToPointInTime",
      "s3Import",
      "snapshotIdentifier",
      "storageEncrypted",
      "timezone",
      "username",
    ],
    tfAwsRead(["rds/instance.go"], "00e4b238"),
    {
      updateNote:
        "class, storage, Multi-AZ, backups, windows, parameter group, engine version (major with allowMajorVersionUpgrade) and the identifier (a rename) change in place; applyImmediately decides now or in the maintenance window",
      dataBearing: "RDS PostgreSQL instance (the fleet's tasks)",
    },
  ),
  "aws:secretsmanager/secret:Secret": tf(
    "aws_secretsmanager_secret",
    ["name", "namePrefix"],
    tfAwsRead(["secretsmanager/secret.go"], "00c21ced"),
    {
      // The program names its secret by prefix (issue 21): a replacement gets a new name, so it needs no delete
      // first. A fixed name would: a deleted secret keeps its name for its recovery window (7-30 days; 0 deletes at
      // once), and CreateSecret retries "scheduled for deletion" only for the provider's propagation timeout.
      updateNote:
        "description, kmsKeyId, policy and replicas change in place; recoveryWindowInDays is read only on delete",
    },
  ),
  "aws:secretsmanager/secretVersion:SecretVersion": tf(
    "aws_secretsmanager_secret_version",
    // A new value is a new version (PutSecretValue): the resource is replaced, and AWSCURRENT moves to it.
    ["secretBinary", "secretId", "secretString", "secretStringWoVersion"],
    tfAwsRead(["secretsmanager/secret_version.go"], "0042e8ea"),
    { updateNote: "only version_stages change in place (UpdateSecretVersionStage)" },
  ),
  "aws:wafv2/webAcl:WebAcl": tf(
    "aws_wafv2_web_acl",
    ["name", "namePrefix", "scope"],
    tfAwsUnread(["wafv2/web_acl.go"]),
    {
      replaceNeedsDeleteFirst: FIXED_NAME,
      updateNote: "rules, default action and visibility change in place (UpdateWebACL with the lock token)",
    },
  ),
  "aws:wafv2/webAclAssociation:WebAclAssociation": {
    upstream: "aws_wafv2_web_acl_association",
    forceNew: [],
    anyChangeReplaces: true,
    source: tfAwsUnread(["wafv2/web_acl_association.go"]),
  },
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": tf(
    "aws_wafv2_web_acl_logging_configuration",
    ["resourceArn"],
    tfAwsUnread(["wafv2/web_acl_logging_configuration.go"]),
  ),
  "aws:iam/role:Role": tf("aws_iam_role", ["name", "namePrefix", "path"], tfAws(["iam/role.go"])),
  "aws:iam/rolePolicy:RolePolicy": tf(
    "aws_iam_role_policy",
    ["name", "namePrefix", "role"],
    tfAws(["iam/role_policy.go"]),
  ),
  "aws:iam/instanceProfile:InstanceProfile": tf(
    "aws_iam_instance_profile",
    ["name", "namePrefix", "path"],
    tfAws(["iam/instance_profile.go"]),
  ),
  "docker:index/image:Image": {
    upstream: "pulumi-docker native Image",
    forceNew: [],
    diffIgnores: ["registry.username", "registry.password"],
    recomputeOnUpdate: [
      {
        when: [],
        outputs: ["repoDigest"],
        why: "any input change (Check adds build.contextDigest, a hash of the build context) rebuilds and pushes",
      },
    ],
    updateNote: "every change is an update: the image is rebuilt and pushed, giving a new repoDigest",
    source: {
      repo: "pulumi/pulumi-docker",
      ref: "provider/provider.go Diff and Check identical from v5.1.0 (e944612c) to 237b7899 (2026-08-14), bracketing 5.2.0",
      files: ["provider/provider.go (Diff, diffUpdates, Check: contextDigest)"],
    },
  },
  "command:remote:Command": {
    upstream: "pulumi-command remote.Command",
    forceNew: ["triggers"],
    recomputeOnUpdate: [{ when: [], outputs: ["stdout", "stderr"], why: "the command runs again" }],
    updateNote: "an update runs `update`, or `create` again when no `update` is set, on the (new) connection",
    source: {
      repo: "pulumi/pulumi-command",
      ref: "v1.2.1 (7f3eb6f3)",
      files: [
        "provider/pkg/provider/common/inputs.go (triggers: replaceOnChanges)",
        "provider/pkg/provider/remote/commandController.go (Update)",
        "provider/cmd/pulumi-resource-command/schema.json",
      ],
    },
  },
  "command:remote:CopyToRemote": {
    upstream: "pulumi-command remote.CopyToRemote",
    forceNew: ["triggers"],
    updateNote:
      "an update copies again only when the source's hash or remotePath changed: a new host with the same " +
      "source gets nothing",
    source: {
      repo: "pulumi/pulumi-command",
      ref: "v1.2.1 (7f3eb6f3)",
      files: ["provider/pkg/provider/remote/copy.go (triggers: replaceOnChanges)", "remote/copyController.go (Update)"],
    },
  },
  "random:index/randomPassword:RandomPassword": {
    upstream: "random_password",
    forceNew: [],
    anyChangeReplaces: true,
    source: {
      repo: "hashicorp/terraform-provider-random (bridged by pulumi-random 4.21.2)",
      ref: "ad788e23 (v3.9.0+4, 2026-06-11): every attribute has a RequiresReplace plan modifier",
      files: ["internal/provider/resource_password.go"],
    },
  },
  "random:index/randomString:RandomString": {
    upstream: "random_string",
    forceNew: [],
    anyChangeReplaces: true,
    source: {
      repo: "hashicorp/terraform-provider-random (bridged by pulumi-random 4.21.2)",
      ref: "01a15580: every attribute of the schema has a RequiresReplace plan modifier and Update is empty",
      files: ["internal/provider/resource_string.go"],
    },
  },
  "tls:index/privateKey:PrivateKey": {
    upstream: "tls_private_key",
    forceNew: ["algorithm", "ecdsaCurve", "rsaBits"],
    source: {
      repo: "hashicorp/terraform-provider-tls (bridged by pulumi-tls 5.6.1)",
      ref: "d72d90e1 (v4.2.1+23, 2026-04-28)",
      files: ["internal/provider/resource_private_key.go"],
    },
  },
  "tls:index/selfSignedCert:SelfSignedCert": {
    upstream: "tls_self_signed_cert",
    // Every input but earlyRenewalHours is RequiresReplace (the subject block and each of its fields too); a
    // certificate inside its early-renewal window is also replaced by the next up (ModifyPlan, ready_for_renewal).
    forceNew: [
      "privateKeyPem",
      "validityPeriodHours",
      "allowedUses",
      "dnsNames",
      "ipAddresses",
      "uris",
      "isCaCertificate",
      "setSubjectKeyId",
      "setAuthorityKeyId",
      "subject",
    ],
    source: {
      repo: "hashicorp/terraform-provider-tls (bridged by pulumi-tls 5.6.1)",
      ref: "0494451d (the version of the file stored for reading; the schema's plan modifiers)",
      files: ["internal/provider/resource_self_signed_cert.go"],
    },
  },
};

/** Why a resource of this type (with these inputs) holds data, or undefined. */
export function dataBearing(type: string, inputs: Record<string, unknown>): string | undefined {
  const d = REPLACE_TABLE[type]?.dataBearing;
  return typeof d === "function" ? d(inputs) : d;
}
