import { HEALTH_PATH, MONITORING_PORTS } from "../../monitoring-config/contract";

/**
 * The facts of the contract (monitoring-config/contract.ts) app-fleet-init.sh reads from its environment:
 * node_exporter's port and the app's health path, never written in the script.
 */
const CONTRACT_SETTINGS: Readonly<Record<string, string>> = {
  NODE_EXPORTER_PORT: String(MONITORING_PORTS.nodeExporter),
  HEALTH_PATH,
};

/**
 * The user data of an app instance: the settings, then the contract's facts the script reads, as `export` lines
 * ahead of the script (values quoted for the shell; none is secret, the script reads secrets itself). cloud-init
 * runs a user data starting with `#!` once.
 */
export function fleetUserData(script: string, settings: Record<string, string>): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries({ ...settings, ...CONTRACT_SETTINGS })
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join("\n");
  const [shebang, ...rest] = script.split("\n");
  if (!shebang.startsWith("#!")) throw new Error("app-fleet-init.sh must start with #!");
  const userData = `${shebang}\n${exports}\n${rest.join("\n")}`;
  // EC2 refuses user data over 16 KiB (before base64).
  if (Buffer.byteLength(userData) > 16 * 1024) throw new Error(`user data is ${Buffer.byteLength(userData)} bytes`);
  return userData;
}
