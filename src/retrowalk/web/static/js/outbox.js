/* retrowalk outbox: keeps finished sessions in the browser until the service has them.
 *
 * Each item carries an Idempotency-Key made when the session started; the service stores a
 * session log once per key, so sending an item twice (two tabs, a retry after a lost reply)
 * still creates exactly one record. An item leaves the outbox only when the service answered
 * 2xx. Network errors, 5xx, 401/403 (signed out) and 429 keep it for the next try: on page
 * load, when the browser comes back online, and every 30 s while something is waiting.
 * Other 4xx answers mean the service will never accept it: the item is kept, marked failed,
 * and shown to the user instead of being retried forever.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "retrowalk.outbox.v1";
  var RETRY_MS = 30000;
  var flushing = false;
  var again = false;
  var timer = null;

  function loadAll() {
    try {
      var items = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) {
      return [];
    }
  }

  /* Only the signed-in person's items: on a shared device another account never sends (or
     sees) someone else's sessions; they wait until their owner signs in again. */
  function load() {
    var me = meta("retrowalk-user");
    return loadAll().filter(function (i) { return i.user === me; });
  }

  function save(mine) {
    var me = meta("retrowalk-user");
    var others = loadAll().filter(function (i) { return i.user !== me; });
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(others.concat(mine)));
  }

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : "";
  }

  function announce() {
    var items = load();
    var waiting = items.filter(function (i) { return i.status !== "failed"; }).length;
    var failed = items.length - waiting;
    var text = "";
    if (waiting === 1) text = "1 session is saved on this device and will be sent when you are online.";
    else if (waiting > 1) text = waiting + " sessions are saved on this device and will be sent when you are online.";
    if (failed > 0) text += (text ? " " : "") + failed + " session(s) could not be saved by the service: " +
      items.filter(function (i) { return i.status === "failed"; }).map(function (i) { return i.error; }).join("; ");
    var nodes = document.querySelectorAll("[data-outbox-status]");
    for (var n = 0; n < nodes.length; n++) {
      nodes[n].textContent = text;
      nodes[n].hidden = text === "";
    }
    document.documentElement.setAttribute("data-outbox-waiting", String(waiting));
    if (waiting > 0 && timer === null) {
      timer = window.setInterval(flush, RETRY_MS);
    } else if (waiting === 0 && timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function describe(status, body) {
    if (body && body.error && body.error.message) return body.error.message;
    var detail = body && body.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map(function (d) { return (d.loc || []).join(".") + ": " + d.msg; }).join("; ");
    }
    return "the service answered " + status;
  }

  function sendOne(item) {
    var headers = { "Content-Type": "application/json", "Idempotency-Key": item.key };
    var csrfHeader = meta("csrf-header");
    if (csrfHeader) headers[csrfHeader] = meta("csrf-token");
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: headers,
      body: JSON.stringify(item.body),
    }).then(function (response) {
      if (response.ok) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return { done: true, body: body };
        });
      }
      var transient = response.status >= 500 || response.status === 401 ||
        response.status === 403 || response.status === 408 || response.status === 429;
      if (transient) return { done: false };
      return response.json().catch(function () { return null; }).then(function (body) {
        return { done: false, failed: describe(response.status, body) };
      });
    }, function () {
      return { done: false };
    });
  }

  function flushLocked() {
    var pending = load().filter(function (i) { return i.status !== "failed"; });
    var sent = 0;
    return pending.reduce(function (chain, item) {
      return chain.then(function () {
        return sendOne(item).then(function (result) {
          var items = load();
          if (result.done) {
            items = items.filter(function (i) { return i.key !== item.key; });
            sent += 1;
          } else if (result.failed) {
            items.forEach(function (i) {
              if (i.key === item.key) { i.status = "failed"; i.error = result.failed; }
            });
          }
          save(items);
          if (result.done) {
            /* detail.response: the service's answer (the stored session), for the page that
               queued it (a guided session sends its motion recording to that session) */
            document.dispatchEvent(new CustomEvent("retrowalk:sent", {
              detail: { key: item.key, response: result.body },
            }));
          } else if (result.failed) {
            document.dispatchEvent(new CustomEvent("retrowalk:failed", { detail: { key: item.key, error: result.failed } }));
          }
        });
      });
    }, Promise.resolve()).then(function () { return sent; });
  }

  /* Send everything waiting. Serialised within the tab (flag) and across tabs (Web Locks when
     the browser has them; the Idempotency-Key protects the rest). */
  function flush() {
    if (flushing) {
      again = true;
      return Promise.resolve(0);
    }
    flushing = true;
    again = false;
    var run = navigator.locks && navigator.locks.request
      ? navigator.locks.request("retrowalk-outbox", flushLocked)
      : flushLocked();
    function finish(sent) {
      flushing = false;
      announce();
      if (again) return flush().then(function (more) { return sent + more; });
      return sent;
    }
    return Promise.resolve(run).then(finish, function () { return finish(0); });
  }

  /* Keep an item (url, JSON body, idempotency key) and try to send it now. */
  function enqueue(key, url, body) {
    var items = load().filter(function (i) { return i.key !== key; });
    items.push({
      key: key, url: url, body: body, user: meta("retrowalk-user"),
      status: "pending", queued_at: new Date().toISOString(),
    });
    save(items);
    announce();
    return flush();
  }

  function has(key) {
    return load().some(function (i) { return i.key === key; });
  }

  window.retrowalkOutbox = { enqueue: enqueue, flush: flush, has: has, items: load };
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", function () {
    announce();
    if (load().length > 0) flush();
  });
})();
