'use strict';
// A profiling aid, not part of any run: preload it into a target and once a second it prints
// to stderr one JSON line with the process's RSS and the committed size of each V8 heap space
// (MB), seconds since start first. With the harness, keep the lines with
// GATEHOUSE_BENCH_OUTPUT_DIR (the harness itself keeps only 64 KB of a target's output):
//   GATEHOUSE_BENCH_OUTPUT_DIR=/tmp/out GATEHOUSE_BENCH_NODE_ARGS="-r ./test/bench/heap-sampler.cjs" \
//     node dist/test/bench/run.js --only e --targets gatehouse
// That is how RSS's step at the young generation's last doubling was seen (docs/benchmarks.md, e).
const v8 = require('node:v8');

const MB = 1024 * 1024;
const started = Date.now();
setInterval(() => {
  const sample = { s: Math.round((Date.now() - started) / 1000), rss: +(process.memoryUsage().rss / MB).toFixed(1) };
  for (const space of v8.getHeapSpaceStatistics()) sample[space.space_name.replace(/_space$/, '')] = +(space.space_size / MB).toFixed(1);
  process.stderr.write(`heap-sampler ${JSON.stringify(sample)}\n`);
}, 1000).unref();
