/**
 * Which API member of AWS's own models (Smithy JSON, repository aws/api-models-aws) each Pulumi input of the
 * program is sent as, per resource type: `testkit/api-models/extract.ts` reads these members' constraints
 * from a checkout into constraints.json, and `testkit/api-models/check.ts` holds the recorded inputs of dev
 * and prod against them.
 *
 * Paths on the left are Pulumi input paths: `a.b` is a nested input, `a[]` every element of a list, `a.*` every
 * value of a map input (tags, dimensions) and `a.*{key}` its keys. On the right, `<Operation>.<member path>` of
 * the type's service in the same notation, with Smithy maps as `m{key}` / `m{value}`. A list input whose elements
 * are mapped is checked as a list too (its length), against the list member the elements belong to.
 *
 * Every string and number input that is not mapped is named under `unmapped` with the reason; types whose model
 * cannot be read are named in UNMAPPED_TYPES. The API-model test fails on an input in neither place.
 */

export interface MemberRef {
  /** `<Operation>.<member path>` in the type's service. */
  member: string;
  /** How the provider turns the input into the API's value: a list joined with commas. */
  join?: string;
  /** What the provider appends: a name prefix gets a unique suffix (see PREFIXED). */
  suffix?: string;
}

export interface TypeMapping {
  /** The model's directory in aws/api-models-aws (`wafv2`, `elastic-load-balancing-v2`, …). */
  service: string;
  members: Record<string, string | MemberRef>;
  /** Inputs that are not sent as an API member, or not as a value the model constrains, and why. */
  unmapped?: Record<string, string>;
  /**
   * The name input the provider fills in when the program leaves it out: the resource's logical name, a hyphen
   * and 7 random hex characters (pulumi-aws autonaming); that name is what the API receives.
   */
  autoname?: string;
}

/** A map input (tags, dimensions) sent as the API's list of key/value pairs or as its map. */
const pairs = (input: string, keyMember: string, valueMember: string): Record<string, string> => ({
  [`${input}.*{key}`]: keyMember,
  [`${input}.*`]: valueMember,
});
const tagList = (op: string, list = "Tags", key = "Key", value = "Value") =>
  pairs("tags", `${op}.${list}[].${key}`, `${op}.${list}[].${value}`);
const tagMap = (op: string, map = "tags") => pairs("tags", `${op}.${map}{key}`, `${op}.${map}{value}`);

/**
 * A `namePrefix` reaches the API as the prefix and a 26-character unique suffix (terraform-plugin-sdk
 * id.PrefixedUniqueId: a timestamp and a counter), e.g. `app-20260101000000000000000001`.
 */
const PREFIXED = (member: string): MemberRef => ({ member, suffix: "20260101000000000000000001" });

export const API_MODEL_MAPPINGS: Record<string, TypeMapping> = {
  // --- WAFv2 ---
  "aws:wafv2/webAcl:WebAcl": {
    service: "wafv2",
    members: {
      name: "CreateWebACL.Name",
      description: "CreateWebACL.Description",
      scope: "CreateWebACL.Scope",
      "rules[].name": "CreateWebACL.Rules[].Name",
      "rules[].priority": "CreateWebACL.Rules[].Priority",
      "rules[].statement.rateBasedStatement.limit": "CreateWebACL.Rules[].Statement.RateBasedStatement.Limit",
      "rules[].statement.rateBasedStatement.aggregateKeyType":
        "CreateWebACL.Rules[].Statement.RateBasedStatement.AggregateKeyType",
      "rules[].statement.rateBasedStatement.evaluationWindowSec":
        "CreateWebACL.Rules[].Statement.RateBasedStatement.EvaluationWindowSec",
      "rules[].statement.managedRuleGroupStatement.name":
        "CreateWebACL.Rules[].Statement.ManagedRuleGroupStatement.Name",
      "rules[].statement.managedRuleGroupStatement.vendorName":
        "CreateWebACL.Rules[].Statement.ManagedRuleGroupStatement.VendorName",
      "rules[].visibilityConfig.metricName": "CreateWebACL.Rules[].VisibilityConfig.MetricName",
      "visibilityConfig.metricName": "CreateWebACL.VisibilityConfig.MetricName",
      ...tagList("CreateWebACL"),
    },
  },
  "aws:wafv2/webAclAssociation:WebAclAssociation": {
    service: "wafv2",
    members: { resourceArn: "AssociateWebACL.ResourceArn", webAclArn: "AssociateWebACL.WebACLArn" },
  },
  "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": {
    service: "wafv2",
    members: {
      resourceArn: "PutLoggingConfiguration.LoggingConfiguration.ResourceArn",
      "logDestinationConfigs[]": "PutLoggingConfiguration.LoggingConfiguration.LogDestinationConfigs[]",
      "redactedFields[].singleHeader.name":
        "PutLoggingConfiguration.LoggingConfiguration.RedactedFields[].SingleHeader.Name",
    },
  },
  // --- Elastic Load Balancing v2 ---
  "aws:lb/loadBalancer:LoadBalancer": {
    service: "elastic-load-balancing-v2",
    members: {
      name: "CreateLoadBalancer.Name",
      loadBalancerType: "CreateLoadBalancer.Type",
      "subnets[]": "CreateLoadBalancer.Subnets[]",
      "securityGroups[]": "CreateLoadBalancer.SecurityGroups[]",
      // Sent as load balancer attributes (access_logs.s3.bucket, idle_timeout.timeout_seconds): values are strings.
      "accessLogs.bucket": "ModifyLoadBalancerAttributes.Attributes[].Value",
      "accessLogs.prefix": "ModifyLoadBalancerAttributes.Attributes[].Value",
      idleTimeout: "ModifyLoadBalancerAttributes.Attributes[].Value",
      ...tagList("CreateLoadBalancer"),
    },
  },
  "aws:lb/targetGroup:TargetGroup": {
    service: "elastic-load-balancing-v2",
    members: {
      name: "CreateTargetGroup.Name",
      port: "CreateTargetGroup.Port",
      protocol: "CreateTargetGroup.Protocol",
      targetType: "CreateTargetGroup.TargetType",
      vpcId: "CreateTargetGroup.VpcId",
      "healthCheck.path": "CreateTargetGroup.HealthCheckPath",
      "healthCheck.interval": "CreateTargetGroup.HealthCheckIntervalSeconds",
      "healthCheck.timeout": "CreateTargetGroup.HealthCheckTimeoutSeconds",
      "healthCheck.healthyThreshold": "CreateTargetGroup.HealthyThresholdCount",
      "healthCheck.unhealthyThreshold": "CreateTargetGroup.UnhealthyThresholdCount",
      "healthCheck.matcher": "CreateTargetGroup.Matcher.HttpCode",
      "healthCheck.protocol": "CreateTargetGroup.HealthCheckProtocol",
      "healthCheck.port": "CreateTargetGroup.HealthCheckPort",
      // Sent as the target group attribute deregistration_delay.timeout_seconds.
      namePrefix: PREFIXED("CreateTargetGroup.Name"),
      deregistrationDelay: "ModifyTargetGroupAttributes.Attributes[].Value",
      ...tagList("CreateTargetGroup"),
    },
  },
  "aws:lb/listener:Listener": {
    service: "elastic-load-balancing-v2",
    members: {
      loadBalancerArn: "CreateListener.LoadBalancerArn",
      port: "CreateListener.Port",
      protocol: "CreateListener.Protocol",
      sslPolicy: "CreateListener.SslPolicy",
      certificateArn: "CreateListener.Certificates[].CertificateArn",
      "defaultActions[].type": "CreateListener.DefaultActions[].Type",
      "defaultActions[].targetGroupArn": "CreateListener.DefaultActions[].TargetGroupArn",
      "defaultActions[].redirect.protocol": "CreateListener.DefaultActions[].RedirectConfig.Protocol",
      "defaultActions[].redirect.port": "CreateListener.DefaultActions[].RedirectConfig.Port",
      "defaultActions[].redirect.statusCode": "CreateListener.DefaultActions[].RedirectConfig.StatusCode",
      ...tagList("CreateListener"),
    },
  },
  // --- Auto Scaling ---
  "aws:autoscaling/group:Group": {
    service: "auto-scaling",
    members: {
      name: "CreateAutoScalingGroup.AutoScalingGroupName",
      minSize: "CreateAutoScalingGroup.MinSize",
      maxSize: "CreateAutoScalingGroup.MaxSize",
      desiredCapacity: "CreateAutoScalingGroup.DesiredCapacity",
      defaultInstanceWarmup: "CreateAutoScalingGroup.DefaultInstanceWarmup",
      healthCheckGracePeriod: "CreateAutoScalingGroup.HealthCheckGracePeriod",
      healthCheckType: "CreateAutoScalingGroup.HealthCheckType",
      "launchTemplate.id": "CreateAutoScalingGroup.LaunchTemplate.LaunchTemplateId",
      "launchTemplate.version": "CreateAutoScalingGroup.LaunchTemplate.Version",
      "targetGroupArns[]": "CreateAutoScalingGroup.TargetGroupARNs[]",
      "terminationPolicies[]": "CreateAutoScalingGroup.TerminationPolicies[]",
      vpcZoneIdentifiers: { member: "CreateAutoScalingGroup.VPCZoneIdentifier", join: "," },
      "tags[].key": "CreateAutoScalingGroup.Tags[].Key",
      "tags[].value": "CreateAutoScalingGroup.Tags[].Value",
      "enabledMetrics[]": "EnableMetricsCollection.Metrics[]",
      "instanceRefresh.strategy": "StartInstanceRefresh.Strategy",
      "instanceRefresh.preferences.instanceWarmup": "StartInstanceRefresh.Preferences.InstanceWarmup",
      "instanceRefresh.preferences.minHealthyPercentage": "StartInstanceRefresh.Preferences.MinHealthyPercentage",
      "instanceRefresh.preferences.maxHealthyPercentage": "StartInstanceRefresh.Preferences.MaxHealthyPercentage",
    },
    unmapped: {
      minElbCapacity: "provider-only: how many healthy targets `pulumi up` waits for; never sent to the API",
      waitForCapacityTimeout: "provider-only: how long `pulumi up` waits for capacity; never sent to the API",
    },
  },
  "aws:autoscaling/policy:Policy": {
    service: "auto-scaling",
    members: {
      autoscalingGroupName: "PutScalingPolicy.AutoScalingGroupName",
      policyType: "PutScalingPolicy.PolicyType",
      "targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType":
        "PutScalingPolicy.TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType",
      "targetTrackingConfiguration.targetValue": "PutScalingPolicy.TargetTrackingConfiguration.TargetValue",
    },
  },
  // --- CloudTrail, CloudWatch, Logs, EventBridge ---
  "aws:cloudtrail/trail:Trail": {
    service: "cloudtrail",
    members: {
      name: "CreateTrail.Name",
      s3BucketName: "CreateTrail.S3BucketName",
      s3KeyPrefix: "CreateTrail.S3KeyPrefix",
      cloudWatchLogsGroupArn: "CreateTrail.CloudWatchLogsLogGroupArn",
      cloudWatchLogsRoleArn: "CreateTrail.CloudWatchLogsRoleArn",
      kmsKeyId: "CreateTrail.KmsKeyId",
      ...tagList("CreateTrail", "TagsList"),
    },
  },
  "aws:cloudwatch/eventRule:EventRule": {
    service: "eventbridge",
    members: {
      name: "PutRule.Name",
      description: "PutRule.Description",
      eventPattern: "PutRule.EventPattern",
      ...tagList("PutRule"),
    },
  },
  "aws:cloudwatch/eventTarget:EventTarget": {
    service: "eventbridge",
    members: { rule: "PutTargets.Rule", targetId: "PutTargets.Targets[].Id", arn: "PutTargets.Targets[].Arn" },
  },
  "aws:cloudwatch/logGroup:LogGroup": {
    service: "cloudwatch-logs",
    members: {
      name: "CreateLogGroup.logGroupName",
      kmsKeyId: "CreateLogGroup.kmsKeyId",
      retentionInDays: "PutRetentionPolicy.retentionInDays",
      ...tagMap("CreateLogGroup"),
    },
  },
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": {
    service: "cloudwatch-logs",
    members: {
      name: "PutMetricFilter.filterName",
      pattern: "PutMetricFilter.filterPattern",
      logGroupName: "PutMetricFilter.logGroupName",
      // One transformation in Pulumi, a list of at most one in the API.
      "metricTransformation.name": "PutMetricFilter.metricTransformations[].metricName",
      "metricTransformation.namespace": "PutMetricFilter.metricTransformations[].metricNamespace",
      "metricTransformation.value": "PutMetricFilter.metricTransformations[].metricValue",
      "metricTransformation.defaultValue": "PutMetricFilter.metricTransformations[].defaultValue",
    },
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": {
    service: "cloudwatch",
    members: {
      name: "PutMetricAlarm.AlarmName",
      alarmDescription: "PutMetricAlarm.AlarmDescription",
      "alarmActions[]": "PutMetricAlarm.AlarmActions[]",
      "okActions[]": "PutMetricAlarm.OKActions[]",
      "insufficientDataActions[]": "PutMetricAlarm.InsufficientDataActions[]",
      comparisonOperator: "PutMetricAlarm.ComparisonOperator",
      evaluationPeriods: "PutMetricAlarm.EvaluationPeriods",
      datapointsToAlarm: "PutMetricAlarm.DatapointsToAlarm",
      metricName: "PutMetricAlarm.MetricName",
      namespace: "PutMetricAlarm.Namespace",
      period: "PutMetricAlarm.Period",
      statistic: "PutMetricAlarm.Statistic",
      threshold: "PutMetricAlarm.Threshold",
      treatMissingData: "PutMetricAlarm.TreatMissingData",
      ...pairs("dimensions", "PutMetricAlarm.Dimensions[].Name", "PutMetricAlarm.Dimensions[].Value"),
      ...tagList("PutMetricAlarm"),
    },
  },
  // --- GuardDuty ---
  "aws:guardduty/detector:Detector": {
    service: "guardduty",
    members: {
      findingPublishingFrequency: "CreateDetector.FindingPublishingFrequency",
      ...pairs("tags", "CreateDetector.Tags{key}", "CreateDetector.Tags{value}"),
    },
  },
  "aws:guardduty/detectorFeature:DetectorFeature": {
    service: "guardduty",
    members: {
      detectorId: "UpdateDetector.DetectorId",
      name: "UpdateDetector.Features[].Name",
      status: "UpdateDetector.Features[].Status",
      "additionalConfigurations[].name": "UpdateDetector.Features[].AdditionalConfiguration[].Name",
      "additionalConfigurations[].status": "UpdateDetector.Features[].AdditionalConfiguration[].Status",
    },
  },
  // --- IAM ---
  "aws:iam/role:Role": {
    service: "iam",
    autoname: "name",
    members: {
      name: "CreateRole.RoleName",
      path: "CreateRole.Path",
      description: "CreateRole.Description",
      maxSessionDuration: "CreateRole.MaxSessionDuration",
      // A policy given as an object is sent as its JSON text.
      assumeRolePolicy: "CreateRole.AssumeRolePolicyDocument",
      ...tagList("CreateRole"),
    },
  },
  "aws:iam/rolePolicy:RolePolicy": {
    service: "iam",
    autoname: "name",
    members: {
      role: "PutRolePolicy.RoleName",
      name: "PutRolePolicy.PolicyName",
      policy: "PutRolePolicy.PolicyDocument",
    },
  },
  "aws:iam/instanceProfile:InstanceProfile": {
    service: "iam",
    autoname: "name",
    members: {
      name: "CreateInstanceProfile.InstanceProfileName",
      role: "AddRoleToInstanceProfile.RoleName",
      ...tagList("CreateInstanceProfile"),
    },
  },
  // --- KMS ---
  "aws:kms/key:Key": {
    service: "kms",
    members: {
      description: "CreateKey.Description",
      policy: "CreateKey.Policy",
      deletionWindowInDays: "ScheduleKeyDeletion.PendingWindowInDays",
      ...tagList("CreateKey", "Tags", "TagKey", "TagValue"),
    },
  },
  "aws:kms/alias:Alias": {
    service: "kms",
    members: { name: "CreateAlias.AliasName", targetKeyId: "CreateAlias.TargetKeyId" },
  },
  // --- RDS ---
  "aws:rds/instance:Instance": {
    service: "rds",
    members: {
      identifier: "CreateDBInstance.DBInstanceIdentifier",
      allocatedStorage: "CreateDBInstance.AllocatedStorage",
      maxAllocatedStorage: "CreateDBInstance.MaxAllocatedStorage",
      backupRetentionPeriod: "CreateDBInstance.BackupRetentionPeriod",
      backupWindow: "CreateDBInstance.PreferredBackupWindow",
      maintenanceWindow: "CreateDBInstance.PreferredMaintenanceWindow",
      caCertIdentifier: "CreateDBInstance.CACertificateIdentifier",
      dbName: "CreateDBInstance.DBName",
      dbSubnetGroupName: "CreateDBInstance.DBSubnetGroupName",
      "enabledCloudwatchLogsExports[]": "CreateDBInstance.EnableCloudwatchLogsExports[]",
      engine: "CreateDBInstance.Engine",
      engineVersion: "CreateDBInstance.EngineVersion",
      instanceClass: "CreateDBInstance.DBInstanceClass",
      kmsKeyId: "CreateDBInstance.KmsKeyId",
      masterUserSecretKmsKeyId: "CreateDBInstance.MasterUserSecretKmsKeyId",
      parameterGroupName: "CreateDBInstance.DBParameterGroupName",
      storageType: "CreateDBInstance.StorageType",
      username: "CreateDBInstance.MasterUsername",
      "vpcSecurityGroupIds[]": "CreateDBInstance.VpcSecurityGroupIds[]",
      finalSnapshotIdentifier: "DeleteDBInstance.FinalDBSnapshotIdentifier",
      ...tagList("CreateDBInstance"),
    },
  },
  "aws:rds/parameterGroup:ParameterGroup": {
    service: "rds",
    members: {
      name: "CreateDBParameterGroup.DBParameterGroupName",
      family: "CreateDBParameterGroup.DBParameterGroupFamily",
      description: "CreateDBParameterGroup.Description",
      "parameters[].name": "ModifyDBParameterGroup.Parameters[].ParameterName",
      "parameters[].value": "ModifyDBParameterGroup.Parameters[].ParameterValue",
      "parameters[].applyMethod": "ModifyDBParameterGroup.Parameters[].ApplyMethod",
      ...tagList("CreateDBParameterGroup"),
    },
  },
  "aws:rds/subnetGroup:SubnetGroup": {
    service: "rds",
    members: {
      name: "CreateDBSubnetGroup.DBSubnetGroupName",
      description: "CreateDBSubnetGroup.DBSubnetGroupDescription",
      "subnetIds[]": "CreateDBSubnetGroup.SubnetIds[]",
      ...tagList("CreateDBSubnetGroup"),
    },
  },
  // --- S3 ---
  "aws:s3/bucket:Bucket": {
    service: "s3",
    autoname: "bucket",
    members: { bucket: "CreateBucket.Bucket", ...tagList("PutBucketTagging", "Tagging.TagSet") },
  },
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
    service: "s3",
    members: {
      bucket: "PutBucketLifecycleConfiguration.Bucket",
      "rules[].id": "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].ID",
      "rules[].status": "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].Status",
      "rules[].expiration.days": "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].Expiration.Days",
      "rules[].transitions[].days": "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].Transitions[].Days",
      "rules[].transitions[].storageClass":
        "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].Transitions[].StorageClass",
      "rules[].noncurrentVersionExpiration.noncurrentDays":
        "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].NoncurrentVersionExpiration.NoncurrentDays",
      "rules[].abortIncompleteMultipartUpload.daysAfterInitiation":
        "PutBucketLifecycleConfiguration.LifecycleConfiguration.Rules[].AbortIncompleteMultipartUpload.DaysAfterInitiation",
    },
  },
  "aws:s3/bucketLogging:BucketLogging": {
    service: "s3",
    members: {
      bucket: "PutBucketLogging.Bucket",
      targetBucket: "PutBucketLogging.BucketLoggingStatus.LoggingEnabled.TargetBucket",
      targetPrefix: "PutBucketLogging.BucketLoggingStatus.LoggingEnabled.TargetPrefix",
    },
  },
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
    service: "s3",
    members: {
      bucket: "PutBucketOwnershipControls.Bucket",
      "rule.objectOwnership": "PutBucketOwnershipControls.OwnershipControls.Rules[].ObjectOwnership",
    },
  },
  "aws:s3/bucketPolicy:BucketPolicy": {
    service: "s3",
    members: { bucket: "PutBucketPolicy.Bucket", policy: "PutBucketPolicy.Policy" },
  },
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
    service: "s3",
    members: { bucket: "PutPublicAccessBlock.Bucket" },
  },
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
    service: "s3",
    members: {
      bucket: "PutBucketEncryption.Bucket",
      "rules[].applyServerSideEncryptionByDefault.sseAlgorithm":
        "PutBucketEncryption.ServerSideEncryptionConfiguration.Rules[].ApplyServerSideEncryptionByDefault.SSEAlgorithm",
      "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId":
        "PutBucketEncryption.ServerSideEncryptionConfiguration.Rules[].ApplyServerSideEncryptionByDefault.KMSMasterKeyID",
    },
  },
  "aws:s3/bucketVersioning:BucketVersioning": {
    service: "s3",
    members: {
      bucket: "PutBucketVersioning.Bucket",
      "versioningConfiguration.status": "PutBucketVersioning.VersioningConfiguration.Status",
    },
  },
  // --- Secrets Manager ---
  "aws:secretsmanager/secret:Secret": {
    service: "secrets-manager",
    members: {
      name: "CreateSecret.Name",
      namePrefix: PREFIXED("CreateSecret.Name"),
      description: "CreateSecret.Description",
      kmsKeyId: "CreateSecret.KmsKeyId",
      recoveryWindowInDays: "DeleteSecret.RecoveryWindowInDays",
      ...tagList("CreateSecret"),
    },
  },
  "aws:secretsmanager/secretVersion:SecretVersion": {
    service: "secrets-manager",
    members: { secretId: "PutSecretValue.SecretId", secretString: "PutSecretValue.SecretString" },
  },
  // --- SNS ---
  "aws:sns/topic:Topic": {
    service: "sns",
    members: {
      name: "CreateTopic.Name",
      // Sent as the topic attribute KmsMasterKeyId.
      kmsMasterKeyId: "CreateTopic.Attributes{value}",
      ...tagList("CreateTopic"),
    },
  },
  "aws:sns/topicPolicy:TopicPolicy": {
    service: "sns",
    members: { arn: "SetTopicAttributes.TopicArn", policy: "SetTopicAttributes.AttributeValue" },
  },
  "aws:sns/topicSubscription:TopicSubscription": {
    service: "sns",
    members: { topic: "Subscribe.TopicArn", protocol: "Subscribe.Protocol", endpoint: "Subscribe.Endpoint" },
  },
  // --- ACM and Route 53 (prod with a domain) ---
  "aws:acm/certificate:Certificate": {
    service: "acm",
    members: {
      domainName: "RequestCertificate.DomainName",
      "subjectAlternativeNames[]": "RequestCertificate.SubjectAlternativeNames[]",
      validationMethod: "RequestCertificate.ValidationMethod",
      keyAlgorithm: "RequestCertificate.KeyAlgorithm",
      ...tagList("RequestCertificate"),
    },
  },
  "aws:acm/certificateValidation:CertificateValidation": {
    service: "acm",
    members: { certificateArn: "DescribeCertificate.CertificateArn" },
    unmapped: {
      "validationRecordFqdns[]": "provider-only: the records `pulumi up` waits to see validated; never sent to the API",
    },
  },
  "aws:route53/record:Record": {
    service: "route-53",
    members: {
      zoneId: "ChangeResourceRecordSets.HostedZoneId",
      name: "ChangeResourceRecordSets.ChangeBatch.Changes[].ResourceRecordSet.Name",
      type: "ChangeResourceRecordSets.ChangeBatch.Changes[].ResourceRecordSet.Type",
      ttl: "ChangeResourceRecordSets.ChangeBatch.Changes[].ResourceRecordSet.TTL",
      "records[]": "ChangeResourceRecordSets.ChangeBatch.Changes[].ResourceRecordSet.ResourceRecords[].Value",
      "aliases[].name": "ChangeResourceRecordSets.ChangeBatch.Changes[].ResourceRecordSet.AliasTarget.DNSName",
      "aliases[].zoneId": "ChangeResourceRecordSets.ChangeBatch.Changes[].ResourceRecordSet.AliasTarget.HostedZoneId",
    },
  },
  // --- ECR, Amazon Managed Prometheus ---
  "aws:ecr/repository:Repository": {
    service: "ecr",
    members: {
      name: "CreateRepository.repositoryName",
      imageTagMutability: "CreateRepository.imageTagMutability",
      "encryptionConfigurations[].encryptionType": "CreateRepository.encryptionConfiguration.encryptionType",
      "encryptionConfigurations[].kmsKey": "CreateRepository.encryptionConfiguration.kmsKey",
      ...tagList("CreateRepository", "tags"),
    },
  },
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
    service: "ecr",
    members: { repository: "PutLifecyclePolicy.repositoryName", policy: "PutLifecyclePolicy.lifecyclePolicyText" },
  },
  "aws:amp/workspace:Workspace": {
    service: "amp",
    members: { alias: "CreateWorkspace.alias", kmsKeyArn: "CreateWorkspace.kmsKeyArn", ...tagMap("CreateWorkspace") },
  },
};

/**
 * EC2's model (ec2/service/2016-11-15/ec2-2016-11-15.json) is over 4 MiB: the stored snapshot of
 * aws/api-models-aws lists it without its content, so no EC2 member could be read.
 */
const EC2_UNREAD =
  "EC2 API: its model (ec2-2016-11-15.json) is over 4 MiB and absent from the stored snapshot of aws/api-models-aws";

/** Resource types whose inputs are not held against a model, and why. */
export const UNMAPPED_TYPES: Record<string, string> = Object.fromEntries([
  ...[
    "aws:ebs/encryptionByDefault:EncryptionByDefault",
    "aws:ebs/volume:Volume",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/eip:Eip",
    "aws:ec2/eipAssociation:EipAssociation",
    "aws:ec2/flowLog:FlowLog",
    "aws:ec2/instance:Instance",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/keyPair:KeyPair",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/volumeAttachment:VolumeAttachment",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  ].map((t) => [t, EC2_UNREAD]),
  ["aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", "S3 Control API: booleans only, nothing to check"],
]);
