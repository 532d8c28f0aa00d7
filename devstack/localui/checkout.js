(function () {
  "use strict";
  var $ = function (s) { return document.querySelector(s); };
  var t0 = 0;
  function row(step, detail, bad) {
    var tr = document.createElement("tr");
    if (bad) { tr.className = "bad"; }
    [t0 ? "+" + (Date.now() - t0) + " ms" : "", step, detail].forEach(function (text) {
      var td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    });
    $("#timeline tbody").appendChild(tr);
  }
  function api(step, body) {
    row(step, "→ " + Object.keys(body).filter(function (k) { return k !== "acctNumber"; }).map(function (k) { return k + "=" + body[k]; }).join(" "));
    return fetch("/_local/checkout/api/" + step, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (j) {
          var bad = r.status !== 200;
          row(step, "← HTTP " + r.status + (j.transStatus ? " transStatus " + j.transStatus : "") + (j.errorCode ? " Erro " + j.errorCode + " " + (j.errorDetail || j.errorDescription || "") : "") + (j.error ? " " + j.error : ""), bad);
          if (bad) { throw new Error(step + ": HTTP " + r.status + " " + (j.errorDetail || j.errorDescription || j.error || "")); }
          return j;
        });
      });
  }
  function show(result, id) {
    var el = $("#result");
    el.hidden = false;
    el.className = "result " + (result.transStatus === "Y" || result.transStatus === "A" ? "ok" : "no");
    el.setAttribute("data-trans-status", result.transStatus || "");
    el.setAttribute("data-trans-id", id || "");
    var parts = ["transStatus " + (result.transStatus || "—")];
    if (result.eci) { parts.push("ECI " + result.eci); }
    if (result.authenticationValue) { parts.push("CAVV " + result.authenticationValue); }
    if (result.transStatusReason) { parts.push("reason " + result.transStatusReason); }
    if (result.challengeCancel) { parts.push("challengeCancel " + result.challengeCancel); }
    $("#result-text").textContent = parts.join(" · ");
    if (id) { $("#result-link").href = "/_local/console/tx/" + encodeURIComponent(id); $("#result-link").hidden = false; }
    document.body.setAttribute("data-done", "true");
  }
  function fail(err) {
    row("error", String(err && err.message || err), true);
    var el = $("#result");
    el.hidden = false;
    el.className = "result no";
    el.setAttribute("data-error", String(err && err.message || err));
    $("#result-text").textContent = String(err && err.message || err);
    document.body.setAttribute("data-done", "true");
  }
  ThreeDS.on("*", function (ev) {
    var d = [];
    ["threeDSCompInd", "windowSize", "mode", "transStatus", "resultReady", "elapsedMs"].forEach(function (k) { if (ev[k] !== undefined && ev[k] !== "") { d.push(k + "=" + ev[k]); } });
    row("event " + ev.type, d.join(" "));
  });
  function postauth(id) {
    return api("postauth", { threeDSServerTransID: id }).then(function (r) { show(r, id); });
  }

  // Redirect mode: the cardholder is back from the ACS.
  if (document.body.getAttribute("data-return") === "true") {
    var back = ThreeDS.returned();
    t0 = Date.now();
    row("returned", "threeDSServerTransID=" + back.threeDSServerTransID + " resultReady=" + back.resultReady + (back.transStatus ? " transStatus=" + back.transStatus : ""));
    if (back.threeDSServerTransID) { postauth(back.threeDSServerTransID).catch(fail); }
    return;
  }

  $("#card-select").addEventListener("change", function () { if (this.value) { $("#pan").value = this.value; } });
  $("#pay").addEventListener("submit", function (e) {
    e.preventDefault();
    var f = e.target;
    $("#timeline tbody").textContent = "";
    $("#result").hidden = true;
    document.body.removeAttribute("data-done");
    t0 = Date.now();
    var pan = f.pan.value.replace(/\s+/g, "");
    var mode = f.mode.value;
    var redirect = mode === "redirect" || (mode === "auto" && ThreeDS.framed());
    var size = f.windowSize.value === "auto" ? ThreeDS.windowSize("#challenge") : f.windowSize.value;
    var returnURL = f.returnURL.value || (redirect ? location.origin + "/_local/checkout/return" : "");
    ThreeDS.configure({ methodTimeout: Number(f.methodTimeout.value) || 10000 });
    var id = "";
    api("preauth", { acctNumber: pan }).then(function (pre) {
      id = pre.threeDSServerTransID;
      return ThreeDS.method({ threeDSMethodURL: pre.threeDSMethodURL, threeDSMethodData: pre.threeDSMethodData });
    }).then(function (m) {
      row("3DS Method", "threeDSCompInd " + m.threeDSCompInd + " after " + m.elapsedMs + " ms");
      return api("auth", {
        threeDSServerTransID: id, acctNumber: pan, threeDSCompInd: m.threeDSCompInd, challengeWindowSize: size,
        returnURL: returnURL, purchaseAmount: f.amount.value, browserLanguage: navigator.language,
        browserColorDepth: String(screen.colorDepth), browserScreenHeight: String(screen.height), browserScreenWidth: String(screen.width),
        browserTZ: String(new Date().getTimezoneOffset())
      });
    }).then(function (ares) {
      if (ares.transStatus !== "C") { return postauth(id); }
      var opts = { container: "#challenge", acsURL: ares.acsURL, creq: ares.base64EncodedChallengeRequest,
        threeDSSessionData: ares.threeDSSessionData, windowSize: size };
      if (redirect) { opts.mode = "redirect"; opts.returnURL = returnURL; }
      return ThreeDS.challenge(opts).then(function (r) {
        if (r.redirected) { row("challenge", "the page goes to the ACS; it comes back to " + returnURL); return null; }
        row("challenge", "resultReady " + r.resultReady + (r.transStatus ? " transStatus " + r.transStatus : ""));
        return postauth(id);
      });
    }).catch(fail);
  });
})();
