// Loaded into the Agents Playground with `node --require` (NODE_OPTIONS) by `memberportal run`
// and the browser tests. It keeps the Playground on this machine:
//   * every server it starts listens on 127.0.0.1 unless told otherwise (the package itself
//     listens on all interfaces);
//   * the package's Application Insights key (dist/server/config.json, "aiKey") reads as empty,
//     so its telemetry reporter never starts Application Insights at all. `--disable-telemetry`
//     alone only stops the reporter's own events: Application Insights is still set up, and its
//     statsbeat calls the Azure metadata address 169.254.169.254 and
//     westus-0.in.applicationinsights.azure.com within seconds (seen with 0.2.28);
//   * every outgoing connection to anything but a loopback address is refused, and its
//     destination is appended to $PLAYGROUND_EGRESS_LOG (one line each), so tests can assert that
//     nothing tried.
// `memberportal run` also passes `--disable-telemetry` and sets APPLICATION_INSIGHTS_NO_STATSBEAT.
"use strict";
const fs = require("fs");
const net = require("net");

const LOG = process.env.PLAYGROUND_EGRESS_LOG || "";
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1"]);

function isLoopback(host) {
  if (host === undefined || host === null || host === "") return true; // Node's default: localhost
  const h = String(host).toLowerCase();
  return LOOPBACK_HOSTS.has(h) || h.startsWith("127.") || h.endsWith(".localhost");
}

function record(where) {
  if (!LOG) return;
  try {
    fs.appendFileSync(LOG, `${new Date().toISOString()} ${where}\n`);
  } catch (_) {
    // the log is best effort; the connection is refused either way
  }
}

function destination(args) {
  const first = args[0];
  if (Array.isArray(first)) return destination(first); // internal normalised form
  if (first && typeof first === "object") {
    if (first.path) return { local: true };
    return { host: first.host || first.hostname, port: first.port };
  }
  if (typeof first === "string" && isNaN(Number(first))) return { local: true }; // IPC path
  return { host: args[1], port: first };
}

const TELEMETRY_CONFIG = /m365agentsplayground[\\/]dist[\\/]server[\\/]config\.json$/;
const realReadFileSync = fs.readFileSync;
fs.readFileSync = function readWithoutTelemetryKey(file, options) {
  if (typeof file === "string" && TELEMETRY_CONFIG.test(file)) {
    const empty = JSON.stringify({ aiKey: "" });
    const encoding = typeof options === "string" ? options : options && options.encoding;
    return encoding ? empty : Buffer.from(empty);
  }
  return realReadFileSync.apply(this, arguments);
};

const realConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const dest = destination(args);
  if (!dest.local && !isLoopback(dest.host)) {
    const where = `${dest.host}:${dest.port}`;
    record(where);
    process.nextTick(() => this.destroy(new Error(`egress to ${where} refused by guard.cjs`)));
    return this;
  }
  return realConnect.apply(this, args);
};

if (process.env.PLAYGROUND_LISTEN_ALL !== "1") {
  const realListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function loopbackListen(...args) {
    const first = args[0];
    if (typeof first === "number" || (typeof first === "string" && !isNaN(Number(first)))) {
      if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
    } else if (first && typeof first === "object" && first.port !== undefined && !first.host) {
      args[0] = { ...first, host: "127.0.0.1" };
    } else if (args.length === 0 || typeof first === "function") {
      args.unshift(0, "127.0.0.1");
    }
    return realListen.apply(this, args);
  };
}
