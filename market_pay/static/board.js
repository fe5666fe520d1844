// The stall board: live confirmations (server-sent events), spoken in the page's language; cash in two
// taps; a dynamic QR that turns green when the bank confirms it. Plain JS, no framework: the
// page must load fast on a weak 3G signal.
(function () {
  "use strict";
  var root = document.getElementById("board");
  var words = JSON.parse(root.dataset.words);
  var vendor = root.dataset.vendor;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var lastKey = "market_pay:last-seq:" + vendor;      // the feed number announced last
  var $ = function (id) { return document.getElementById(id); };
  // The page's language (?lang=en, else Vietnamese). The server makes the sentences and amount
  // texts (stalls/spoken_amounts.py, one tested place for every reader), so the page passes its
  // own language on every URL it calls: the stream has no other way to know its reader, and a
  // Vietnamese tab stays Vietnamese even when another tab remembered English in the cookie.
  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  function withLang(url) { return url + (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang; }
  // Amounts as the server's format_vnd writes them: 1.250.000 ₫ in Vietnamese, 1,250,000 ₫ in English.
  function formatVnd(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, lang === "en" ? "," : ".") + " ₫"; }

  // ---- speech ---------------------------------------------------------------------------
  // Browsers refuse speech before the page's first tap: until "Bấm để bật loa" is tapped, what
  // should be said (the "missed while offline" sentence, the payments after it) waits, in order,
  // and is said right after the tap.
  var soundOn = false, unsaid = [];
  function say(sentence) {
    if (!soundOn) { if (unsaid.length < 40) unsaid.push(sentence); return; }
    speak(sentence);
  }
  function speak(sentence) {
    if (!("speechSynthesis" in window)) return;
    var utterance = new SpeechSynthesisUtterance(sentence);
    utterance.lang = lang === "en" ? "en-US" : "vi-VN";   // the sentences come in the page's language
    var voice = speechSynthesis.getVoices().filter(function (v) { return v.lang.slice(0, 2).toLowerCase() === lang; })[0];
    if (voice) utterance.voice = voice;
    utterance.rate = 0.9;                              // a little slower: a noisy market, older ears
    speechSynthesis.speak(utterance);
  }
  $("sound").addEventListener("click", function () {
    soundOn = true;
    speak(words.live);                                 // browsers speak only after a tap
    unsaid.splice(0).forEach(speak);
    $("sound").hidden = true;
  });

  // ---- fitting long figures ------------------------------------------------------------------
  // CSS clamp() sizes a figure for the phone; a long one (9.999.999.999 ₫) may still not fit its
  // box, so it is shrunk until it does: an amount is never cut, wrapped or wider than the screen.
  function fit(el) {
    el.style.fontSize = "";
    if (!el.clientWidth) return;                       // hidden (a closed dialog): fitted when shown
    var size = parseFloat(getComputedStyle(el).fontSize);
    for (var i = 0; i < 12 && el.scrollWidth > el.clientWidth + 1 && size > 12; i++) {
      size = Math.max(12, Math.floor(size * el.clientWidth / el.scrollWidth * 10) / 10 - 0.5);
      el.style.fontSize = size + "px";
    }
  }
  function fitAll() { Array.prototype.forEach.call(document.querySelectorAll("[data-fit]"), fit); }
  window.addEventListener("resize", fitAll);
  fitAll();

  function toast(message) {
    var el = $("toast");
    el.textContent = message;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { el.textContent = ""; }, 6000);
  }

  function showSummary(summary) {
    // An account change asked (or settled) elsewhere: reload to show its notice, unless the
    // vendor is in the middle of a dialog (the next refresh does it).
    if ("pending_changes" in summary && String(summary.pending_changes) !== root.dataset.pending &&
        !document.querySelector("dialog[open]")) { location.reload(); return; }
    $("cashless-total").textContent = summary.cashless_text;
    $("cashless-count").textContent = summary.cashless_count;
    $("cash-total").textContent = summary.cash_text;
    $("cash-count").textContent = summary.cash_count;
    fit($("cashless-total")); fit($("cash-total"));
    if (!("quiet" in summary)) return;                 // the event stream leaves the alert to the refresh
    var quiet = $("quiet");
    quiet.hidden = !summary.quiet;
    if (summary.quiet) quiet.textContent = words.quiet_alert.replace("{minutes}", summary.quiet.quiet_minutes);
  }

  function post(url, body, extraHeaders) {
    var headers = {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf};
    for (var name in (extraHeaders || {})) headers[name] = extraHeaders[name];
    // A failed request is marked `retry` when sending it again later may work (no signal, the
    // service restarting, a proxy's HTML error page, too many requests); other errors are final.
    function later() { var error = new Error(words.error_retry); error.retry = true; throw error; }
    return fetch(withLang(url), {method: "POST", headers: headers, body: JSON.stringify(body || {}), credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 401) {
          location.href = "/stall/login"; var out = new Error("signed out"); out.retry = true; throw out;
        }
        if (response.status >= 500 || response.status === 429 || response.status === 403) later();
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.message || words.error_retry);
          return data;
        }, later);
      }, later);
  }

  // ---- live confirmations ------------------------------------------------------------------
  function announced() { return parseInt(localStorage.getItem(lastKey) || "0", 10); }

  // Why a warning row warns, in the page's language (the server sends the figures only).
  function whyText(item) {
    var why = item.why || {};
    if (why.below_floor) return words.why_below_floor.replace("{floor}", why.below_floor);
    if (why.underpaid) return words.why_underpaid.replace("{short}", why.underpaid);
    if (why.reversal) return words.why_reversal;
    return "";
  }

  function showPayment(item) {
    if (document.querySelector('#payments li[data-seq="' + Number(item.seq) + '"]')) return;
    var li = document.createElement("li");
    li.className = item.warning ? "payment warning" : "payment";
    li.dataset.seq = item.seq;
    var amount = document.createElement("span");
    amount.className = "amount";
    amount.textContent = (item.kind === "reversal" ? "− " : "") + item.amount_text;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = item.time + (item.payer_name ? " · " + item.payer_name : "") +
      (item.kind === "reversal" ? " · " + words.reversed : item.warning ? " · " + words.warning : "");
    li.appendChild(amount);
    li.appendChild(meta);
    if (whyText(item)) {
      var why = document.createElement("span");
      why.className = "why";
      why.textContent = whyText(item);
      li.appendChild(why);
    }
    var list = $("payments");
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 30) list.removeChild(list.lastChild);
  }

  function onPayment(item) {
    if (item.seq <= announced()) return;                // shown and said once, never twice
    localStorage.setItem(lastKey, String(item.seq));
    showPayment(item);
    say(item.speech);
    if (qr.reference && item.request_reference === qr.reference) refreshQr();
  }

  var source = null;
  // A refused or failed stream (429 once the stall has its boards open, a restart, no network) is
  // retried later and later, with jitter, so many tabs or phones never retry in step or in a loop.
  var retryDelay = 3000;
  function connect() {
    var after = localStorage.getItem(lastKey);
    // First visit on this device: start from now (the server sends nothing old).
    source = new EventSource(withLang("/stall/events" + (after ? "?after=" + encodeURIComponent(after) : "")));
    source.addEventListener("open", function () {
      retryDelay = 3000;
      $("link-state").textContent = words.live; root.classList.remove("offline");
      setOnline(true); sendQueue();
    });
    source.addEventListener("error", function () {
      $("link-state").textContent = words.offline;
      root.classList.add("offline");
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retryDelay + Math.random() * retryDelay / 2);
        retryDelay = Math.min(retryDelay * 2, 60000);
        checkSignedIn();
      }
    });
    source.addEventListener("missed", function (event) {
      var data = JSON.parse(event.data);
      $("missed").hidden = false;
      $("missed").textContent = data.speech;
      if (!soundOn) $("sound").textContent = "🔊 " + words.missed_tap;
      say(data.speech);
    });
    source.addEventListener("payment", function (event) { onPayment(JSON.parse(event.data)); });
    source.addEventListener("summary", function (event) { showSummary(JSON.parse(event.data)); });
    source.addEventListener("signed_out", function () { source.close(); location.href = "/stall/login"; });
  }
  function checkSignedIn() {
    fetch(withLang("/stall/summary"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { if (r.status === 401) location.href = "/stall/login"; }).catch(function () {});
  }
  // Today's confirmations so far (a reload no longer empties "Vừa nhận"); shown, not spoken.
  JSON.parse(root.dataset.recent || "[]").forEach(showPayment);
  if (!localStorage.getItem(lastKey)) localStorage.setItem(lastKey, root.dataset.seq);
  connect();

  // ---- keypad (cash and QR amounts) ----------------------------------------------------------
  // A preset REPLACES the amount, and the first digit after it starts a new amount (50.000 then
  // "2" is 2 ₫, never 500.002 ₫); ⌫ after a preset clears it.
  var MAX_SALE = 1000000000;
  var keypad = $("keypad"), typed = "", fromPreset = false, onConfirm = null;
  function render() { $("keypad-amount").textContent = formatVnd(parseInt(typed || "0", 10)); fit($("keypad-amount")); }
  function openKeypad(title, confirm) {
    typed = ""; fromPreset = false; $("keypad-title").textContent = title; onConfirm = confirm;
    keypad.showModal(); render();
  }
  keypad.addEventListener("click", function (event) {
    var key = event.target.dataset.key, preset = event.target.dataset.preset;
    if (!preset && !key) return;
    if (preset) { typed = preset; fromPreset = true; render(); return; }
    if (fromPreset) { typed = ""; fromPreset = false; }
    if (key === "⌫") { typed = typed.slice(0, -1); }
    else {
      var next = (typed + key).replace(/^0+/, "");
      // Nothing above the service's bound for one sale (common/money.py): the server would refuse it.
      if (parseInt(next || "0", 10) <= MAX_SALE) { typed = next; }
    }
    render();
  });
  $("keypad-cancel").addEventListener("click", function () { keypad.close(); });
  $("keypad-confirm").addEventListener("click", function () {
    var amount = parseInt(typed || "0", 10);
    if (amount > 0 && onConfirm) { keypad.close(); onConfirm(amount); }
  });

  // ---- cash, kept through a lost signal ------------------------------------------------------
  // A sale gets its Idempotency-Key when it is typed and goes into a queue on the phone first;
  // the queue is sent in order, each sale with its own key, so a resend after a lost answer is
  // recorded once. Offline, the sale waits (shown in the queue) and goes when the signal is back.
  var lastCash = null, queueKey = "market_pay:cash-queue:" + vendor, sending = false;
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock(ms) { var d = new Date(ms); return two(d.getHours()) + ":" + two(d.getMinutes()); }
  function showQueue(queue) {
    var list = $("queue-list");
    list.textContent = "";
    queue.forEach(function (sale) {
      var li = document.createElement("li"), amount = document.createElement("span"), meta = document.createElement("span");
      amount.className = "amount"; amount.textContent = formatVnd(sale.amount);
      meta.className = "meta"; meta.textContent = clock(sale.at) + " · " + words.queued;
      li.appendChild(amount); li.appendChild(meta); list.appendChild(li);
    });
    $("cash-queue").hidden = queue.length === 0;
  }
  function saveQueue(queue) { localStorage.setItem(queueKey, JSON.stringify(queue)); showQueue(queue); }
  function dropFromQueue(key) { saveQueue(loadQueue().filter(function (sale) { return sale.key !== key; })); }
  function setOnline(online) {
    $("offline-bar").hidden = online;
    root.classList.toggle("no-signal", !online);
    if (!online) { $("link-state").textContent = words.offline; root.classList.add("offline"); }
  }
  function sendQueue() {
    var sale = loadQueue()[0];
    if (sending || !sale) return;
    sending = true;
    var age = Math.max(0, Math.round((Date.now() - sale.at) / 1000));
    post("/stall/cash", {amount: sale.amount, age_seconds: age}, {"Idempotency-Key": sale.key}).then(function (saved) {
      sending = false;
      dropFromQueue(sale.key);
      setOnline(true);
      lastCash = saved;
      showSummary(saved.summary);
      toast(sale.waited ? words.cash_sent_later.replace("{amount}", saved.amount_text).replace("{time}", clock(sale.at))
        : words.cash_saved.replace("{amount}", saved.amount_text));
      $("undo-cash").hidden = false;
      sendQueue();
    }, function (error) {
      sending = false;
      if (error.retry) {                                // kept: sent again when the signal is back
        var queue = loadQueue();
        if (queue.length && !queue[0].waited) {
          queue[0].waited = true; saveQueue(queue);
          toast(words.cash_queued.replace("{amount}", formatVnd(sale.amount)));
        }
        if (!navigator.onLine || error.message === words.error_retry) setOnline(false);
        return;
      }
      dropFromQueue(sale.key);                          // refused for good (409, 422): say why
      toast(words.cash_refused.replace("{amount}", formatVnd(sale.amount)).replace("{reason}", error.message));
      sendQueue();
    });
  }
  function queueCash(amount) {
    var key = "cash-" + Date.now() + "-" + Math.random().toString(36).slice(2);
    var queue = loadQueue();
    queue.push({key: key, amount: amount, at: Date.now(), waited: !navigator.onLine});
    saveQueue(queue);
    if (!navigator.onLine) {
      setOnline(false);
      toast(words.cash_queued.replace("{amount}", formatVnd(amount)));
    }
    sendQueue();
  }
  $("open-cash").addEventListener("click", function () { openKeypad(words.cash, queueCash); });
  window.addEventListener("offline", function () { setOnline(false); });
  window.addEventListener("online", function () { setOnline(true); sendQueue(); });
  setInterval(sendQueue, 15000);                       // a weak signal may come back unannounced
  showQueue(loadQueue());
  if (!navigator.onLine) setOnline(false);
  sendQueue();                                         // what an earlier visit left unsent
  $("undo-cash").addEventListener("click", function () {
    if (!lastCash) return;
    post("/stall/cash/" + lastCash.id + "/undo").then(function (undone) {
      showSummary(undone.summary);
      toast(words.cash_undone.replace("{amount}", undone.amount_text));
      lastCash = null;
      $("undo-cash").hidden = true;
    }).catch(function (error) { toast(error.message); });
  });

  // ---- dynamic QR --------------------------------------------------------------------------
  // The screen is scannable only while paying it is right: once paid, expired or cancelled the
  // code gives way to one final state; once underpaid it shows the remainder's code (the server
  // decides: payments/request_states.py).
  var qr = {reference: null, timer: null, due: null};
  function showQrFinal(view) {
    $("qr-image").innerHTML = "";
    $("qr-amount").textContent = "";
    $("qr-final-mark").textContent = ["paid", "overpaid", "paid_late"].indexOf(view.status) >= 0 ? "✓" : "✕";
    $("qr-final-headline").textContent = view.headline;
    $("qr-final-amount").textContent = view.final_amount_text || "";
    $("qr-final-time").textContent = view.settled_text + (view.payer_name ? " · " + view.payer_name : "");
    $("qr-final-detail").textContent = view.next_step || view.detail || "";
    $("qr-final").hidden = false;
    $("qr-status").textContent = "";
    $("qr-expiry").textContent = "";
  }
  function showQr(view) {
    qr.reference = view.reference;
    var screen = $("qr-screen");
    screen.className = "qr-screen status-" + view.status;
    $("qr-stall").textContent = words.stall + " " + view.stall_code + " · " + view.stall_name;
    $("qr-account-name").textContent = view.account_name;
    if (view.final) { showQrFinal(view); clearInterval(qr.timer); return; }
    $("qr-final").hidden = true;
    if (!view.payable) $("qr-image").innerHTML = "";      // underpaid after the expiry: no code
    else if (view.svg) $("qr-image").innerHTML = view.svg; // our own server-rendered SVG
    else if (qr.due !== null && qr.due !== view.due) { $("qr-image").innerHTML = ""; refreshQr(true); }
    qr.due = view.due;
    if (view.status === "underpaid") {
      $("qr-amount").textContent = view.headline;
      $("qr-status").textContent = view.payable ? view.detail : view.next_step;
    } else {
      $("qr-amount").textContent = view.amount_text;
      $("qr-status").textContent = words.qr_waiting;
    }
    $("qr-expiry").textContent = view.payable ? words.qr_expires.replace("{time}", view.expires_time) : "";
  }
  function refreshQr(withCode) {
    if (!qr.reference) return;
    fetch(withLang("/stall/qr/" + qr.reference + (withCode ? "?svg=1" : "")), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(showQr)
      .catch(function () {});
  }
  $("open-qr").addEventListener("click", function () {
    openKeypad(words.make_qr, function (amount) {
      // One key per intent: a retry after a dropped answer returns the same code, not a second.
      var key = "qr-" + Date.now() + "-" + Math.random().toString(36).slice(2);
      post("/stall/qr", {amount: amount}, {"Idempotency-Key": key}).then(function (view) {
        showQr(view);
        $("qr-screen").showModal();
        clearInterval(qr.timer);
        qr.timer = setInterval(refreshQr, 5000);       // the event stream is the fast path
      }).catch(function (error) { toast(error.message); });
    });
  });
  $("qr-close").addEventListener("click", function () {
    clearInterval(qr.timer); qr.reference = null; qr.due = null; $("qr-screen").close();
  });

  // ---- today -------------------------------------------------------------------------------
  $("today").addEventListener("click", function () {
    fetch(withLang("/stall/summary"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(function (summary) { showSummary(summary); say(summary.speech); })
      .catch(function () { toast(words.error_retry); });
  });
  // ---- like a speaker: installable, awake, still speaking after the screen was off ------------
  // The service worker lets the board open with no signal (see board-sw.js); signing out forgets it.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/stall/sw.js", {scope: "/stall"}).catch(function () {});
    $("logout").addEventListener("submit", function () {
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("signed-out");
    });
  }
  // The screen stays on while the board is open (Wake Lock where the browser has it). The browser
  // drops the lock whenever the page is hidden, so it is asked for again each time it is shown.
  var wakeLock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") return;
    if (wakeLock && !wakeLock.released) return;
    navigator.wakeLock.request("screen").then(function (lock) { wakeLock = lock; }).catch(function () {});
  }
  keepAwake();
  $("sound").addEventListener("click", keepAwake);     // some browsers grant it only after a tap
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    keepAwake();
    // After the screen was off, mobile browsers may leave speech paused or stuck behind an
    // utterance that never ended: clear it and resume, so the next payment is heard.
    if (soundOn && "speechSynthesis" in window) { speechSynthesis.cancel(); speechSynthesis.resume(); }
  });

  setInterval(function () {                            // cash typed on another device, the date turning
    fetch(withLang("/stall/summary"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; }).then(function (s) { if (s) showSummary(s); })
      .catch(function () {});
  }, 60000);
})();
