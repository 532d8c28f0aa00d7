// open3ds cardinal.js: Cardinal Cruise's Songbird names (Cardinal.configure,
// setup, on, off, trigger, start, continue) on threeds.js, so a Cardinal
// page switches by changing its script URL. Documented in README.md,
// "Cardinal Cruise-compatible JWT integration". Every failure reaches
// payments.validated as ActionCode "ERROR" with an ErrorNumber; no call
// throws.
function createCardinal(ThreeDS, scriptURL) {
  "use strict";
  var base = apiBase(scriptURL);
  var handlers = {};
  var opts = { logging: { level: "off" }, timeout: 30000 };
  var state = { token: "", sessionId: "", order: null, jwtPayload: null, ready: null, bin: null };
  var CALL_FAILED = 2000, BAD_CALL = 2001, CHALLENGE_TIMEOUT = 2002;

  function apiBase(u) {
    try {
      var x = new URL(u, location.href);
      return x.origin + x.pathname.replace(/\/js\/cardinal\.js$/, "");
    } catch (e) { return ""; }
  }
  function log() {
    var l = opts.logging && opts.logging.level;
    if ((l === "on" || l === "verbose") && window.console) {
      try { console.log.apply(console, ["[cardinal]"].concat([].slice.call(arguments))); } catch (e) { /* no console */ }
    }
  }
  function isObj(x) { return x && typeof x === "object" && !Array.isArray(x); }
  function merge(to, from) {
    if (!isObj(from)) { return to; }
    Object.keys(from).forEach(function (k) {
      if (isObj(from[k])) { to[k] = merge(isObj(to[k]) ? to[k] : {}, from[k]); } else if (from[k] != null) { to[k] = from[k]; }
    });
    return to;
  }
  function b64json(s) {
    try {
      s = String(s).replace(/-/g, "+").replace(/_/g, "/");
      while (s.length % 4) { s += "="; }
      return JSON.parse(atob(s));
    } catch (e) { return null; }
  }
  // jwtPayload is the request JWT's Payload, read without verifying (the
  // server verifies it): its Consumer fills what the order leaves out.
  function jwtPayload(jwt) {
    var c = b64json(String(jwt || "").split(".")[1] || "");
    var p = c && c.Payload;
    if (typeof p === "string") { try { p = JSON.parse(p); } catch (e) { p = null; } }
    return isObj(p) ? p : null;
  }

  function fire(event) {
    var args = [].slice.call(arguments, 1);
    (handlers[event] || []).slice().forEach(function (fn) {
      try { fn.apply(null, args); } catch (e) { log("handler of " + event + " threw", e && e.message); }
    });
  }
  function on(event, fn) { if (typeof fn === "function") { (handlers[event] = handlers[event] || []).push(fn); } }
  function off(event) { delete handlers[event]; }
  function configure(o) {
    if (isObj(o)) {
      merge(opts, o);
      ThreeDS.configure({ challengeTimeout: o.challengeTimeout != null ? o.challengeTimeout : undefined });
    }
  }
  function errorData(number, desc, id) {
    return { Validated: false, ActionCode: "ERROR", ErrorNumber: number || CALL_FAILED, ErrorDescription: String(desc || "Error"),
      Payment: { Type: "CCA", ProcessorTransactionId: id || "", ExtendedData: {} } };
  }
  function fail(number, desc, id) { log("error", number, desc); fire("payments.validated", errorData(number, desc, id), undefined); }

  // call posts a JSON body as text/plain (no CORS preflight) and resolves
  // {status, body}; it never rejects.
  function call(path, body) {
    var ctl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, Number(opts.timeout) || 30000) : null;
    return fetch(base + path, { method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "text/plain;charset=UTF-8" }, body: JSON.stringify(body), signal: ctl ? ctl.signal : undefined })
      .then(function (r) {
        return r.json().then(function (j) { return { status: r.status, body: isObj(j) ? j : {} }; },
          function () { return { status: r.status, body: { ErrorNumber: CALL_FAILED, ErrorDescription: "The 3-D Secure server's answer is not JSON" } }; });
      }, function () {
        return { status: 0, body: { ErrorNumber: CALL_FAILED, ErrorDescription: "The 3-D Secure server could not be reached" } };
      })
      .then(function (r) { clearTimeout(timer); return r; });
  }
  function whenReady() {
    if (!state.ready) { return Promise.resolve(false); }
    return state.ready;
  }
  function browserInfo() {
    var s = window.screen || {};
    return { ColorDepth: s.colorDepth || 24, ScreenHeight: s.height || 0, ScreenWidth: s.width || 0,
      TimeZone: new Date().getTimezoneOffset(), Language: navigator.language || "en",
      JavaEnabled: false, JavascriptEnabled: true };
  }

  // setup('init', {jwt[, order]}) trades the single-use request JWT for a
  // session token, then fires payments.setupComplete.
  function setup(kind, data) { openSession(kind, data, false); }

  // openSession trades a JWT for a session; quiet (a JWT given to start or
  // continue) does not fire payments.setupComplete again.
  function openSession(kind, data, quiet) {
    try {
      data = data || {};
      if (kind !== "init" || !data.jwt) {
        state.ready = Promise.resolve(false);
        setTimeout(function () { fail(BAD_CALL, "Cardinal.setup needs ('init', {jwt})"); }, 0);
        return;
      }
      state.order = isObj(data.order) ? data.order : null;
      state.jwtPayload = jwtPayload(data.jwt);
      state.token = "";
      state.ready = call("/cardinal/songbird/init", { jwt: String(data.jwt) }).then(function (r) {
        if (r.status === 200 && r.body.sessionToken) {
          state.token = r.body.sessionToken;
          state.sessionId = r.body.sessionId;
          if (!quiet) {
            fire("payments.setupComplete", { sessionId: r.body.sessionId, modules: r.body.modules || [{ module: "CCA", loaded: true }] });
          }
          return true;
        }
        fail(r.body.ErrorNumber, r.body.ErrorDescription || "Cardinal.setup failed");
        return false;
      });
    } catch (e) {
      fail(BAD_CALL, "Cardinal.setup: " + (e && e.message));
    }
  }

  // trigger('bin.process', bin) runs the 3DS Method of the card's ACS (the
  // card number is needed for that; a BIN alone resolves Status true with
  // no method) and resolves {Status}.
  function trigger(event, value) {
    try {
      if (event !== "bin.process") { return Promise.resolve({ Status: false }); }
      var p = whenReady().then(function (ok) {
        if (!ok) { return { Status: false }; }
        return call("/cardinal/songbird/bin", { sessionToken: state.token, bin: String(value == null ? "" : value).replace(/[\s-]/g, "") })
          .then(function (r) {
            if (r.status !== 200) { log("bin.process", r.body.ErrorNumber, r.body.ErrorDescription); return { Status: false }; }
            if (!r.body.ThreeDSMethodURL) { return { Status: true }; }
            return ThreeDS.method({ threeDSMethodURL: r.body.ThreeDSMethodURL, threeDSMethodData: r.body.ThreeDSMethodData })
              .then(function (m) { log("3DS Method", m.threeDSCompInd); return { Status: true }; });
          });
      }).catch(function () { return { Status: false }; });
      state.bin = p;
      return p;
    } catch (e) {
      return Promise.resolve({ Status: false });
    }
  }

  // answered ends a call: done → ConfirmUrl post and payments.validated;
  // challenge → the modal; anything else → ERROR.
  function answered(r) {
    if (r.status === 200 && r.body.Status === "done" && isObj(r.body.Payload)) {
      if (r.body.ConfirmUrl && r.body.JWT) { confirm(r.body.ConfirmUrl, r.body.JWT); }
      fire("payments.validated", r.body.Payload, r.body.JWT);
      return;
    }
    if (r.status === 200 && r.body.Status === "challenge") {
      challenge(r.body.TransactionId, r.body.AcsUrl, r.body.Payload, r.body.ThreeDSSessionData, r.body.WindowSize);
      return;
    }
    fail(r.body.ErrorNumber, r.body.ErrorDescription || "The 3-D Secure server refused the call");
  }

  // confirm posts the response JWT to the request JWT's ConfirmUrl as form
  // field JWT, in a hidden frame (the page stays).
  function confirm(url, jwt) {
    try {
      var name = "cardinal-confirm-" + Date.now();
      var frame = document.createElement("iframe");
      frame.name = name;
      frame.title = "Cardinal confirm";
      frame.setAttribute("aria-hidden", "true");
      frame.style.cssText = "position:absolute;width:0;height:0;border:0;visibility:hidden";
      document.body.appendChild(frame);
      var f = document.createElement("form");
      f.method = "POST";
      f.action = url;
      f.target = name;
      f.style.display = "none";
      var i = document.createElement("input");
      i.type = "hidden";
      i.name = "JWT";
      i.value = jwt;
      f.appendChild(i);
      document.body.appendChild(f);
      f.submit();
      f.parentNode.removeChild(f);
      setTimeout(function () { if (frame.parentNode) { frame.parentNode.removeChild(frame); } }, 60000);
    } catch (e) { log("ConfirmUrl post failed", e && e.message); }
  }

  // modal is the challenge's overlay, sized for the viewport.
  function modal(size) {
    var dims = ThreeDS.sizes[size] || [0, 0];
    var overlay = document.createElement("div");
    overlay.id = "Cardinal-Modal";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "3-D Secure authentication");
    overlay.style.cssText = "position:fixed;top:0;left:0;right:0;bottom:0;z-index:2147483647;background:rgba(0,0,0,0.55);" +
      "display:flex;align-items:center;justify-content:center";
    var box = document.createElement("div");
    box.id = "Cardinal-ModalContent";
    box.style.cssText = "position:relative;background:#fff;box-sizing:border-box;padding:36px 0 0 0;max-width:100vw;max-height:100vh;overflow:auto";
    var close = document.createElement("button");
    close.id = "Cardinal-ModalClose";
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    close.style.cssText = "position:absolute;top:4px;right:8px;font-size:24px;line-height:28px;border:0;background:transparent;cursor:pointer";
    var container = document.createElement("div");
    container.id = "Cardinal-ElementContainer";
    if (dims[0]) {
      container.style.width = Math.min(dims[0], window.innerWidth) + "px";
      container.style.height = Math.min(dims[1], window.innerHeight - 36) + "px";
    } else {
      container.style.width = window.innerWidth + "px";
      container.style.height = (window.innerHeight - 36) + "px";
    }
    box.appendChild(close);
    box.appendChild(container);
    overlay.appendChild(box);
    document.body.appendChild(overlay);
    return { container: container, close: close, remove: function () { if (overlay.parentNode) { overlay.parentNode.removeChild(overlay); } } };
  }

  function challenge(id, acsUrl, creq, sessionData, size) {
    if (!size) { size = (b64json(creq) || {}).challengeWindowSize || "05"; }
    if (!ThreeDS.sizes[size]) { size = "05"; }
    var m = modal(size);
    var p = ThreeDS.challenge({ container: m.container, acsURL: acsUrl, creq: creq, threeDSSessionData: sessionData, windowSize: size, threeDSServerTransID: id });
    m.close.onclick = function () { ThreeDS.cancel(); };
    fire("ui.render");
    p.then(function (res) {
      m.remove();
      fire("ui.close");
      if (res.timedOut) { fail(CHALLENGE_TIMEOUT, "The challenge timed out", id); return; }
      result(id, res.cancelled === true, 0);
    }, function (e) {
      m.remove();
      fail(BAD_CALL, "The challenge could not be shown: " + (e && e.message), id);
    });
  }

  // result reads the transaction's result once the challenge ended (the
  // RReq may arrive a moment after the browser is back).
  function result(id, cancelled, tries) {
    call("/cardinal/songbird/result", { sessionToken: state.token, TransactionId: id, cancelled: cancelled }).then(function (r) {
      if (r.status === 409 && tries < 30) { setTimeout(function () { result(id, cancelled, tries + 1); }, 500); return; }
      answered(r);
    });
  }

  // withSession runs fn once setup (and a running bin.process) finished; a
  // new jwt first opens a new session.
  function withSession(jwt, order, fn) {
    if (jwt) { openSession("init", { jwt: jwt, order: order }, true); }
    whenReady().then(function (ok) {
      if (!ok) { if (state.ready) { return; } fail(BAD_CALL, "Call Cardinal.setup('init', {jwt}) first"); return; }
      return (state.bin || Promise.resolve()).then(function () { fn(); });
    }).catch(function (e) { fail(CALL_FAILED, "Cardinal: " + (e && e.message)); });
  }

  // start('cca', order[, jwt]): the Standard flow. Our server sends the
  // AReq; a challenge is shown in the modal; payments.validated gets the
  // result and the response JWT.
  function start(kind, order, jwt) {
    try {
      if (kind !== "cca") { fail(BAD_CALL, "Cardinal.start supports 'cca' only"); return; }
      withSession(jwt, order, function () {
        var merged = merge(merge(merge({}, state.jwtPayload), state.order), order);
        var size = ThreeDS.windowSize();
        if (window.innerHeight < 400) { size = "05"; }
        call("/cardinal/songbird/start", { sessionToken: state.token, order: merged, browser: browserInfo(), windowSize: size }).then(answered);
      });
    } catch (e) {
      fail(BAD_CALL, "Cardinal.start: " + (e && e.message));
    }
  }

  // continue('cca', {AcsUrl, Payload}, {OrderDetails: {TransactionId}}[, jwt]):
  // the Hybrid flow, after the merchant's server's lookup asked for a
  // challenge.
  function cont(kind, acs, order, jwt) {
    try {
      var id = order && order.OrderDetails && order.OrderDetails.TransactionId;
      if (kind !== "cca" || !acs || !acs.Payload || !id) {
        fail(BAD_CALL, "Cardinal.continue needs ('cca', {AcsUrl, Payload}, {OrderDetails: {TransactionId}})");
        return;
      }
      withSession(jwt, null, function () {
        call("/cardinal/songbird/continue", { sessionToken: state.token, TransactionId: String(id) }).then(function (r) {
          if (r.status !== 200) { answered(r); return; }
          challenge(r.body.TransactionId, r.body.AcsUrl, String(acs.Payload), r.body.ThreeDSSessionData, "");
        });
      });
    } catch (e) {
      fail(BAD_CALL, "Cardinal.continue: " + (e && e.message));
    }
  }

  return { configure: configure, setup: setup, on: on, off: off, trigger: trigger, start: start, "continue": cont,
    version: ThreeDS.version };
}
