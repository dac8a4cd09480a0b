'use strict';
// A profiling aid, not part of any run: preload it into a gateway that fronts one stdio server
// and drive it with ONE sequential client, and every 2,000 calls it prints to stderr the median
// time of each stage of a call inside that process:
//   request event → first write to a child's stdin → first stdout bytes back → res.end → its return.
// It patches Node's prototypes, so it works on Gatehouse and on the reference relay alike:
//   node -r ./test/bench/stage-timer.cjs bin/gatehouse.js serve …
//   node -r ./test/bench/stage-timer.cjs dist/test/bench/relay-server.js PORT node dist/test/bench/echo-server.js
// With concurrent clients the stages of different calls mix and the figures mean nothing.
const { performance } = require('node:perf_hooks');
const http = require('node:http');
const net = require('node:net');
const childProcess = require('node:child_process');

const stdins = new Set();
const rows = [];
let call = null;

const spawn = childProcess.ChildProcess.prototype.spawn;
childProcess.ChildProcess.prototype.spawn = function (...args) {
  const result = spawn.apply(this, args);
  if (this.stdin) stdins.add(this.stdin);
  if (this.stdout) {
    const emit = this.stdout.emit;
    this.stdout.emit = function (event, ...rest) {
      if (event === 'data' && call && call.stdin && !call.stdout) call.stdout = performance.now();
      return emit.call(this, event, ...rest);
    };
  }
  return result;
};

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...rest) {
  if (event === 'request') call = { request: performance.now() };
  return serverEmit.call(this, event, ...rest);
};

const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (...args) {
  if (call && !call.stdin && stdins.has(this)) call.stdin = performance.now();
  return write.apply(this, args);
};

const end = http.ServerResponse.prototype.end;
http.ServerResponse.prototype.end = function (...args) {
  const current = call;
  if (!current || !current.stdout || current.end) return end.apply(this, args);
  current.end = performance.now();
  const result = end.apply(this, args);
  current.ended = performance.now();
  rows.push(current);
  if (rows.length % 2000 === 0) report(rows.slice(-2000));
  return result;
};

function median(values) {
  values.sort((a, b) => a - b);
  return Math.round(values[values.length >> 1] * 1000);
}

function report(last) {
  const stage = (from, to) => median(last.map((row) => row[to] - row[from]));
  process.stderr.write(
    `stages µs, median of ${last.length}: request → stdin ${stage('request', 'stdin')}, child round trip ${stage('stdin', 'stdout')}, ` +
      `stdout → res.end ${stage('stdout', 'end')}, res.end ${stage('end', 'ended')}, total ${stage('request', 'ended')}\n`,
  );
}
