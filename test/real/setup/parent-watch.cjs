// Preloaded with `node --require` into the stack's servers (CongoDB wrapper, OpenHIM master and, through the
// master's execArgv, its worker). If the process that started us goes away without stopping us (e.g. the test
// worker was SIGKILLed), we are re-parented: then terminate ourselves, gracefully first.
'use strict';
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  setTimeout(() => process.exit(1), 5000).unref();
  process.kill(process.pid, 'SIGTERM');
}, 1000);
timer.unref();
