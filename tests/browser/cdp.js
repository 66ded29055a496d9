// SPDX-License-Identifier: MIT
// cdp.js: a minimal Chrome DevTools Protocol client for the browser tests.
// It starts Debian's headless chromium with --remote-debugging-pipe (JSON
// messages separated by NUL bytes on fds 3 and 4), so it needs nothing from
// npm and no network. Only what the tests use: open a page, wait for load,
// evaluate JavaScript, take a screenshot, send input events.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

function findChromium() {
  for (const p of [process.env.CHROMIUM, "/usr/bin/chromium",
                   "/usr/bin/chromium-browser", "/usr/bin/google-chrome"])
    if (p && fs.existsSync(p)) return p;
  return null;
}

class Browser {
  constructor(proc, profile) {
    this.proc = proc;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.buf = Buffer.alloc(0);
    this.out = proc.stdio[3];
    proc.stdio[4].on("data", (d) => this._data(d));
  }
  _data(d) {
    this.buf = Buffer.concat([this.buf, d]);
    let z;
    while ((z = this.buf.indexOf(0)) >= 0) {
      const msg = JSON.parse(this.buf.subarray(0, z).toString("utf8"));
      this.buf = this.buf.subarray(z + 1);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject, method } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(method + ": " + msg.error.message));
        else resolve(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners.slice()) l(msg);
      }
    }
  }
  send(method, params = {}, sessionId) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.out.write(JSON.stringify(msg) + "\0");
    });
  }
  waitEvent(method, sessionId, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.listeners = this.listeners.filter((x) => x !== l);
        reject(new Error("timeout waiting for " + method));
      }, timeoutMs);
      const l = (msg) => {
        if (msg.method === method && (!sessionId || msg.sessionId === sessionId)) {
          clearTimeout(t);
          this.listeners = this.listeners.filter((x) => x !== l);
          resolve(msg.params);
        }
      };
      this.listeners.push(l);
    });
  }
  async newPage(width = 1280, height = 800) {
    const { targetId } = await this.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this, sessionId);
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    await page.send("Emulation.setDeviceMetricsOverride",
                    { width, height, deviceScaleFactor: 1, mobile: false });
    return page;
  }
  async close() {
    try { await Promise.race([this.send("Browser.close"), new Promise((r) => setTimeout(r, 2000))]); } catch (e) { /* gone */ }
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once("exit", r));
      const t = setTimeout(() => this.proc.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(t);
    }
    for (let i = 0; i < 5; i++) {
      try { fs.rmSync(this.profile, { recursive: true, force: true }); break; }
      catch (e) { await new Promise((r) => setTimeout(r, 200)); }
    }
  }
}

class Page {
  constructor(browser, sessionId) {
    this.b = browser;
    this.sessionId = sessionId;
  }
  send(method, params) { return this.b.send(method, params, this.sessionId); }
  async goto(url, timeoutMs = 30000) {
    const loaded = this.b.waitEvent("Page.loadEventFired", this.sessionId, timeoutMs);
    const r = await this.send("Page.navigate", { url });
    if (r.errorText) throw new Error("navigate " + url + ": " + r.errorText);
    await loaded;
  }
  async eval(expr) {
    const r = await this.send("Runtime.evaluate",
                              { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails)
      throw new Error("eval " + expr + ": " + JSON.stringify(r.exceptionDetails.exception || r.exceptionDetails.text));
    return r.result.value;
  }
  async screenshot(file) {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    fs.writeFileSync(file, Buffer.from(r.data, "base64"));
  }
  async mouseMove(x, y) {
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
  }
}

async function launch() {
  const exe = findChromium();
  if (!exe) throw new Error("chromium not found (install chromium)");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "fl-chromium-"));
  const proc = spawn(exe, [
    "--headless=new", "--remote-debugging-pipe", "--no-sandbox",
    "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-background-networking",
    "--disable-dev-shm-usage", "--user-data-dir=" + profile, "about:blank",
  ], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
  const b = new Browser(proc, profile);
  await b.send("Target.setDiscoverTargets", { discover: false });
  return b;
}

module.exports = { launch };
