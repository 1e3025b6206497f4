/**
 * What the parser hands to index.ts: the stack's typed, validated settings, and the error that stops the
 * program on a bad value (naming the key, the value and what is allowed).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AppTier } from "./app-tiers";
import type { Arch, FindingFrequency } from "./aws-catalogue";
import type { Environment, Protection } from "./environments";

export interface Settings {
  project: string;
  stack: string;
  environment: Environment;
  region: string;
  protection: Protection;
  /** Project, Stack, ManagedBy: on every resource that takes tags (and used for EC2 discovery). */
  tags: Record<string, string>;
  network: { vpcCidr: string; azCount: number };
  access: { adminCidrs: string[]; appIngressCidrs: string[] };
  app: {
    instanceType: string;
    arch: Arch;
    amiId?: string;
    port: number;
    metricsPort: number;
    dataVolumeGiB: number;
    apiToken: pulumi.Output<string>;
    ecrKeepImages: number;
    logRetentionDays: number;
    faultInjection: boolean;
    tier: AppTier;
  };
  /** The fleet tier (`app.tier` "fleet"): Auto Scaling group, load balancer, WAF. */
  fleet: {
    minSize: number;
    maxSize: number;
    /** HTTPS on this name; absent: plain HTTP (refused in prod). */
    domain?: AppDomain;
    waf: { enabled: boolean; rateLimit: number };
  };
  /** The fleet's RDS PostgreSQL; Multi-AZ and deletion protection follow `protection.keepData`. */
  database: { instanceClass: string; storageGiB: number; backupRetentionDays: number };
  monitoring: {
    instanceType: string;
    arch: Arch;
    amiId?: string;
    dataVolumeGiB: number;
    prometheusRetention: string;
    /** 1, or 2 for an HA pair (MonitoringHost). */
    replicas: number;
    managedPrometheus: boolean;
    expectedSeries: number;
    grafanaAdminPassword?: pulumi.Output<string>;
    slackWebhookUrl?: pulumi.Output<string>;
    alertEmail?: string;
  };
  security: {
    trailLogRetentionDays: number;
    flowLogRetentionDays: number;
    trailBucketExpireDays: number;
    guardDutyExistingDetectorId?: string;
    guardDutyFindingFrequency: FindingFrequency;
    guardDutyMinSeverity: number;
    manageAccountSettings: boolean;
    forceDestroy: boolean;
  };
}

/**
 * The fleet's HTTPS name and its certificate: `certificateArn` (an ACM certificate of the stack's region), or
 * one issued by ACM and validated by DNS in `hostedZoneId`. With a hosted zone, an alias record names the load
 * balancer; without one (an imported certificate), the name's DNS is managed elsewhere.
 */
export type AppDomain = { name: string } & (
  { hostedZoneId: string; certificateArn?: string } | { hostedZoneId?: string; certificateArn: string }
);

/** A bad config value: `config <key>=<value> is invalid: <what is allowed>`. */
export class ConfigError extends Error {
  constructor(key: string, value: unknown, allowed: string) {
    const shown = typeof value === "string" ? `"${value}"` : JSON.stringify(value);
    super(`config ${key}=${shown} is invalid: ${allowed}`);
    this.name = "ConfigError";
  }
}

/** Raw config values as Pulumi stores them: strings (arrays, numbers and booleans JSON-encoded). */
export type RawConfig = Record<string, string | undefined>;
