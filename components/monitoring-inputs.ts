/**
 * The one mapping from a monitoring host's settings, plus the values only a deployment knows, to the settings
 * monitoring-config renders. Pure (no Pulumi): MonitoringHost calls it inside its apply with the resolved outputs
 * of each replica; `npm run render` calls it with a plain marker (`<account id>`, `<monitoring b private ip>`…)
 * for every deployed value. So what render shows is what deploys (tests/infra/render-parity*.test.ts).
 */
import {
  AWS_WEB_USER,
  awsMonitoringSettings,
  MONITORING_PORTS,
  type AwsMonitoringInputs,
  type FleetMetrics,
  type HaSettings,
  type MonitoringSettings,
} from "../monitoring-config";
import { DEFAULT_EXPECTED_SERIES } from "./config/limits";

/** The replicas' names: the `replica` label of their series, and the suffix of the second host's resources. */
export const REPLICA_NAMES: readonly string[] = ["a", "b"];
/** Alertmanager's gossip port between the members of the pair (its default). */
export const ALERTMANAGER_CLUSTER_PORT = 9094;
/** How long an Alertmanager of the pair waits for the one before it to notify. */
const PEER_TIMEOUT = "15s";

/** What the mapping reads of the monitoring host's args (MonitoringHostArgs has this shape): plain values only. */
export interface MonitoringHostSettings {
  /** The stack's environment: the `stack` label of every series and alert. */
  readonly environment: AwsMonitoringInputs["environment"];
  readonly region: string;
  /** Tags every discovered host carries (Project, Stack); Prometheus discovers by them. */
  readonly discoveryTags: Record<string, string>;
  readonly app: { readonly metricsPort: number };
  readonly monitoring: {
    /** Prometheus TSDB retention (a Prometheus duration). */
    readonly prometheusRetention: string;
    /** Monitoring hosts: 1, or 2 for an HA pair. Default 1. */
    readonly replicas?: number;
    /** Remote write to a managed workspace, which Grafana also queries. Default off. */
    readonly managedPrometheus?: boolean;
    /** Active series the remote-write queue is sized for. Default DEFAULT_EXPECTED_SERIES. */
    readonly expectedSeries?: number;
  };
}

/**
 * What only a deployment knows, as seen by one replica: resolved outputs in MonitoringHost, markers in render.
 * A value the stack does not have (a fleet on the host tier, a workspace without managedPrometheus) is absent.
 */
export interface DeployedValues {
  /** The SNS topics Alertmanager publishes to: pages, tickets and the Watchdog heartbeat. */
  readonly topicArns: { readonly page: string; readonly ticket: string; readonly heartbeat: string };
  /** The app's public base URL; blackbox_exporter probes its health path. */
  readonly appUrl: string;
  readonly grafanaAdminPassword: string;
  /** Basic auth of Prometheus and Alertmanager: the generated password and the bcrypt salt kept in the state. */
  readonly web: { readonly password: string; readonly salt?: string };
  /** This replica's own certificate and key (PEM). */
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  /** The app host edge's self-signed certificate, the only one blackbox trusts (host tier only). */
  readonly probeCaPem?: string;
  /** The managed workspace's endpoint (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/`). */
  readonly workspaceEndpoint?: string;
  /** Every replica's private address and certificate, in replica order, this one included (HA pair only). */
  readonly pair?: readonly { readonly privateIp: string; readonly certPem: string }[];
  /** The fleet's CloudWatch dimensions (fleet tier only). */
  readonly fleet?: FleetMetrics;
  /** EventBridge rule forwarding GuardDuty findings (the Security dashboard graphs its invocations). */
  readonly guardDutyRuleName: string;
  /** Slack incoming webhook that also receives pages and tickets (optional). */
  readonly slackWebhookUrl?: string;
}

/** The name of replica `i` (`a`, `b`). */
export const replicaName = (i: number): string => REPLICA_NAMES[i];

/** Replica `i`'s part in the pair: its label, its own gossip address, the others as cluster peers and Alertmanagers. */
function haSettings(pair: NonNullable<DeployedValues["pair"]>, i: number): HaSettings {
  const others = pair.filter((_, j) => j !== i);
  return {
    replica: replicaName(i),
    clusterListen: `0.0.0.0:${ALERTMANAGER_CLUSTER_PORT}`,
    clusterAdvertise: `${pair[i].privateIp}:${ALERTMANAGER_CLUSTER_PORT}`,
    clusterPeers: others.map((p) => `${p.privateIp}:${ALERTMANAGER_CLUSTER_PORT}`),
    peerTimeout: PEER_TIMEOUT,
    peerAlertmanagers: others.map((p) => ({
      address: `${p.privateIp}:${MONITORING_PORTS.alertmanager}`,
      certPem: p.certPem,
    })),
  };
}

/**
 * The monitoring settings of replica `replica` (0 = `a`) of a monitoring host: its settings and what the
 * deployment gave it. Refuses deployed values that do not fit the settings (a workspace endpoint missing while
 * managedPrometheus is on, a pair of the wrong size), so neither caller can silently drop an input.
 */
export function monitoringSettingsFor(
  host: MonitoringHostSettings,
  deployed: DeployedValues,
  replica = 0,
): MonitoringSettings {
  const m = host.monitoring;
  const replicas = m.replicas ?? 1;
  if (!Number.isInteger(replica) || replica < 0 || replica >= replicas) {
    throw new Error(`replica=${replica} is invalid: expected 0 to ${replicas - 1} (monitoring.replicas=${replicas})`);
  }
  const pair = deployed.pair ?? [];
  if (replicas > 1 && pair.length !== replicas) {
    throw new Error(`pair has ${pair.length} replicas' addresses and certificates: expected ${replicas}`);
  }
  if (m.managedPrometheus && !deployed.workspaceEndpoint) {
    throw new Error("workspaceEndpoint is required when monitoring.managedPrometheus is on");
  }
  return awsMonitoringSettings({
    environment: host.environment,
    region: host.region,
    discoveryTags: host.discoveryTags,
    appMetricsPort: host.app.metricsPort,
    appUrl: deployed.appUrl,
    topicArns: { ...deployed.topicArns },
    slackWebhookUrl: deployed.slackWebhookUrl,
    grafanaAdminPassword: deployed.grafanaAdminPassword,
    guardDutyRuleName: deployed.guardDutyRuleName,
    retention: m.prometheusRetention,
    basicAuth: { username: AWS_WEB_USER, password: deployed.web.password, salt: deployed.web.salt },
    tls: { certPem: deployed.tls.certPem, keyPem: deployed.tls.keyPem, probeCaPem: deployed.probeCaPem },
    ...(deployed.fleet ? { fleet: { ...deployed.fleet } } : {}),
    ...(m.managedPrometheus && deployed.workspaceEndpoint
      ? {
          managedPrometheus: {
            workspaceEndpoint: deployed.workspaceEndpoint,
            expectedSeries: m.expectedSeries ?? DEFAULT_EXPECTED_SERIES,
          },
        }
      : {}),
    ...(replicas > 1 ? { ha: haSettings(pair, replica) } : {}),
  });
}
