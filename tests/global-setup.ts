import { ensureBinaries } from "../scripts/lib/binaries";

/** Before any suite: the real Prometheus tools must be there (installed on Debian as root, as `npm run local` does). */
export default function setup(): void {
  ensureBinaries((m) => console.log(m));
}
