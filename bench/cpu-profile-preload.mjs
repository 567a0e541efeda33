// Preloaded into benchmark server processes (NODE_OPTIONS="--import <this file>", because
// --cpu-prof is not allowed in NODE_OPTIONS): samples the CPU from the first SIGUSR2 (sent when
// the measured load starts) to exit and writes <COFFER_CPU_PROF_DIR>/<pid>.cpuprofile when the
// process exits normally (e.g. after SIGTERM).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env['COFFER_CPU_PROF_DIR'];
if (dir !== undefined && dir !== '') {
  const session = new Session();
  session.connect();
  let started = false;
  process.on('SIGUSR2', () => {
    if (started) return;
    started = true;
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 500 });
    session.post('Profiler.start');
  });
  process.on('exit', () => {
    if (!started) return;
    session.post('Profiler.stop', (err, result) => {
      if (err === null) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
