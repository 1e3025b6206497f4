/**
 * fetch that trusts exactly one certificate, named by its SHA-256 fingerprint (the stack outputs
 * `appCertificateSha256` and `monitoringCertificateSha256`). The hosts' certificates are self-signed: no CA
 * vouches for them, so the client pins the one the stack issued instead, and any other certificate ends the
 * connection before a byte of the request (or its credentials) is sent.
 */
import { connect as tlsConnect } from "node:tls";
import { isIP } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";

/** `AB:CD:…` in upper case, as node's `fingerprint256` and `openssl x509 -fingerprint -sha256` write it. */
export const normaliseFingerprint = (fp: string) =>
  fp
    .replace(/^sha256\s*fingerprint\s*=\s*/i, "")
    .trim()
    .toUpperCase();

export function pinnedFetch(fingerprint256: string): typeof fetch {
  const want = normaliseFingerprint(fingerprint256);
  if (!/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(want)) {
    throw new Error(`"${fingerprint256}" is not a SHA-256 certificate fingerprint (32 hex bytes, colon-separated)`);
  }
  const agent = new Agent({
    connect(opts, callback) {
      const socket = tlsConnect({
        host: opts.hostname,
        port: Number(opts.port) || 443,
        ...(isIP(opts.hostname) ? {} : { servername: opts.hostname }),
        // The chain is not what is checked (nothing vouches for a self-signed certificate): the pin is, below.
        rejectUnauthorized: false,
        ALPNProtocols: ["http/1.1"],
      });
      let settled = false;
      const done = (err: Error | null) => {
        if (settled) return;
        settled = true;
        if (err) {
          socket.destroy();
          callback(err, null);
        } else callback(null, socket);
      };
      socket.once("secureConnect", () => {
        const got = socket.getPeerCertificate().fingerprint256;
        done(got === want ? null : new Error(`certificate ${got} is not the pinned ${want}`));
      });
      socket.once("error", done);
    },
  });
  // undici reports every connection failure as "fetch failed": the reason (a wrong certificate) goes in the message.
  return (async (input: string | URL, init?: RequestInit) => {
    try {
      return await undiciFetch(input, { ...(init as object), dispatcher: agent });
    } catch (err) {
      const cause = (err as { cause?: Error }).cause;
      throw cause ? new Error(`${(err as Error).message}: ${cause.message}`, { cause }) : err;
    }
  }) as unknown as typeof fetch;
}
