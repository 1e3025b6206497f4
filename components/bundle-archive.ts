/**
 * The monitoring bundle as one base64 tar, shipped through a remote command's stdin.
 *
 * Why not `remote.CopyToRemote`: @pulumi/command 1.2.1's provider accepts only a path-based source (its `Check`
 * refuses an archive that is not "a path to a file or directory"), so an archive of in-memory files never reaches
 * the host, and a path would mean writing the bundle (with its secrets) to the deploying machine's disk. A tar
 * on stdin needs nothing on disk, stays a Pulumi secret when the bundle is one, and unpacks with the `base64` and
 * `tar` every Amazon Linux has.
 */
import { extract, pack } from "tar-stream";
import type { Bundle } from "../monitoring-config";

/** Fixed metadata, so the same bundle always gives the same bytes (and the same diff in a preview). */
const ENTRY = { mtime: new Date(0), uid: 0, gid: 0, uname: "root", gname: "root" };

/** A ustar archive of the bundle's files (sorted paths, mode 0644, no timestamps), base64-encoded. */
export async function bundleTarBase64(bundle: Bundle): Promise<string> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  for (const path of Object.keys(bundle).sort()) {
    archive.entry({ ...ENTRY, name: path, mode: 0o644 }, bundle[path]);
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks).toString("base64");
}

/** The inverse of bundleTarBase64: path → text of every file in a base64 tar. */
export async function bundleFromTarBase64(b64: string): Promise<Bundle> {
  const files: Bundle = {};
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        files[header.name] = Buffer.concat(chunks).toString("utf8");
        next();
      });
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  ex.end(Buffer.from(b64, "base64"));
  await done;
  return files;
}

/**
 * Shell that replaces `dir` with the archive read from stdin, private to the SSH user (umask 077: the
 * directory 0700, the files 0600), since the bundle holds secrets; the apply step installs it with each
 * service's ownership and removes this copy.
 */
export const unpackFromStdin = (dir: string): string =>
  `umask 077 && rm -rf ${dir} && mkdir -p ${dir} && base64 -d | tar -x --no-same-owner --no-same-permissions -C ${dir}`;
