/**
 * Settings for every profile the tests render. The AWS stacks have no defaults of their own (they are built from
 * a deployment's real inputs), so the tests give example inputs here — test data, plainly marked as such.
 */
import {
  AWS_WEB_USER,
  awsMonitoringSettings,
  settingsForStack,
  withOverrides,
  type DeepPartial,
  type MonitoringSettings,
  type StackName,
} from "../../monitoring-config";
import { mockHostTls } from "../../scripts/lib/self-signed";

/** A host's example TLS key and self-signed certificate (real, test-only), naming its address and 127.0.0.1. */
export const exampleHostTls = (host: string, address: string) => mockHostTls(`example-${host}-tls`, address);

/** Example inputs of an AWS stack (documentation addresses and the mock account). */
export function exampleAwsSettings(environment: "dev" | "prod"): MonitoringSettings {
  return awsMonitoringSettings({
    environment,
    region: "eu-west-1",
    discoveryTags: { Project: "observed-app", Stack: environment },
    appMetricsPort: 9464,
    appUrl: "https://203.0.113.10:3000",
    topicArns: {
      page: `arn:aws:sns:eu-west-1:123456789012:observed-app-${environment}-alerts`,
      ticket: `arn:aws:sns:eu-west-1:123456789012:observed-app-${environment}-tickets`,
      heartbeat: `arn:aws:sns:eu-west-1:123456789012:observed-app-${environment}-heartbeat`,
    },
    grafanaAdminPassword: "",
    guardDutyRuleName: `observed-app-${environment}-guardduty-findings`,
    retention: environment === "prod" ? "30d" : "15d",
    basicAuth: { username: AWS_WEB_USER, password: "example-web-password-0123", salt: "abcdefghijklmnopqrstuO" },
    tls: {
      ...exampleHostTls("monitoring", "203.0.113.20"),
      probeCaPem: exampleHostTls("app", "203.0.113.10").certPem,
    },
    // prod as it deploys by default: long-term storage in a managed workspace, and the first host of an HA pair.
    ...(environment === "prod"
      ? {
          managedPrometheus: {
            workspaceEndpoint:
              "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef/",
            expectedSeries: 10_000,
          },
          ha: {
            replica: "a",
            clusterListen: "0.0.0.0:9094",
            clusterAdvertise: "10.40.0.20:9094",
            clusterPeers: ["10.40.1.20:9094"],
            peerTimeout: "15s",
            peerAlertmanagers: [
              { address: "10.40.1.20:9093", certPem: exampleHostTls("monitoring-b", "203.0.113.21").certPem },
            ],
          },
        }
      : {}),
  });
}

/** Complete settings of a profile, with overrides (AWS profiles from the example inputs above). */
export function profile(stack: StackName, overrides?: DeepPartial<MonitoringSettings>): MonitoringSettings {
  return stack === "dev" || stack === "prod"
    ? withOverrides(exampleAwsSettings(stack), overrides)
    : settingsForStack(stack, overrides);
}
