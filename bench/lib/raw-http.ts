import { connect } from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Send bytes exactly as given over one TCP connection and parse the first HTTP/1.1 response. Used where a
 * well-behaved client (fetch, http.request) would refuse or normalise the request: bad headers, NUL bytes,
 * unknown methods, raw paths.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    const tryParse = (final: boolean) => {
      const buf = Buffer.concat(chunks);
      const headEnd = buf.indexOf("\r\n\r\n");
      if (headEnd < 0) {
        if (final) {
          clearTimeout(timer);
          reject(new Error(`connection closed without a response head: ${JSON.stringify(buf.toString("latin1"))}`));
        }
        return;
      }
      const [statusLine, ...lines] = buf.subarray(0, headEnd).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(":");
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const body = buf.subarray(headEnd + 4);
      const length = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
      if (length !== undefined ? body.length >= length : final) {
        clearTimeout(timer);
        sock.destroy();
        resolve({
          status: Number(statusLine.split(" ")[1]),
          headers,
          body: body.subarray(0, length ?? body.length).toString("utf8"),
        });
      }
    };
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      tryParse(false);
    });
    sock.on("end", () => tryParse(true));
    sock.on("error", (err) => {
      // A server may reset the connection after answering (e.g. while we are still sending a large body).
      if (chunks.length) tryParse(true);
      else {
        clearTimeout(timer);
        reject(err);
      }
    });
    const bytes = Buffer.from(request);
    const headEnd = bytes.indexOf("\r\n\r\n") + 4;
    if (headEnd < 4 || bytes.length - headEnd <= LARGE_BODY) {
      sock.write(bytes);
      return;
    }
    // A large body: send the head, give the server a moment to answer early (413 on Content-Length alone),
    // and send the body only if it has not. A server that answers early also closes, and a client still
    // pushing its body then gets EPIPE and loses the answer already waiting for it; curl waits the same way.
    sock.write(bytes.subarray(0, headEnd));
    const body = setTimeout(() => {
      if (chunks.length === 0 && !sock.destroyed) sock.write(bytes.subarray(headEnd));
    }, EARLY_ANSWER_WAIT_MS);
    sock.once("close", () => clearTimeout(body));
  });
}

const LARGE_BODY = 64 * 1024;
const EARLY_ANSWER_WAIT_MS = 2_000;
