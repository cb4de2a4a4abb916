// The job worker (a module worker): one per job, terminated by the page when the job ends
// (web/worker-protocol.js). The job message names the job kind and carries its input; a worker the
// page prepares ahead of a cutout job gets a `prepare` message first.
//
// Messages: in  [{ type: 'prepare', kind, setup }] then { type: <job kind>, job: {...} }, each with
//                `wasm`: the page's compiled modules by URL (web/compiled-wasm.js)
//                (kinds and their inputs: docs/web-contract.md)
//           out [{ type: 'prepared', ok }] { type: 'event', event } … then { type: 'result', result }
//               or { type: 'error', error: { code, message } }

import { instantiateCompiled } from '../compiled-wasm.js';
import { prepareCutoutJob, runCutoutJob } from './cutout-job.js';
import { runExportJob } from './export-job.js';
import { failureOf } from './python.js';
import { runZipJob } from './zip-job.js';

const JOB_KINDS = {
  start: runCutoutJob,
  export: runExportJob,
  zip: runZipJob,
};
// Job kinds whose start-up can run before the job arrives.
const PREPARATIONS = {
  start: prepareCutoutJob,
};

const post = (message, transfer = []) => self.postMessage(message, transfer);
let prepared = null;

// Set before anything is awaited: a message arriving before the handler exists is lost.
self.onmessage = async ({ data }) => {
  try {
    if (!prepared) instantiateCompiled(data.wasm ?? {}); // the first message, before anything loads
    if (data.type === 'prepare') {
      if (prepared || !PREPARATIONS[data.kind]) throw new Error(`a worker cannot prepare a “${data.kind}” job`);
      prepared = { kind: data.kind, preparation: PREPARATIONS[data.kind](data.setup, { ahead: true }) };
      // Tells the page how the preparation went; a failure itself surfaces in the job.
      prepared.preparation.whenReady.then(() => post({ type: 'prepared', ok: true }), () => post({ type: 'prepared', ok: false }));
      return;
    }
    self.onmessage = null; // one job per worker
    const runJob = JOB_KINDS[data.type];
    if (!runJob) throw new Error(`there is no job kind called “${data.type}”`);
    if (prepared && prepared.kind !== data.type) throw new Error(`this worker was prepared for a “${prepared.kind}” job`);
    await runJob(data.job, post, prepared?.preparation);
  } catch (error) {
    console.error(error);
    post({ type: 'error', error: failureOf(error) });
  }
};
