// Preloaded into a benchmarked node process (--require): writes its peak resident set size (KiB)
// to the file named by TASKCTL_BENCH_RSS_FILE when it exits.
'use strict';
const file = process.env.TASKCTL_BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      require('fs').writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      /* the measurement is lost, the run is not */
    }
  });
}
