// What `wslab start` and `wslab proxy` do before they listen: keep serving whatever a bug throws
// later, and build the web app when its inputs changed.
import { ensureWebBuild } from './build.ts';
import { keepServingOnUncaught } from '../process/shutdown.ts';

/** True when the web app is ready to serve; otherwise says why on stderr (the command exits 1). */
export async function prepareToServe(command: string): Promise<boolean> {
  // whatever a bug throws later, the server keeps serving everyone else (and says so on stderr)
  keepServingOnUncaught();
  try {
    await ensureWebBuild((line) => process.stderr.write(line + '\n'));
    return true;
  } catch (err) {
    process.stderr.write(`wslab ${command}: building the web app failed: ${(err as Error).message}\n`);
    return false;
  }
}
