// The job worker (a module worker): one per job, terminated by the page when the job ends
// (web/worker-protocol.js). The first message names the job kind and carries its input.
//
// Messages: in  { type: <job kind>, job: {...} }   (kinds and their inputs: docs/web-contract.md)
//           out { type: 'event', event } … then { type: 'result', result } or { type: 'error', error: { code, message } }

import { runCutoutJob } from './cutout-job.js';
import { runExportJob } from './export-job.js';
import { failureOf } from './python.js';
import { runZipJob } from './zip-job.js';

const JOB_KINDS = {
  start: runCutoutJob,
  export: runExportJob,
  zip: runZipJob,
};

const post = (message, transfer = []) => self.postMessage(message, transfer);

// Set before anything is awaited: a message arriving before the handler exists is lost.
self.onmessage = async ({ data }) => {
  self.onmessage = null; // one job per worker
  try {
    const runJob = JOB_KINDS[data.type];
    if (!runJob) throw new Error(`there is no job kind called “${data.type}”`);
    await runJob(data.job, post);
  } catch (error) {
    console.error(error);
    post({ type: 'error', error: failureOf(error) });
  }
};
