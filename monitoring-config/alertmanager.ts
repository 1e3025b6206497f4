import { HEARTBEAT_ALERT } from "./alerts/heartbeat";
import { secretPath } from "./secrets";
import type { MonitoringSettings, ReceiverTargets } from "./types";

const notifyResolved = { send_resolved: true };

function receiver(name: string, r: ReceiverTargets): object {
  return {
    name,
    ...(r.sns
      ? {
          sns_configs: [
            {
              ...notifyResolved,
              topic_arn: r.sns.topicArn,
              // Region set explicitly; no keys: Alertmanager signs with the EC2 instance role.
              sigv4: { region: r.sns.region },
              subject: `[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} (${name})`,
              message:
                "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n\n{{ end }}",
            },
          ],
        }
      : {}),
    ...(r.slack
      ? {
          slack_configs: [
            {
              ...notifyResolved,
              // The webhook URL is a credential: Alertmanager reads it from the secrets the apply step installs.
              api_url_file: secretPath("alertmanager", `slack-${name}`),
              channel: r.slack.channel,
              title: "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",
              text: "{{ range .Alerts }}{{ .Annotations.summary }} <{{ .Annotations.runbook_url }}|runbook>\n{{ end }}",
            },
          ],
        }
      : {}),
    ...(r.email ? { email_configs: [{ ...notifyResolved, to: r.email.to }] } : {}),
    ...(r.webhook ? { webhook_configs: [{ ...notifyResolved, url: r.webhook.url, max_alerts: 0 }] } : {}),
  };
}

/** alertmanager.yml: routing by severity, heartbeat for Watchdog, inhibition, receivers from settings. */
export function alertmanagerConfig(s: MonitoringSettings): object {
  const a = s.alertmanager;
  return {
    global: {
      resolve_timeout: "5m",
      ...(s.smtp
        ? {
            smtp_smarthost: s.smtp.smarthost,
            smtp_from: s.smtp.from,
            smtp_require_tls: true,
            ...(s.smtp.username ? { smtp_auth_username: s.smtp.username } : {}),
            ...(s.smtp.password ? { smtp_auth_password_file: secretPath("alertmanager", "smtp-password") } : {}),
          }
        : {}),
    },
    route: {
      receiver: "ticket",
      group_by: ["alertname", "job", "instance"],
      group_wait: a.groupWait,
      group_interval: a.groupInterval,
      repeat_interval: a.repeatInterval,
      routes: [
        {
          receiver: "heartbeat",
          matchers: [`alertname="${HEARTBEAT_ALERT}"`],
          group_wait: "0s",
          group_interval: a.heartbeatRepeatInterval,
          repeat_interval: a.heartbeatRepeatInterval,
        },
        { receiver: "page", matchers: ['severity="critical"'], group_wait: a.pageGroupWait, repeat_interval: "1h" },
        { receiver: "ticket", matchers: ['severity="warning"'] },
        { receiver: "null", matchers: ['severity="info"'] },
      ],
    },
    inhibit_rules: [
      // A critical alert mutes the warning of the same alert on the same instance.
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["alertname", "instance"],
      },
      // When the service is down, its other symptoms on that instance are noise.
      {
        source_matchers: ['alertname="ServiceDown"'],
        target_matchers: ['alertname!="ServiceDown"', `alertname!="${HEARTBEAT_ALERT}"`],
        equal: ["job", "instance"],
      },
    ],
    receivers: [
      receiver("page", s.receivers.page),
      receiver("ticket", s.receivers.ticket),
      receiver("heartbeat", s.receivers.heartbeat),
      { name: "null" },
    ],
  };
}
