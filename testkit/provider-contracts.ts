/**
 * Rules the real providers (and the AWS APIs behind them) apply to resource inputs at `check`/`create` time,
 * which TypeScript does not (the SDKs type these fields as plain strings) and Pulumi mocks never do. Each rule
 * cites where it is read from, at our pinned versions; `checkContracts` runs them over recorded resources
 * (scripts/lib/program-mocks.ts) and returns every violation.
 */
import { DetectorFeature, FeatureAdditionalConfiguration, FeatureStatus } from "@aws-sdk/client-guardduty";
import { ComparisonOperator, Statistic } from "@aws-sdk/client-cloudwatch";
import { TransitionStorageClass } from "@aws-sdk/client-s3";
import { existsSync, statSync } from "node:fs";
import { LOG_RETENTION_DAYS } from "../components/config";
import type { ContractRule, ResourceInputs, Violation } from "./contract-rule";
import { FLEET_CONTRACT_RULES } from "./provider-contracts-fleet";

export type { ContractRule, ResourceInputs, Violation };

const COMMAND = "pulumi/pulumi-command v1.2.1 (7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25)";
const TLS = "@pulumi/tls 5.6.1 schema (node_modules/@pulumi/tls/privateKey.d.ts, selfSignedCert.d.ts: accepted values)";
/** Key usages the tls provider accepts in `allowedUses` (RFC 5280 names as the provider spells them). */
const TLS_KEY_USAGES = [
  "anyExtended",
  "certSigning",
  "clientAuth",
  "codeSigning",
  "contentCommitment",
  "crlSigning",
  "dataEncipherment",
  "decipherOnly",
  "digitalSignature",
  "emailProtection",
  "encipherOnly",
  "ipsecEndSystem",
  "ipsecTunnel",
  "ipsecUser",
  "keyAgreement",
  "keyEncipherment",
  "microsoftCommercialCodeSigning",
  "microsoftKernelCodeSigning",
  "microsoftServerGatedCrypto",
  "netscapeServerGatedCrypto",
  "ocspSigning",
  "serverAuth",
  "timestamping",
];
const AWS_SDK = "@aws-sdk v3.1137.0 enums (the service models AWS validates against)";
const values = (e: Record<string, string>) => Object.values(e);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** How a recorded asset or archive looks under mocks: the SDK's asset classes with their (promised) fields. */
function assetKind(v: unknown): "path-asset" | "text-asset" | "path-archive" | "asset-archive" | "remote" | "none" {
  const o = obj(v);
  if ("assets" in o) return "asset-archive";
  if ("text" in o) return "text-asset";
  if ("uri" in o) return "remote";
  if ("path" in o) return o.constructor?.name === "FileArchive" ? "path-archive" : "path-asset";
  return "none";
}

/** OpenSSH authorized-key form, which golang.org/x/crypto/ssh ParseAuthorizedKey accepts for `hostKey`. */
const AUTHORIZED_KEY =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$/;

/** Additional configurations each GuardDuty feature takes (GuardDuty API: DetectorFeatureConfiguration). */
const GUARDDUTY_ADDITIONAL: Record<string, string[]> = {
  RUNTIME_MONITORING: ["EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT"],
  EKS_RUNTIME_MONITORING: ["EKS_ADDON_MANAGEMENT"],
};

/** An EventBridge pattern: every leaf is an array of values or matchers; numeric matchers pair operators and numbers. */
function eventPatternProblem(pattern: unknown, path = ""): string | null {
  if (!pattern || typeof pattern !== "object" || Array.isArray(pattern))
    return `${path || "pattern"} must be an object`;
  for (const [k, v] of Object.entries(pattern as Record<string, unknown>)) {
    const at = path ? `${path}.${k}` : k;
    if (Array.isArray(v)) {
      for (const item of v) {
        const m = obj(item);
        if ("numeric" in m) {
          const n = m.numeric;
          const ok =
            Array.isArray(n) &&
            n.length % 2 === 0 &&
            n.every((x, i) =>
              i % 2 === 0 ? ["<", "<=", "=", ">", ">="].includes(x as string) : typeof x === "number",
            );
          if (!ok) return `${at}: a numeric matcher is [operator, number, …] with operators <, <=, =, >, >=`;
        }
      }
    } else if (v && typeof v === "object") {
      const inner = eventPatternProblem(v, at);
      if (inner) return inner;
    } else {
      return `${at} must be an array of values or matchers`;
    }
  }
  return null;
}

export const CONTRACT_RULES: ContractRule[] = [
  {
    id: "command-copy-source-on-disk",
    source: `${COMMAND} provider/pkg/provider/remote/copyController.go CopyToRemote.Check`,
    types: ["command:remote:CopyToRemote"],
    check(r, report) {
      const kind = assetKind(r.inputs.source);
      if (!["path-asset", "text-asset", "path-archive"].includes(kind)) {
        report("source", kind, "a path-based FileAsset, a text StringAsset, or a FileArchive of a path on disk");
      }
    },
  },
  {
    id: "command-connection",
    source: `${COMMAND} provider/pkg/provider/remote/connection.go (host required; hostKey parsed by ssh.ParseAuthorizedKey)`,
    types: ["command:remote:Command", "command:remote:CopyToRemote"],
    check(r, report) {
      const c = obj(r.inputs.connection);
      if (typeof c.host !== "string" || c.host === "") report("connection.host", c.host, "the host's address");
      if (c.hostKey !== undefined && !(typeof c.hostKey === "string" && AUTHORIZED_KEY.test(c.hostKey))) {
        report("connection.hostKey", c.hostKey, "an OpenSSH public key line, e.g. `ssh-ed25519 AAAA…`");
      }
      for (const k of ["dialErrorLimit", "perDialTimeout"]) {
        if (c[k] !== undefined && !(Number.isInteger(c[k]) && (c[k] as number) > 0)) {
          report(`connection.${k}`, c[k], "a positive integer");
        }
      }
    },
  },
  {
    id: "command-triggers-and-scripts",
    source: `${COMMAND} provider/pkg/provider/common/inputs.go (triggers: []any, replaceOnChanges; create/update/delete strings)`,
    types: ["command:remote:Command"],
    check(r, report) {
      if (r.inputs.triggers !== undefined && !Array.isArray(r.inputs.triggers)) {
        report("triggers", r.inputs.triggers, "a list");
      }
      for (const k of ["create", "update", "delete", "stdin"]) {
        if (r.inputs[k] !== undefined && typeof r.inputs[k] !== "string") report(k, r.inputs[k], "a string");
      }
      if (typeof r.inputs.create !== "string") report("create", r.inputs.create, "the command to run on create");
    },
  },
  {
    id: "docker-image-build",
    source:
      "@pulumi/docker 5.2.0 Image inputs (docs of the Image resource: build.context and build.dockerfile are local paths, platform is os/arch[/variant], registry.server is the registry of imageName); not read from the provider's Go source at a 5.2.0 tag, which the stored snapshot lacks",
    types: ["docker:index/image:Image"],
    check(r, report) {
      const build = obj(r.inputs.build);
      const context = build.context as string | undefined;
      if (!context || !existsSync(context) || !statSync(context).isDirectory()) {
        report("build.context", context, "an existing directory");
      }
      const dockerfile = build.dockerfile as string | undefined;
      if (dockerfile !== undefined && !existsSync(dockerfile))
        report("build.dockerfile", dockerfile, "an existing file");
      if (build.platform !== undefined && !/^[a-z]+\/[a-z0-9_]+(\/v\d+)?$/.test(String(build.platform))) {
        report("build.platform", build.platform, "os/arch[/variant], e.g. linux/arm64");
      }
      const server = String(obj(r.inputs.registry).server ?? "");
      const imageHost = String(r.inputs.imageName ?? "").split("/")[0];
      if (server && server.split("/")[0] !== imageHost) {
        report("registry.server", server, `the registry of imageName (${imageHost})`);
      }
    },
  },
  {
    id: "guardduty-detector-feature",
    source: `${AWS_SDK}: client-guardduty DetectorFeature, FeatureStatus, FeatureAdditionalConfiguration; pairings per the GuardDuty API reference (DetectorAdditionalConfiguration)`,
    types: ["aws:guardduty/detectorFeature:DetectorFeature"],
    check(r, report) {
      const name = String(r.inputs.name);
      if (!values(DetectorFeature).includes(name)) report("name", name, values(DetectorFeature).join(", "));
      if (!values(FeatureStatus).includes(String(r.inputs.status))) {
        report("status", r.inputs.status, values(FeatureStatus).join(", "));
      }
      for (const [i, a] of ((r.inputs.additionalConfigurations as unknown[]) ?? []).entries()) {
        const extra = String(obj(a).name);
        const allowed = GUARDDUTY_ADDITIONAL[name] ?? [];
        if (!values(FeatureAdditionalConfiguration).includes(extra) || !allowed.includes(extra)) {
          report(`additionalConfigurations[${i}].name`, extra, allowed.join(", ") || `none for ${name}`);
        }
      }
    },
  },
  {
    id: "cloudwatch-metric-alarm",
    source: `${AWS_SDK}: client-cloudwatch ComparisonOperator, Statistic; TreatMissingData per the PutMetricAlarm API reference`,
    types: ["aws:cloudwatch/metricAlarm:MetricAlarm"],
    check(r, report) {
      if (!values(ComparisonOperator).includes(String(r.inputs.comparisonOperator))) {
        report("comparisonOperator", r.inputs.comparisonOperator, values(ComparisonOperator).join(", "));
      }
      if (r.inputs.statistic !== undefined && !values(Statistic).includes(String(r.inputs.statistic))) {
        report("statistic", r.inputs.statistic, values(Statistic).join(", "));
      }
      const missing = ["breaching", "notBreaching", "ignore", "missing"];
      if (r.inputs.treatMissingData !== undefined && !missing.includes(String(r.inputs.treatMissingData))) {
        report("treatMissingData", r.inputs.treatMissingData, missing.join(", "));
      }
    },
  },
  {
    id: "s3-lifecycle-storage-class",
    source: `${AWS_SDK}: client-s3 TransitionStorageClass`,
    types: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
    check(r, report) {
      for (const [i, rule] of ((r.inputs.rules as unknown[]) ?? []).entries()) {
        for (const [j, t] of ((obj(rule).transitions as unknown[]) ?? []).entries()) {
          const sc = String(obj(t).storageClass);
          if (!values(TransitionStorageClass).includes(sc)) {
            report(`rules[${i}].transitions[${j}].storageClass`, sc, values(TransitionStorageClass).join(", "));
          }
        }
      }
    },
  },
  {
    id: "cloudwatch-log-retention",
    source: "CloudWatch Logs API reference, PutRetentionPolicy: retentionInDays valid values",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    check(r, report) {
      const days = r.inputs.retentionInDays;
      if (days !== undefined && !(LOG_RETENTION_DAYS as readonly unknown[]).includes(days)) {
        report("retentionInDays", days, LOG_RETENTION_DAYS.join(", "));
      }
    },
  },
  {
    id: "eventbridge-pattern",
    source: "Amazon EventBridge User Guide, event patterns and content filtering (numeric matching)",
    types: ["aws:cloudwatch/eventRule:EventRule"],
    check(r, report) {
      let pattern: unknown;
      try {
        pattern = JSON.parse(String(r.inputs.eventPattern));
      } catch {
        report("eventPattern", r.inputs.eventPattern, "JSON");
        return;
      }
      const problem = eventPatternProblem(pattern);
      if (problem) report("eventPattern", r.inputs.eventPattern, problem);
    },
  },
  {
    id: "tls-key-and-certificate",
    source: TLS,
    types: ["tls:index/privateKey:PrivateKey", "tls:index/selfSignedCert:SelfSignedCert"],
    check(r, report) {
      const i = r.inputs;
      if (r.type === "tls:index/privateKey:PrivateKey") {
        if (!["RSA", "ECDSA", "ED25519"].includes(String(i.algorithm))) {
          report("algorithm", i.algorithm, "RSA, ECDSA, ED25519");
        }
        if (i.ecdsaCurve !== undefined && !["P224", "P256", "P384", "P521"].includes(String(i.ecdsaCurve))) {
          report("ecdsaCurve", i.ecdsaCurve, "P224, P256, P384, P521");
        }
        return;
      }
      const uses = Array.isArray(i.allowedUses) ? i.allowedUses : [];
      if (uses.length === 0) report("allowedUses", i.allowedUses, "a non-empty list (required)");
      for (const u of uses)
        if (!TLS_KEY_USAGES.includes(String(u))) report("allowedUses", u, TLS_KEY_USAGES.join(", "));
      if (!(Number.isInteger(i.validityPeriodHours) && (i.validityPeriodHours as number) > 0)) {
        report("validityPeriodHours", i.validityPeriodHours, "a positive number of hours (required)");
      }
      if (typeof i.privateKeyPem !== "string" || !i.privateKeyPem.includes("PRIVATE KEY")) {
        report("privateKeyPem", "<redacted>", "a PEM private key");
      }
    },
  },
  {
    id: "ec2-instance-metadata",
    source:
      "Amazon EC2 API reference, InstanceMetadataOptionsRequest: HttpTokens optional|required, HttpPutResponseHopLimit 1–64",
    types: ["aws:ec2/instance:Instance"],
    check(r, report) {
      const m = obj(r.inputs.metadataOptions);
      if (m.httpTokens !== undefined && !["optional", "required"].includes(String(m.httpTokens))) {
        report("metadataOptions.httpTokens", m.httpTokens, "optional, required");
      }
      const hop = m.httpPutResponseHopLimit;
      if (hop !== undefined && !(Number.isInteger(hop) && (hop as number) >= 1 && (hop as number) <= 64)) {
        report("metadataOptions.httpPutResponseHopLimit", hop, "an integer from 1 to 64");
      }
    },
  },
  ...FLEET_CONTRACT_RULES,
];

/** Every violation of every rule over the resources. */
export function checkContracts(resources: ResourceInputs[], rules: ContractRule[] = CONTRACT_RULES): Violation[] {
  const out: Violation[] = [];
  for (const rule of rules) {
    for (const r of resources.filter((x) => rule.types.includes(x.type))) {
      rule.check(r, (property, value, allowed) =>
        out.push({ rule: rule.id, resource: `${r.type} ${r.name}`, property, value, allowed }),
      );
    }
  }
  return out;
}
