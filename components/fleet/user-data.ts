/**
 * The user data of an app instance: the settings as `export` lines ahead of the script (values quoted for the
 * shell; none is secret, the script reads secrets itself). cloud-init runs a user data starting with `#!` once.
 */
export function fleetUserData(script: string, settings: Record<string, string>): string {
  const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries(settings)
    .map(([k, v]) => `export ${k}=${quote(v)}`)
    .join("\n");
  const [shebang, ...rest] = script.split("\n");
  if (!shebang.startsWith("#!")) throw new Error("app-fleet-init.sh must start with #!");
  const userData = `${shebang}\n${exports}\n${rest.join("\n")}`;
  // EC2 refuses user data over 16 KiB (before base64).
  if (Buffer.byteLength(userData) > 16 * 1024) throw new Error(`user data is ${Buffer.byteLength(userData)} bytes`);
  return userData;
}
