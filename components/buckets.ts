/**
 * The hardening every bucket of the stack gets (the policy pack's s3-buckets-have-hardening checks it): a public
 * access block, owner-enforced ownership, default encryption, versioning and a lifecycle, each named after the
 * bucket. Its bucket policy (TLS-only, plus the writers it admits) is the owner's: it differs per bucket.
 */
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export function hardenBucket(
  name: string,
  bucket: aws.s3.Bucket,
  sse: { sseAlgorithm: string; kmsMasterKeyId?: pulumi.Input<string> },
  expireDays: number,
  opts: pulumi.CustomResourceOptions,
  glacier = false,
): void {
  new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: sse, bucketKeyEnabled: sse.sseAlgorithm === "aws:kms" }],
    },
    opts,
  );
  new aws.s3.BucketVersioning(name, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, opts);
  new aws.s3.BucketLifecycleConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [
        {
          id: "retention",
          status: "Enabled",
          filter: {},
          ...(glacier ? { transitions: [{ days: 90, storageClass: "GLACIER" }] } : {}),
          expiration: { days: expireDays },
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
      ],
    },
    opts,
  );
}
