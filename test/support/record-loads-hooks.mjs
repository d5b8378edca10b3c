// Module hooks that append every loaded module's URL to the file named by AIOPS_LOAD_LOG (test helper).
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.AIOPS_LOAD_LOG) appendFileSync(process.env.AIOPS_LOAD_LOG, `${url}\n`);
  return nextLoad(url, context);
}
