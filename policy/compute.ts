/** Compute: instances and launch templates hardened, no secret in plain text, Auto Scaling groups across zones. */
import { listOf, mandatory, truthy, type Props } from "./define";

export const instancesHardened = mandatory(
  "ec2-imdsv2-encrypted-volumes",
  "Instances require IMDSv2 and encrypt every volume; EBS volumes are encrypted.",
  (type, p, report) => {
    if (type === "aws:ec2/instance:Instance") {
      if ((p.metadataOptions as Props | undefined)?.httpTokens !== "required")
        report('metadataOptions.httpTokens must be "required" (IMDSv2)');
      if ((p.rootBlockDevice as Props | undefined)?.encrypted !== true)
        report("rootBlockDevice.encrypted must be true");
      for (const d of (p.ebsBlockDevices as Props[] | undefined) ?? []) {
        if (d.encrypted !== true) report(`ebsBlockDevice ${String(d.deviceName)} must be encrypted`);
      }
    }
    if (type === "aws:ebs/volume:Volume" && p.encrypted !== true) report("EBS volume must be encrypted");
  },
);

/** `NAME=value` for a secret-like name and a literal value (not a `$reference`, and not an ARN naming a secret). */
const SECRET_ASSIGNMENT =
  /\b(API_TOKEN|[A-Z_]*PASSWORD|[A-Z_]*SECRET[A-Z_]*|AWS_SECRET_ACCESS_KEY)\s*=\s*['"]?(?!arn:)[^\s'"$]{6,}/;
/** Launch templates take their user data base64-encoded: decode it before looking. */
const userDataText = (v: unknown) =>
  typeof v === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(v) ? Buffer.from(v, "base64").toString("utf8") : v;

export const noPlaintextSecrets = mandatory(
  "no-plaintext-secrets",
  "Secrets never sit in plain text in known fields: instance user data, remote command scripts, SSM String parameters named like secrets.",
  (type, p, report, args) => {
    const check = (field: string, value: unknown) => {
      if (typeof value === "string" && SECRET_ASSIGNMENT.test(value)) {
        report(
          `${field} assigns a secret in plain text; pass it as a Pulumi secret (command environment, SecureString)`,
        );
      }
    };
    if (type === "aws:ec2/instance:Instance") check("userData", p.userData);
    if (type === "aws:ec2/launchTemplate:LaunchTemplate") check("userData", userDataText(p.userData));
    if (type === "command:remote:Command" || type === "command:local:Command") {
      for (const f of ["create", "update", "delete"]) check(f, p[f]);
    }
    if (
      type === "aws:ssm/parameter:Parameter" &&
      /token|password|secret|key/i.test(String(p.name ?? args.name)) &&
      p.type !== "SecureString"
    ) {
      report("a secret-named SSM parameter must be a SecureString");
    }
  },
);

export const autoScalingMultiAz = mandatory(
  "asg-multi-az-elb-health",
  "Auto Scaling groups span two or more subnets and, behind a target group, replace instances the load balancer finds unhealthy.",
  (type, p, report) => {
    if (type !== "aws:autoscaling/group:Group") return;
    if (listOf(p.vpcZoneIdentifiers).length < 2) report("vpcZoneIdentifiers must list 2+ subnets (zones)");
    if (listOf(p.targetGroupArns).length > 0 && p.healthCheckType !== "ELB") {
      report('healthCheckType must be "ELB" for a group behind a target group');
    }
  },
);

export const launchTemplateHardened = mandatory(
  "launch-template-hardened",
  "Launch templates require IMDSv2, encrypt every EBS volume and give no public IP address.",
  (type, p, report) => {
    if (type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
    if ((p.metadataOptions as Props | undefined)?.httpTokens !== "required") {
      report('metadataOptions.httpTokens must be "required" (IMDSv2)');
    }
    const devices = listOf(p.blockDeviceMappings).filter((d) => d.ebs);
    if (devices.length === 0) report("blockDeviceMappings must declare the (encrypted) root volume");
    for (const d of devices) {
      if (!truthy((d.ebs as Props).encrypted)) report(`block device ${String(d.deviceName)} must be encrypted`);
    }
    for (const n of listOf(p.networkInterfaces)) {
      if (truthy(n.associatePublicIpAddress)) report("networkInterfaces must not associate a public IP address");
    }
  },
);
