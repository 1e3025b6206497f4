import * as aws from "@pulumi/aws";
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Arch } from "./config";

const DIR = join(__dirname, "host-scripts");
const SOURCE_LINE = "source /tmp/observed-app/common.sh";

/**
 * A host script ready to run over SSH: the shared functions of common.sh inlined where the script sources
 * them, so one self-contained command string reaches the host (and its hash changes when either file does).
 */
export function hostScript(name: string): string {
  const script = readFileSync(join(DIR, name), "utf8");
  const common = readFileSync(join(DIR, "common.sh"), "utf8").replace(/^#!.*\n/, "");
  if (!script.includes(SOURCE_LINE)) throw new Error(`${name} does not source common.sh`);
  return script.replace(SOURCE_LINE, common);
}

/** The SSH user of Amazon Linux 2023. */
export const SSH_USER = "ec2-user";

/** Latest Amazon Linux 2023 AMI name pattern for an architecture. */
export const al2023AmiFilter = (arch: Arch) => `al2023-ami-2023.*-kernel-*-${arch}`;

/** The building blocks both hosts share: an instance role + profile, an SSH key pair, the AMI, the SSH connection. */
export function hostBasics(
  name: string,
  args: { arch: Arch; rolePolicy: pulumi.Input<string>; tags: Record<string, string> },
  parent: pulumi.Resource,
) {
  const opts = { parent };
  const role = new aws.iam.Role(
    `${name}-role`,
    { assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }), tags: args.tags },
    opts,
  );
  new aws.iam.RolePolicy(`${name}-role`, { role: role.id, policy: args.rolePolicy }, opts);
  const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags: args.tags }, opts);
  const key = new tls.PrivateKey(`${name}-ssh`, { algorithm: "ED25519" }, opts);
  const keyPair = new aws.ec2.KeyPair(`${name}-ssh`, { publicKey: key.publicKeyOpenssh, tags: args.tags }, opts);
  const amiId = aws.ec2.getAmiOutput(
    { owners: ["amazon"], mostRecent: true, filters: [{ name: "name", values: [al2023AmiFilter(args.arch)] }] },
    opts,
  ).id;
  const connection = (host: pulumi.Input<string>): command.types.input.remote.ConnectionArgs => ({
    host,
    user: SSH_USER,
    privateKey: key.privateKeyOpenssh,
    // A fresh instance refuses SSH for a while: retry for up to ten minutes.
    dialErrorLimit: 60,
    perDialTimeout: 10,
  });
  return { role, profile, key, keyPair, amiId, connection };
}
