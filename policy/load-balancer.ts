/**
 * The load balancer and its WAF: hardened, HTTPS on every internet-facing one with a TLS 1.2+ policy and HTTP only
 * redirecting, health-checked targets, managed rules.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { listOf, mandatory, type Props } from "./define";

export const loadBalancerHardened = mandatory(
  "alb-hardened",
  "Application load balancers drop invalid header fields, write access logs, and an internet-facing one spans two or more subnets.",
  (type, p, report) => {
    if (type !== "aws:lb/loadBalancer:LoadBalancer" || (p.loadBalancerType ?? "application") !== "application") return;
    if (p.dropInvalidHeaderFields !== true) report("dropInvalidHeaderFields must be true");
    if ((p.accessLogs as Props | undefined)?.enabled !== true) report("accessLogs must be enabled (to an S3 bucket)");
    if (p.internal !== true && listOf(p.subnets).length < 2)
      report("an internet-facing load balancer needs 2+ subnets");
  },
);

/** TLS policies of ELB that allow only TLS 1.2 and 1.3 with forward secrecy. */
export const TLS12_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-2-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/** An HTTP listener whose every default action redirects to HTTPS. */
const onlyRedirects = (listener: PolicyResource): boolean => {
  const actions = listOf(listener.props.defaultActions);
  return (
    actions.length > 0 &&
    actions.every((a) => a.type === "redirect" && (a.redirect as Props | undefined)?.protocol === "HTTPS")
  );
};

/**
 * The listeners of a load balancer: those whose `loadBalancerArn` came from it (the dependency the engine
 * records, known before the ARN is), or that carry its ARN.
 */
const listenersOf = (lb: PolicyResource, listeners: PolicyResource[]): PolicyResource[] =>
  listeners.filter(
    (l) =>
      (l.propertyDependencies?.loadBalancerArn ?? []).some((d) => d.urn === lb.urn) ||
      (lb.props.arn !== undefined && l.props.loadBalancerArn === lb.props.arn),
  );

/**
 * Listeners: HTTPS uses a TLS 1.2+ policy; every internet-facing application load balancer has an HTTPS listener,
 * and its HTTP listeners only redirect to HTTPS (an internal one is not concerned). A listener of a load balancer
 * outside the stack: HTTP beside an HTTPS listener only redirects.
 */
export const listenersHttps: StackValidationPolicy = {
  name: "lb-listeners-https-redirect",
  description: `HTTPS listeners use a TLS 1.2+ policy (${TLS12_POLICIES.join(", ")}); every internet-facing application load balancer has an HTTPS listener and its HTTP listeners only redirect to HTTPS; a listener of a load balancer outside the stack: HTTP beside HTTPS only redirects.`,
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const listeners = args.resources.filter((r) => r.type === "aws:lb/listener:Listener");
    const https = listeners.filter((l) => l.props.protocol === "HTTPS");
    for (const l of https) {
      if (!TLS12_POLICIES.includes(String(l.props.sslPolicy))) {
        report(`listener ${l.name}: sslPolicy ${String(l.props.sslPolicy)} is not a TLS 1.2+ policy`, l.urn);
      }
    }
    const balancers = args.resources.filter(
      (r) =>
        r.type === "aws:lb/loadBalancer:LoadBalancer" && (r.props.loadBalancerType ?? "application") === "application",
    );
    const attributed = new Set<string>();
    for (const lb of balancers) {
      const own = listenersOf(lb, listeners);
      for (const l of own) attributed.add(l.urn);
      if (lb.props.internal === true) continue;
      if (!own.some((l) => l.props.protocol === "HTTPS")) {
        report(
          `load balancer ${lb.name}: internet-facing without an HTTPS listener (the API would cross in clear)`,
          lb.urn,
        );
      }
      for (const l of own.filter((x) => x.props.protocol === "HTTP" && !onlyRedirects(x))) {
        report(`listener ${l.name}: HTTP on internet-facing ${lb.name} must only redirect to HTTPS`, l.urn);
      }
    }
    if (https.length === 0) return;
    for (const l of listeners.filter((x) => x.props.protocol === "HTTP" && !attributed.has(x.urn))) {
      if (!onlyRedirects(l)) report(`listener ${l.name}: HTTP beside HTTPS must only redirect to HTTPS`, l.urn);
    }
  },
};

export const targetGroupHealthChecked = mandatory(
  "target-group-health-checked",
  "Target groups health-check an HTTP path, so a broken instance leaves rotation and gates instance refreshes.",
  (type, p, report) => {
    if (type !== "aws:lb/targetGroup:TargetGroup") return;
    const hc = p.healthCheck as Props | undefined;
    if (!hc || hc.enabled === false || typeof hc.path !== "string" || !hc.path.startsWith("/")) {
      report("healthCheck must be enabled with a path (e.g. /health)");
    }
  },
);

/** The AWS managed rule groups every web ACL must run, and the rate rule. */
export const REQUIRED_WAF_GROUPS = [
  "AWSManagedRulesCommonRuleSet",
  "AWSManagedRulesKnownBadInputsRuleSet",
  "AWSManagedRulesAmazonIpReputationList",
];

export const webAclRules = mandatory(
  "waf-managed-rules-and-rate-limit",
  `Web ACLs run AWS's ${REQUIRED_WAF_GROUPS.join(", ")} and a rate-based rule.`,
  (type, p, report) => {
    if (type !== "aws:wafv2/webAcl:WebAcl") return;
    const statements = listOf(p.rules).map((r) => (r.statement as Props | undefined) ?? {});
    const groups = statements.map((st) => (st.managedRuleGroupStatement as Props | undefined)?.name);
    for (const g of REQUIRED_WAF_GROUPS) if (!groups.includes(g)) report(`rule group ${g} is missing`);
    if (!statements.some((st) => st.rateBasedStatement)) report("a rate-based rule is missing");
  },
);

/** A web ACL that protects nothing, or whose decisions go unrecorded, is no control. */
export const webAclAttached: StackValidationPolicy = {
  name: "waf-associated-and-logged",
  description: "Every WAFv2 web ACL is associated with a resource and has a logging configuration.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const acls = args.resources.filter((r) => r.type === "aws:wafv2/webAcl:WebAcl");
    if (acls.length === 0) return;
    const has = (type: string) => args.resources.filter((r) => r.type === type).length;
    // Inputs reference the ACL by ARN, unknown until it exists: count instead (one association and one logging
    // configuration per ACL, as FrontDoor declares them).
    if (has("aws:wafv2/webAclAssociation:WebAclAssociation") < acls.length) {
      report("a web ACL is not associated with any resource", acls[0].urn);
    }
    if (has("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration") < acls.length) {
      report("a web ACL has no logging configuration", acls[0].urn);
    }
  },
};
