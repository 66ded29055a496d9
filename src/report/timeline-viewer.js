// SPDX-License-Identifier: MIT
// timeline-viewer.js: the script inside every timeline.html (compiled into
// timeline_page.h by gen-timeline-page.js). Decodes window.FL_DATA (see
// timeline.c), keeps ops sorted by invocation, and on each scroll draws
// only the ops overlapping the visible time window: boxes when few, a
// per-pixel-row raster when more than 20,000 are in view.
"use strict";
(function () {
  const D = window.FL_DATA;
  function b64(s) {
    const bin = atob(s), n = bin.length, u = new Uint8Array(n);
    for (let i = 0; i < n; i++) u[i] = bin.charCodeAt(i);
    return new Uint32Array(u.buffer, 0, n >> 2);
  }
  const t_decode0 = performance.now();
  const N = D.n;
  const S = new Float64Array(N), E = new Float64Array(N);
  const C = b64(D.col), K = b64(D.code);
  {
    const ds = b64(D.start), dd = b64(D.dur);
    let t = 0;
    for (let i = 0; i < N; i++) {
      t += ds[i];
      S[i] = t / 1000;
      E[i] = dd[i] === 0xFFFFFFFF ? D.spanMs : (t + dd[i]) / 1000;
    }
  }
  let texts = null;
  function text(i) {
    if (!texts) texts = D.text.split("\n");
    return texts[i] || "";
  }
  const decodeMs = performance.now() - t_decode0;
  /* ops longer than LONG ms are kept apart so a window query stays cheap */
  let LONG = 0;
  {
    const sample = [];
    const step = Math.max(1, Math.floor(N / 2000));
    for (let i = 0; i < N; i += step) sample.push(E[i] - S[i]);
    sample.sort((a, b) => a - b);
    const p99 = sample.length ? sample[Math.floor(sample.length * 0.99)] : 1;
    LONG = Math.max(p99 * 2, D.spanMs / 10000, 0.001);
    D.medianMs = sample.length ? sample[Math.floor(sample.length / 2)] : 1;
  }
  const longOps = [];
  for (let i = 0; i < N; i++) if (E[i] - S[i] > LONG) longOps.push(i);

  const COLORS = ["#6DB6FE", "#FEB5DA", "#FFAA26", "#C8C8C8"];
  const STROKE = ["#2f7fcf", "#d0468e", "#c77800", "#888888"];
  const GUT = 78, HEAD = 22, MAXPX = 8000000;
  const ncol = D.cols.length;
  const scroller = document.getElementById("scroll");
  const spacer = document.getElementById("spacer");
  const cv = document.getElementById("cv");
  const ctx = cv.getContext("2d");
  const tip = document.getElementById("tip");
  /* the legend of faults: one swatch per fault, coloured as in the plots */
  const faults = document.getElementById("faults"), seen = new Set();
  for (const r of D.regions) {
    if (seen.has(r[2])) continue;
    seen.add(r[2]);
    const sw = document.createElement("span");
    sw.className = "sw";
    sw.style.background = r[3];
    faults.appendChild(sw);
    faults.appendChild(document.createTextNode(r[2] + " "));
  }
  const info = document.getElementById("info");
  let W = 0, H = 0, colW = 80, pxPerMs = 1, viewMs = 1, dpr = 1;

  function lowerBound(t) {
    let lo = 0, hi = N;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (S[m] < t) lo = m + 1; else hi = m;
    }
    return lo;
  }
  function totalPx() { return D.spanMs * pxPerMs; }
  function virtPx() { return Math.min(totalPx(), MAXPX); }
  function topMs() {
    const max = scroller.scrollHeight - scroller.clientHeight;
    if (max <= 0) return 0;
    return scroller.scrollTop / max * Math.max(0, D.spanMs - viewMs);
  }
  function layout() {
    dpr = window.devicePixelRatio || 1;
    W = scroller.clientWidth; H = scroller.clientHeight;
    cv.width = Math.floor(W * dpr); cv.height = Math.floor(H * dpr);
    cv.style.width = W + "px"; cv.style.height = H + "px";
    colW = Math.max(36, Math.min(160, Math.floor((W - GUT) / Math.max(1, ncol))));
    viewMs = (H - HEAD) / pxPerMs;
    spacer.style.height = (virtPx() + HEAD) + "px";
    spacer.style.width = (GUT + colW * ncol) + "px";
  }
  function setZoom(p, anchorMs) {
    const anchor = anchorMs === undefined ? topMs() + viewMs / 2 : anchorMs;
    pxPerMs = Math.max((H - HEAD) / Math.max(D.spanMs, 1e-3), Math.min(p, 2000));
    layout();
    scrollToMs(anchor - viewMs / 2);
  }
  function scrollToMs(t) {
    const max = scroller.scrollHeight - scroller.clientHeight;
    const range = Math.max(0, D.spanMs - viewMs);
    t = Math.max(0, Math.min(range, t));
    scroller.scrollTop = range > 0 ? t / range * max : 0;
    schedule();
  }
  let pending = false;
  function schedule() {
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  }
  function niceStep(ms) {
    const p = Math.pow(10, Math.floor(Math.log10(ms)));
    for (const m of [1, 2, 5, 10]) if (m * p >= ms) return m * p;
    return 10 * p;
  }
  /* seconds since the history's origin, with as many decimals as step needs */
  function fmtMs(t, stepMs) {
    t += D.t0Ms;
    const step = stepMs || 0.001;
    const dec = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / 1000) - 1e-9)));
    return (t / 1000).toFixed(dec) + " s";
  }
  const stats = { drawMs: 0, visible: 0, mode: "", frames: 0 };
  function forVisible(t0, t1, fn) {
    let i = lowerBound(t0 - LONG), n = 0;
    for (; i < N && S[i] <= t1; i++) {
      if (E[i] < t0 || E[i] - S[i] > LONG) continue;
      fn(i); n++;
    }
    for (const j of longOps) if (S[j] <= t1 && E[j] >= t0) { fn(j); n++; }
    return n;
  }
  function draw() {
    pending = false;
    const T0 = performance.now();
    const t0 = topMs(), t1 = t0 + viewMs;
    const x0 = scroller.scrollLeft;
    const c0 = Math.max(0, Math.floor(x0 / colW)), c1 = Math.min(ncol - 1, Math.floor((x0 + W - GUT) / colW));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    const y = (t) => HEAD + (t - t0) * pxPerMs;
    const x = (c) => GUT + c * colW - x0;
    /* fault periods (labels drawn last, over the ops) */
    const labels = [];
    ctx.font = "10px sans-serif";
    for (const r of D.regions) {
      if (r[1] < t0 || r[0] > t1) continue;
      const ya = Math.max(HEAD, y(r[0])), yb = Math.min(H, y(r[1]));
      ctx.fillStyle = r[3]; /* the fault's colour, report/regions.c */
      ctx.globalAlpha = r[4] ? 0.9 : 0.35;
      ctx.fillRect(GUT, ya, W - GUT, Math.max(r[4] ? 1 : 1, yb - ya));
      ctx.globalAlpha = 1;
      labels.push([r[2], Math.max(HEAD + 12, ya + 12)]);
    }
    const est = lowerBound(t1) - lowerBound(t0);
    let n = 0;
    if (est > 20000) {
      stats.mode = "raster";
      /* per column and pixel row, the worst outcome seen: fail > info > ok */
      const rows = Math.max(1, Math.ceil(H - HEAD));
      const ncv = c1 - c0 + 1;
      const grid = new Uint8Array(Math.max(0, ncv) * rows);
      const rank = [1, 4, 3, 2];
      n = forVisible(t0, t1, (i) => {
        const c = C[i] - c0;
        if (c < 0 || c >= ncv) return;
        const a = Math.max(0, Math.floor((S[i] - t0) * pxPerMs));
        const b = Math.min(rows - 1, Math.floor((E[i] - t0) * pxPerMs));
        const k = rank[K[i] & 3], base = c * rows;
        for (let r = a; r <= b; r++) if (grid[base + r] < k) grid[base + r] = k;
      });
      const img = ctx.createImageData(W - GUT, rows);
      const px = img.data;
      const rgb = [null, [0x6D, 0xB6, 0xFE], [0xC8, 0xC8, 0xC8], [0xFF, 0xAA, 0x26], [0xFE, 0x75, 0xBA]];
      for (let c = 0; c < ncv; c++) {
        const xs = Math.max(0, x(c + c0) - GUT + 1), xe = Math.min(W - GUT, x(c + c0) - GUT + colW - 2);
        for (let r = 0; r < rows; r++) {
          const k = grid[c * rows + r];
          if (!k) continue;
          const col = rgb[k];
          let o = (r * (W - GUT) + xs) * 4;
          for (let xx = xs; xx < xe; xx++, o += 4) {
            px[o] = col[0]; px[o + 1] = col[1]; px[o + 2] = col[2]; px[o + 3] = 255;
          }
        }
      }
      const tmp = document.createElement("canvas");
      tmp.width = W - GUT; tmp.height = rows;
      tmp.getContext("2d").putImageData(img, 0, 0);
      ctx.drawImage(tmp, GUT, HEAD);
    } else {
      stats.mode = "boxes";
      ctx.lineWidth = 1;
      n = forVisible(t0, t1, (i) => {
        const c = C[i];
        if (c < c0 || c > c1) return;
        const k = K[i] & 3;
        const ya = y(S[i]), h = Math.max(2, (E[i] - S[i]) * pxPerMs);
        const xa = x(c) + 2, w = colW - 4;
        ctx.fillStyle = COLORS[k];
        ctx.fillRect(xa, ya, w, h);
        if (h > 4) { ctx.strokeStyle = STROKE[k]; ctx.strokeRect(xa + 0.5, ya + 0.5, w - 1, h - 1); }
        if (h > 13) {
          ctx.fillStyle = "#000";
          ctx.fillText(D.fs[K[i] >> 2], xa + 3, Math.max(ya, HEAD) + 11, w - 6);
        }
      });
    }
    ctx.font = "11px sans-serif";
    for (const [text, ly] of labels) {
      const tw = ctx.measureText(text).width;
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(W - tw - 16, ly - 10, tw + 8, 14);
      ctx.fillStyle = "#a02020";
      ctx.fillText(text, W - tw - 12, ly + 1);
    }
    ctx.font = "10px sans-serif";
    /* axes: time gutter and column headers */
    ctx.fillStyle = "#f4f4f4"; ctx.fillRect(0, 0, GUT, H); ctx.fillRect(0, 0, W, HEAD);
    ctx.strokeStyle = "#ccc"; ctx.beginPath(); ctx.moveTo(GUT, 0); ctx.lineTo(GUT, H);
    ctx.moveTo(0, HEAD); ctx.lineTo(W, HEAD); ctx.stroke();
    ctx.fillStyle = "#333";
    const step = niceStep(60 / pxPerMs);
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const yy = y(t);
      if (yy < HEAD + 6) continue;
      ctx.fillText(fmtMs(t, step), 4, yy + 3);
      ctx.fillRect(GUT - 5, yy, 5, 1);
    }
    ctx.save(); ctx.beginPath(); ctx.rect(GUT, 0, W - GUT, HEAD); ctx.clip();
    for (let c = c0; c <= c1; c++) ctx.fillText(D.cols[c], x(c) + 4, 15, colW - 6);
    ctx.restore();
    stats.visible = n;
    stats.drawMs = performance.now() - T0;
    stats.frames++;
    const st = niceStep(60 / pxPerMs);
    info.textContent = N + " ops (" + D.events + " history entries), " + ncol + " processes; showing " + fmtMs(t0, st) +
      " to " + fmtMs(t1, st) + " (" + n + " ops, " + stats.mode + ", " + stats.drawMs.toFixed(1) + " ms)";
  }
  function hit(ev) {
    const rect = scroller.getBoundingClientRect();
    const mx = ev.clientX - rect.left, my = ev.clientY - rect.top;
    if (mx < GUT || my < HEAD) return -1;
    const c = Math.floor((mx - GUT + scroller.scrollLeft) / colW);
    const t = topMs() + (my - HEAD) / pxPerMs, slack = 2 / pxPerMs;
    let best = -1;
    forVisible(t - slack, t + slack, (i) => { if (C[i] === c) best = i; });
    return best;
  }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
  }
  function describe(i) {
    const k = K[i] & 3, parts = text(i).split("\t");
    const open = (K[i] & 3) === 3;
    return "<b>" + esc(D.cols[C[i]]) + " " + esc(D.fs[K[i] >> 2]) + " " +
      ["ok", "fail", "info", "no completion"][k] + "</b><br>index " + esc(parts[0] || "") +
      "<br>invoked " + fmtMs(S[i]) + (open ? "" : ", completed " + fmtMs(E[i]) +
      "<br>latency " + (E[i] - S[i]).toFixed(3) + " ms") +
      (parts[1] ? "<br>value " + esc(parts[1]) : "") +
      (parts[2] ? "<br>error " + esc(parts[2]) : "");
  }
  scroller.addEventListener("scroll", schedule);
  scroller.addEventListener("mousemove", (ev) => {
    const i = hit(ev);
    if (i < 0) { tip.style.display = "none"; return; }
    tip.innerHTML = describe(i);
    tip.style.display = "block";
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 330) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
  });
  scroller.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  scroller.addEventListener("wheel", (ev) => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    const rect = scroller.getBoundingClientRect();
    const at = topMs() + (ev.clientY - rect.top - HEAD) / pxPerMs;
    const f = ev.deltaY < 0 ? 1.25 : 0.8;
    const before = ev.clientY - rect.top - HEAD;
    setZoom(pxPerMs * f, at);
    scrollToMs(at - before / pxPerMs);
  }, { passive: false });
  document.getElementById("zin").onclick = () => setZoom(pxPerMs * 2);
  document.getElementById("zout").onclick = () => setZoom(pxPerMs / 2);
  document.getElementById("zfit").onclick = () => setZoom(0, D.spanMs / 2);
  window.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "+" || ev.key === "=") setZoom(pxPerMs * 2);
    else if (ev.key === "-") setZoom(pxPerMs / 2);
    else if (ev.key === "0") setZoom(0, D.spanMs / 2);
  });
  window.addEventListener("resize", () => { layout(); schedule(); });
  if (window.ResizeObserver)
    new ResizeObserver(() => { if (scroller.clientWidth !== W || scroller.clientHeight !== H) { layout(); schedule(); } }).observe(scroller);
  layout();
  /* boxes of median ops 18 px tall, but zoomed out enough to show ~150 ops */
  const byMedian = 18 / Math.max(D.medianMs, 1e-3);
  const byCount = (H - HEAD) / Math.max(D.spanMs * Math.min(1, 150 / Math.max(N, 1)), 1e-3);
  setZoom(Math.min(byMedian, byCount), 0);
  scrollToMs(0);
  draw();
  window.FL = {
    n: N, stats: stats, decodeMs: decodeMs,
    topMs: topMs, viewMs: () => viewMs, spanMs: D.spanMs,
    scrollToMs: (t) => { scrollToMs(t); draw(); return stats.drawMs; },
    zoom: (p) => { setZoom(p); draw(); return stats.drawMs; },
    fit: () => { setZoom(0, D.spanMs / 2); draw(); return stats.drawMs; },
    describe: describe,
    opAt: (c, t) => { let b = -1; forVisible(t, t, (i) => { if (C[i] === c) b = i; }); return b; }
  };
  document.body.setAttribute("data-ready", "1");
})();
