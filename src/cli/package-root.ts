/**
 * hikkoshi's own directory (where package.json, runbooks/ and the simulator's seeds are), found from this
 * module's place: the CLI runs from src/ (tests), from dist/ (tsc's output) and from dist/bundle/ (what
 * bin/hikkoshi.js loads), each at another depth.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}
