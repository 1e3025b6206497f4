/**
 * Import rules for the whole repository, checked by `npm run lint:deps` (part of `npm test`). The house has three
 * parts, and imports run one way, test rig → user tools → shipped code:
 * - shipped code: index.ts, components/, monitoring-config/, policy/, service/;
 * - user tools: scripts/ (local, render, verify, plan-check, and in scripts/lib/ what they run);
 * - the test rig: testkit/ (provider contracts, API-model checks, the rehearsal, process helpers), tests/, bench/.
 * Besides: no import cycles; the service stays a self-contained package (its image is built from service/ alone);
 * monitoring-config stays free of Pulumi.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make the house hard to change safely.",
      from: {},
      to: { circular: true },
    },
    {
      name: "tools-not-on-tests",
      severity: "error",
      comment: "bench/ and scripts/ never import tests/ (bench/ uses testkit/ and scripts/lib/).",
      from: { path: "^(bench|scripts)/" },
      to: { path: "^tests/" },
    },
    {
      name: "shipped-not-on-tools-or-rig",
      severity: "error",
      comment:
        "Shipped code (the program, its components, monitoring-config, the policy pack, the service) runs " +
        "without the user tools and the test rig: it imports none of scripts/, testkit/, tests/, bench/.",
      from: { path: "^(index\\.ts$|components/|monitoring-config/|policy/|service/)" },
      to: { path: "^(scripts|testkit|tests|bench)/" },
    },
    {
      name: "user-tools-not-on-rig",
      severity: "error",
      comment:
        "The user tools (scripts/) run without the test rig: they never import testkit/ or bench/ " +
        "(nor tests/: tools-not-on-tests).",
      from: { path: "^scripts/" },
      to: { path: "^(testkit|bench)/" },
    },
    {
      name: "testkit-not-on-tests",
      severity: "error",
      comment: "The test kit serves tests/ and bench/; it never imports them.",
      from: { path: "^testkit/" },
      to: { path: "^(tests|bench)/" },
    },
    {
      name: "service-self-contained",
      severity: "error",
      comment: "service/ is built into its image alone.",
      from: { path: "^service/" },
      to: {
        path: "^(?!service/)",
        dependencyTypesNot: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "core"],
      },
    },
    {
      name: "monitoring-config-pure",
      severity: "error",
      comment: "monitoring-config is pure TypeScript: no Pulumi.",
      from: { path: "^monitoring-config/" },
      to: { path: "@pulumi/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist|bin|\\.local)/|^tests/fixtures/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
  },
};
