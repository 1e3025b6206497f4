/** Validation of monitoring settings: what the renderers would turn into broken files is refused here. */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { durationSeconds, DURATION } from "./durations";
import { STACKS, type MonitoringSettings } from "./types";

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/**
 * A value known only after deployment, shown as a plain marker in a preview render, e.g.
 * `<alert topic ARN from stack output>`.
 */
export const DEPLOY_TIME_MARKER = /<[^<>]+>/;

export interface ValidateOptions {
  /**
   * Preview render (`npm run render -- --stack dev`): values that contain a deploy-time marker skip their format
   * check. Never set for a bundle that is deployed.
   */
  preview?: boolean;
}

/** Reject settings the renderers would turn into broken files; each message names the key and what is allowed. */
export function validateSettings(s: MonitoringSettings, opts: ValidateOptions = {}): MonitoringSettings {
  const failNow = (key: string, value: unknown, allowed: string) => {
    throw new SettingsError(`${key}=${JSON.stringify(value)} is invalid: ${allowed}`);
  };
  const fail = (key: string, value: unknown, allowed: string) =>
    opts.preview && typeof value === "string" && DEPLOY_TIME_MARKER.test(value) ? true : failNow(key, value, allowed);
  const duration = (key: string, v: string) =>
    DURATION.test(v) || fail(key, v, "expected a Prometheus duration such as 30s, 5m, 1h, 30d");
  const ratio = (key: string, v: number) =>
    (typeof v === "number" && v > 0 && v < 1) || fail(key, v, "expected a ratio between 0 and 1 (exclusive)");
  const positive = (key: string, v: number) =>
    (typeof v === "number" && Number.isFinite(v) && v >= 0) || fail(key, v, "expected a number ≥ 0");
  const url = (key: string, v: string) => {
    try {
      const u = new URL(v);
      if (!["http:", "https:"].includes(u.protocol)) throw new Error();
    } catch {
      fail(key, v, "expected an http(s) URL");
    }
  };

  if (!STACKS.includes(s.stack)) fail("stack", s.stack, `allowed values are ${STACKS.join(", ")}`);
  for (const k of ["scrapeInterval", "evaluationInterval", "scrapeTimeout", "alertResendDelay", "retention"] as const)
    duration(k, s[k]);
  for (const [k, v] of Object.entries(s.thresholds)) {
    if (typeof v === "string") duration(`thresholds.${k}`, v);
    else if (k.endsWith("Ratio")) ratio(`thresholds.${k}`, v);
    else positive(`thresholds.${k}`, v);
  }
  if (!(s.slo.objective > 0.5 && s.slo.objective < 1)) {
    fail("slo.objective", s.slo.objective, "expected a ratio between 0.5 and 1, e.g. 0.999");
  }
  duration("slo.period", s.slo.period);
  const longest = Math.max(...[...s.slo.page, ...s.slo.ticket].map((w) => durationSeconds(w.long)));
  if (durationSeconds(s.slo.period) < longest) {
    fail("slo.period", s.slo.period, "expected at least the longest burn window");
  }
  for (const kind of ["page", "ticket"] as const) {
    if (s.slo[kind].length === 0) fail(`slo.${kind}`, s.slo[kind], "expected at least one burn window");
    s.slo[kind].forEach((w, i) => {
      duration(`slo.${kind}[${i}].long`, w.long);
      duration(`slo.${kind}[${i}].short`, w.short);
      if (!(w.factor > 0)) fail(`slo.${kind}[${i}].factor`, w.factor, "expected a burn-rate factor > 0");
    });
  }
  for (const [k, v] of Object.entries(s.alertmanager)) duration(`alertmanager.${k}`, v);
  if (s.targets.kind === "static") {
    for (const key of ["app", "node"] as const) {
      s.targets[key].forEach((t, i) => HOST_PORT.test(t) || fail(`targets.${key}[${i}]`, t, "expected host:port"));
    }
  } else if (s.targets.kind === "ec2") {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(s.targets.region))
      fail("targets.region", s.targets.region, "expected an AWS region such as eu-west-1");
    if (Object.keys(s.targets.tags).length === 0)
      fail("targets.tags", s.targets.tags, "expected at least one tag filter");
  } else {
    fail("targets.kind", (s.targets as { kind: unknown }).kind, 'allowed values are "static", "ec2"');
  }
  s.probeUrls.forEach((u, i) => url(`probeUrls[${i}]`, u));
  for (const route of ["page", "ticket", "heartbeat"] as const) {
    const r = s.receivers[route];
    if (!r || !(r.sns || r.slack || r.email || r.webhook)) {
      fail(`receivers.${route}`, r, "expected at least one of sns, slack, email, webhook");
    }
    if (r.sns && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/.test(r.sns.topicArn)) {
      fail(`receivers.${route}.sns.topicArn`, r.sns.topicArn, "expected an SNS topic ARN");
    }
    if (r.slack) url(`receivers.${route}.slack.apiUrl`, r.slack.apiUrl);
    if (r.webhook) url(`receivers.${route}.webhook.url`, r.webhook.url);
    if (r.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(r.email.to)) {
      fail(`receivers.${route}.email.to`, r.email.to, "expected an e-mail address");
    }
    if (r.email && !s.smtp) fail("smtp", s.smtp, `required when receivers.${route}.email is set`);
  }
  if (s.basicAuth && (!s.basicAuth.username || s.basicAuth.password.length < 12)) {
    failNow("basicAuth.password", "<redacted>", "expected a username and a password of at least 12 characters");
  }
  // Refused since grafana.ini quoted the password with """…"""; it now sits in a file Grafana reads with
  // $__file{}, where a line break would become part of the password.
  if (/"""|[\r\n]/.test(s.grafana.adminPassword)) {
    failNow("grafana.adminPassword", "<redacted>", 'expected no line breaks and no """ sequence');
  }
  if (s.basicAuth?.salt !== undefined && !/^[./A-Za-z0-9]{21}[.Oeu]$/.test(s.basicAuth.salt)) {
    failNow(
      "basicAuth.salt",
      "<redacted>",
      "expected 22 bcrypt-alphabet characters [./A-Za-z0-9], the last one of .Oeu",
    );
  }
  if (s.basicAuth && !/^[A-Za-z0-9._-]+$/.test(s.basicAuth.username)) {
    fail("basicAuth.username", s.basicAuth.username, "expected letters, digits, '.', '_' or '-'");
  }
  if (s.tls) {
    const cert = (key: string, pem: string) => {
      try {
        return new X509Certificate(pem);
      } catch (err) {
        return fail(key, pem.slice(0, 40), `expected a PEM certificate (${(err as Error).message})`);
      }
    };
    const server = cert("tls.certPem", s.tls.certPem);
    // The services reach each other on 127.0.0.1 and verify the certificate there.
    if (server instanceof X509Certificate && !server.checkIP("127.0.0.1")) {
      fail("tls.certPem", server.subjectAltName ?? server.subject, "expected a certificate naming IP 127.0.0.1");
    }
    try {
      createPrivateKey(s.tls.keyPem);
    } catch (err) {
      if (!(opts.preview && DEPLOY_TIME_MARKER.test(s.tls.keyPem))) {
        failNow("tls.keyPem", "<redacted>", `expected a PEM private key (${(err as Error).message})`);
      }
    }
    if (s.tls.probeCaPem !== undefined) cert("tls.probeCaPem", s.tls.probeCaPem);
  }
  if (s.remoteWrite) {
    const r = s.remoteWrite;
    url("remoteWrite.url", r.url);
    if (r.sigv4Region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r.sigv4Region))
      fail("remoteWrite.sigv4Region", r.sigv4Region, "expected an AWS region such as eu-west-1");
    for (const k of ["capacity", "maxShards", "minShards", "maxSamplesPerSend"] as const) {
      if (!(Number.isInteger(r.queue[k]) && r.queue[k] >= 1))
        fail(`remoteWrite.queue.${k}`, r.queue[k], "expected an integer ≥ 1");
    }
    if (r.queue.minShards > r.queue.maxShards)
      fail("remoteWrite.queue.minShards", r.queue.minShards, `expected at most maxShards (${r.queue.maxShards})`);
    for (const k of ["batchSendDeadline", "minBackoff", "maxBackoff"] as const)
      duration(`remoteWrite.queue.${k}`, r.queue[k]);
  }
  if (s.ha) {
    const ha = s.ha;
    if (!/^[A-Za-z0-9_-]+$/.test(ha.replica)) fail("ha.replica", ha.replica, "expected letters, digits, '_' or '-'");
    const hostPort = (key: string, v: string) => HOST_PORT.test(v) || fail(key, v, "expected host:port");
    hostPort("ha.clusterListen", ha.clusterListen);
    if (ha.clusterAdvertise !== undefined) hostPort("ha.clusterAdvertise", ha.clusterAdvertise);
    if (ha.clusterPeers.length === 0)
      fail("ha.clusterPeers", ha.clusterPeers, "expected at least one peer (host:port)");
    ha.clusterPeers.forEach((p, i) => hostPort(`ha.clusterPeers[${i}]`, p));
    duration("ha.peerTimeout", ha.peerTimeout);
    ha.peerAlertmanagers.forEach((p, i) => {
      hostPort(`ha.peerAlertmanagers[${i}].address`, p.address);
      if (s.tls && !p.certPem)
        fail(`ha.peerAlertmanagers[${i}].certPem`, p.certPem, "required when this host serves TLS (its peers do too)");
      if (p.certPem) {
        try {
          new X509Certificate(p.certPem);
        } catch (err) {
          fail(
            `ha.peerAlertmanagers[${i}].certPem`,
            p.certPem.slice(0, 40),
            `expected a PEM certificate (${(err as Error).message})`,
          );
        }
      }
    });
  }
  if (s.stack === "dev" || s.stack === "prod") {
    if (s.grafana.adminPassword.length < 12) {
      failNow("grafana.adminPassword", "<redacted>", "expected at least 12 characters (anonymous access is off)");
    }
  }
  return s;
}
