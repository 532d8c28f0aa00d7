// open3ds threeds.js: the browser side of EMV 3-D Secure 2 (3DS Method,
// challenge window, return to the merchant). No dependencies. Every function
// returns a Promise. Documented in README.md, "Browser kit".
function create(scriptURL) {
  "use strict";
  var VERSION = "__VERSION__";
  // EMV challengeWindowSize → iframe width × height in CSS pixels (05: the container).
  var SIZES = { "01": [250, 400], "02": [390, 400], "03": [500, 600], "04": [600, 400], "05": [0, 0] };
  var config = { apiOrigin: originOf(scriptURL), methodTimeout: 10000, challengeTimeout: 600000 };
  var handlers = {};
  var current = null;
  var seq = 0;

  function originOf(u) {
    try { return new URL(u, location.href).origin; } catch (e) { return ""; }
  }
  function httpURL(u) {
    try {
      var x = new URL(String(u), location.href);
      return (x.protocol === "https:" || x.protocol === "http:") ? x.href : "";
    } catch (e) { return ""; }
  }
  function b64json(s) {
    try {
      s = String(s).replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) { s += "="; }
      return JSON.parse(atob(s));
    } catch (e) { return null; }
  }
  function el(x) { return typeof x === "string" ? document.querySelector(x) : x; }
  function remove(n) { if (n && n.parentNode) { n.parentNode.removeChild(n); } }
  function assign(to, from) { for (var k in from) { if (Object.prototype.hasOwnProperty.call(from, k)) { to[k] = from[k]; } } return to; }

  // emit tells the merchant's analytics: on(name, fn), on("*", fn) and a
  // "threeds" CustomEvent on window. Events carry IDs and outcomes only.
  function emit(name, detail) {
    var ev = assign({ type: name, time: Date.now() }, detail || {});
    [name, "*"].forEach(function (n) {
      (handlers[n] || []).slice().forEach(function (fn) { try { fn(ev); } catch (e) { /* the merchant's handler */ } });
    });
    try { window.dispatchEvent(new CustomEvent("threeds", { detail: ev })); } catch (e) { /* old browsers */ }
  }
  function on(name, fn) {
    (handlers[name] = handlers[name] || []).push(fn);
    return function off() { handlers[name] = (handlers[name] || []).filter(function (f) { return f !== fn; }); };
  }
  function configure(opts) {
    opts = opts || {};
    if (opts.apiOrigin) { config.apiOrigin = originOf(opts.apiOrigin); }
    if (opts.methodTimeout != null) { config.methodTimeout = Number(opts.methodTimeout); }
    if (opts.challengeTimeout != null) { config.challengeTimeout = Number(opts.challengeTimeout); }
    return assign({}, config);
  }
  function postForm(action, target, fields) {
    var f = document.createElement("form");
    f.method = "POST";
    f.action = action;
    f.target = target;
    f.style.display = "none";
    Object.keys(fields).forEach(function (k) {
      if (fields[k] == null || fields[k] === "") { return; }
      var i = document.createElement("input");
      i.type = "hidden";
      i.name = k;
      i.value = fields[k];
      f.appendChild(i);
    });
    document.body.appendChild(f);
    f.submit();
    return f;
  }

  // method runs the 3DS Method in a hidden iframe. It resolves with
  // threeDSCompInd Y when our notification page reports back, N when the
  // timer (10 s, the spec's) ends first, U when the ACS has no method URL.
  // It never rejects.
  function method(opts) {
    opts = opts || {};
    var data = opts.threeDSMethodData || "";
    var decoded = b64json(data) || {};
    var id = opts.threeDSServerTransID || decoded.threeDSServerTransID || "";
    var url = opts.threeDSMethodURL ? httpURL(opts.threeDSMethodURL) : "";
    var timeout = opts.timeout != null ? Number(opts.timeout) : config.methodTimeout;
    if (!url || !id) {
      return Promise.resolve({ threeDSServerTransID: id, threeDSCompInd: "U", elapsedMs: 0 });
    }
    var notifyOrigin = opts.notificationOrigin ? originOf(opts.notificationOrigin)
      : decoded.threeDSMethodNotificationURL ? originOf(decoded.threeDSMethodNotificationURL) : config.apiOrigin;
    return new Promise(function (resolve) {
      var name = "threeds-method-" + (++seq) + "-" + Date.now();
      var frame = document.createElement("iframe");
      var form = null, timer = null, started = Date.now(), finished = false;
      frame.name = name;
      frame.title = "3-D Secure method";
      frame.setAttribute("aria-hidden", "true");
      frame.tabIndex = -1;
      frame.style.cssText = "position:absolute;width:0;height:0;border:0;visibility:hidden";
      (el(opts.container) || document.body).appendChild(frame);
      function done(ind) {
        if (finished) { return; }
        finished = true;
        window.removeEventListener("message", onMessage);
        clearTimeout(timer);
        remove(form);
        remove(frame);
        var r = { threeDSServerTransID: id, threeDSCompInd: ind, elapsedMs: Date.now() - started };
        emit(ind === "Y" ? "method.completed" : "method.timedout", r);
        resolve(r);
      }
      function onMessage(ev) {
        if (ev.origin !== notifyOrigin || ev.source !== frame.contentWindow) { return; }
        var m = ev.data;
        if (!m || m.type !== "3ds-method-complete" || m.threeDSServerTransID !== id) { return; }
        done("Y");
      }
      window.addEventListener("message", onMessage);
      timer = setTimeout(function () { done("N"); }, timeout);
      emit("method.started", { threeDSServerTransID: id, timeoutMs: timeout });
      form = postForm(url, name, { threeDSMethodData: data });
    });
  }

  // windowSize picks the EMV challengeWindowSize that fits a container (or
  // the viewport): ≤ 400 px wide 01, < 500 px 02, < 600 px 03, else 04.
  function windowSize(container) {
    var c = el(container);
    var w = Math.min(c && c.clientWidth ? c.clientWidth : window.innerWidth, window.innerWidth || Infinity);
    if (w <= 400) { return "01"; }
    if (w < 500) { return "02"; }
    if (w < 600) { return "03"; }
    return "04";
  }

  // challenge shows the ACS in an iframe sized by the window size and
  // resolves with {threeDSServerTransID, transStatus, resultReady} from our
  // /callbacks/challenge page. transStatus is set only when resultReady is
  // true (the RReq confirmed it); otherwise ask your server's /postauth.
  // mode "redirect" sends the whole page to the ACS instead (for checkouts
  // that are framed themselves); the cardholder comes back to returnURL.
  function challenge(opts) {
    opts = opts || {};
    var creq = opts.creq || opts.base64EncodedChallengeRequest || "";
    var decoded = b64json(creq) || {};
    var id = opts.threeDSServerTransID || decoded.threeDSServerTransID || "";
    var acsURL = httpURL(opts.acsURL || "");
    if (!acsURL || !creq || !id) {
      return Promise.reject(new Error("threeds: challenge needs an http(s) acsURL and the creq of a transaction"));
    }
    if (opts.mode === "redirect") {
      if (opts.returnURL != null && !httpURL(opts.returnURL)) {
        return Promise.reject(new Error("threeds: returnURL must be an http(s) URL"));
      }
      emit("challenge.shown", { threeDSServerTransID: id, mode: "redirect" });
      postForm(acsURL, "_top", { creq: creq, threeDSSessionData: opts.threeDSSessionData });
      return Promise.resolve({ threeDSServerTransID: id, redirected: true });
    }
    var container = el(opts.container);
    if (!container) {
      return Promise.reject(new Error("threeds: challenge needs a container element"));
    }
    var size = opts.windowSize || decoded.challengeWindowSize || "05";
    if (size === "auto") { size = windowSize(container); }
    if (!SIZES[size]) {
      return Promise.reject(new Error("threeds: windowSize must be 01 to 05 or auto"));
    }
    if (current) { current.cancel(); }
    var callbackOrigin = opts.callbackOrigin ? originOf(opts.callbackOrigin) : config.apiOrigin;
    var timeout = opts.timeout != null ? Number(opts.timeout) : config.challengeTimeout;
    var finish = null;
    var handle = {};
    var p = new Promise(function (resolve) {
      var name = "threeds-challenge-" + (++seq) + "-" + Date.now();
      var frame = document.createElement("iframe");
      var form = null, timer = null, started = Date.now();
      frame.name = name;
      frame.title = "3-D Secure authentication";
      frame.setAttribute("data-window-size", size);
      frame.style.border = "0";
      frame.style.display = "block";
      frame.style.maxWidth = "100%";
      if (size === "05") {
        frame.style.width = "100%";
        frame.style.height = (container.clientHeight || window.innerHeight) + "px";
      } else {
        frame.style.width = SIZES[size][0] + "px";
        frame.style.height = SIZES[size][1] + "px";
      }
      container.appendChild(frame);
      finish = function (how, r) {
        if (!frame) { return; }
        window.removeEventListener("message", onMessage);
        clearTimeout(timer);
        remove(form);
        remove(frame);
        frame = null;
        if (current === handle) { current = null; }
        r.threeDSServerTransID = id;
        r.elapsedMs = Date.now() - started;
        emit("challenge." + how, r);
        resolve(r);
      };
      function onMessage(ev) {
        if (!frame || ev.origin !== callbackOrigin || ev.source !== frame.contentWindow) { return; }
        var m = ev.data;
        if (!m || m.type !== "3ds-challenge-complete" || m.threeDSServerTransID !== id) { return; }
        var ready = m.resultReady === true;
        finish("completed", { transStatus: ready ? String(m.transStatus || "") : "", resultReady: ready });
      }
      window.addEventListener("message", onMessage);
      timer = setTimeout(function () { finish("timedout", { transStatus: "", resultReady: false, timedOut: true }); }, timeout);
      form = postForm(acsURL, name, { creq: creq, threeDSSessionData: opts.threeDSSessionData });
      emit("challenge.shown", { threeDSServerTransID: id, windowSize: size, mode: "iframe" });
    });
    handle.cancel = function () {
      if (finish) { finish("cancelled", { transStatus: "", resultReady: false, cancelled: true }); }
    };
    current = handle;
    p.cancel = handle.cancel;
    return p;
  }

  // cancel ends the challenge on screen (the merchant gave up): its promise
  // resolves with cancelled true. The transaction itself times out at the ACS.
  function cancel() { if (current) { current.cancel(); } }

  // returned reads the query our /callbacks/challenge page sends the
  // browser back with (redirect mode): transStatus only when resultReady.
  function returned(search) {
    var q = new URLSearchParams(search == null ? location.search : search);
    var ready = q.get("resultReady") === "true";
    return { threeDSServerTransID: q.get("threeDSServerTransID") || "", transStatus: ready ? (q.get("transStatus") || "") : "", resultReady: ready };
  }

  // framed reports whether the page runs inside another page's iframe
  // (then redirect mode is usually the right choice).
  function framed() {
    try { return window.top !== window.self; } catch (e) { return true; }
  }

  return {
    version: VERSION, method: method, challenge: challenge, cancel: cancel, windowSize: windowSize,
    returned: returned, framed: framed, on: on, configure: configure, sizes: assign({}, SIZES)
  };
}
