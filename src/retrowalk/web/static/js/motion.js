/* retrowalk motion recorder: the phone's own accelerometer and gyroscope during a guided session.
 *
 * With the person's consent (a checkbox on the session page), the page listens to the browser's
 * DeviceMotionEvent while the session runs and keeps, per event, the time and the acceleration
 * including gravity (m/s²) and the rotation rate (converted from deg/s to rad/s; W3C
 * DeviceMotionEvent: alpha is about the screen's z axis, beta about x, gamma about y).
 *
 * The samples are kept on the device (IndexedDB, in chunks of a few seconds, tagged with the
 * signed-in account and the session's Idempotency-Key), so a session continued after a reload
 * or a discarded tab stays measured (the reload's gap is filled by the reader and reported),
 * and a session the outbox sends later, from any page, still gets its recording. When the
 * outbox reports the session stored (`retrowalk:sent`, with the stored session's id), this
 * script sends the samples as a retrowalk CSV to that session's recordings endpoint, where the
 * gait analysis measures backward and forward minutes and steps (the planned forward warm-up is
 * the direction reference), and then deletes them: the server keeps the analysis, not the
 * recording. A send that fails for the network (or a 5xx, 401/403, 429) is retried on the next
 * page load and when the browser is back online; an answer the service will never accept
 * (another 4xx) drops the samples. Samples never sent are dropped after KEEP_DAYS. Without
 * IndexedDB (some private modes) the samples live in this page only, as before.
 *
 * Every outcome is announced as a `retrowalk:motion` event ({key, state, view | message}) for
 * the session page to show.
 *
 * iOS asks for permission (DeviceMotionEvent.requestPermission), which must come from a tap:
 * start() and resumeRecording() are called from button handlers. A device without a motion
 * sensor sends no events (or events without values); status() then says so and nothing is sent.
 */
(function () {
  "use strict";

  var DEG_TO_RAD = Math.PI / 180;
  var WIDTH = 7;            // t_s, acc x y z (m/s²), gyr x y z (rad/s; NaN when not reported)
  var CHUNK_SAMPLES = 250;  // samples per stored chunk: about 5 s at 50 Hz
  var MIN_DURATION_S = 10;  // shorter recordings are not sent (nothing to measure)
  var KEEP_DAYS = 14;
  var DB_NAME = "retrowalk-motion";
  var NOT_ALLOWED = "Motion sensor access was not allowed, so this session is not measured.";

  /* The recording of the running session: its key, the rows not yet stored (all of them when
     IndexedDB is unavailable) and what is known about the stored part. */
  var current = null;
  var listening = false;
  var problem = "";
  var writes = Promise.resolve();
  var dbPromise = null;
  var sending = {};

  function me() {
    var el = document.querySelector('meta[name="retrowalk-user"]');
    return el ? el.getAttribute("content") : "";
  }

  function supported() {
    return typeof window.DeviceMotionEvent !== "undefined";
  }

  /* ---- storage ---- */
  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve) {
      var request;
      try {
        request = window.indexedDB.open(DB_NAME, 1);
      } catch (e) {
        resolve(null);
        return;
      }
      request.onupgradeneeded = function () {
        request.result.createObjectStore("recordings", { keyPath: "key" });
        request.result.createObjectStore("chunks", { keyPath: ["key", "seq"] });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { resolve(null); };
      request.onblocked = function () { resolve(null); };
    });
    return dbPromise;
  }

  /* Run work(recordings, chunks, out) in one transaction; resolves to out.value once it is
     committed, or to null when there is no database or the transaction failed. */
  function transact(mode, work) {
    return openDb().then(function (db) {
      if (!db) return null;
      return new Promise(function (resolve) {
        var out = { value: true };
        var tx;
        try {
          tx = db.transaction(["recordings", "chunks"], mode);
          work(tx.objectStore("recordings"), tx.objectStore("chunks"), out);
        } catch (e) {
          resolve(null);
          return;
        }
        tx.oncomplete = function () { resolve(out.value); };
        tx.onerror = function () { resolve(null); };
        tx.onabort = function () { resolve(null); };
      });
    });
  }

  function chunkRange(key) {
    return IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]);
  }

  function readRecord(key) {
    return transact("readonly", function (recordings, chunks, out) {
      out.value = null;
      recordings.get(key).onsuccess = function (e) { out.value = e.target.result || null; };
    });
  }

  /* The stored record and its samples (rows of WIDTH numbers, oldest first). */
  function readAll(key) {
    return transact("readonly", function (recordings, chunks, out) {
      out.value = null;
      recordings.get(key).onsuccess = function (e) {
        var record = e.target.result;
        if (!record) return;
        chunks.getAll(chunkRange(key)).onsuccess = function (c) {
          var flat = [];
          c.target.result.forEach(function (chunk) {
            for (var i = 0; i < chunk.rows.length; i++) flat.push(chunk.rows[i]);
          });
          out.value = { record: record, flat: flat };
        };
      };
    });
  }

  function remove(key) {
    return transact("readwrite", function (recordings, chunks) {
      recordings.delete(key);
      chunks.delete(chunkRange(key));
    });
  }

  function allRecords() {
    return transact("readonly", function (recordings, chunks, out) {
      out.value = [];
      recordings.getAll().onsuccess = function (e) { out.value = e.target.result; };
    }).then(function (records) { return records || []; });
  }

  function updateRecord(key, change) {
    return transact("readwrite", function (recordings) {
      recordings.get(key).onsuccess = function (e) {
        var record = e.target.result;
        if (!record) return;
        change(record);
        recordings.put(record);
      };
    });
  }

  /* Store the rows gathered so far as the next chunk (in order: writes are chained). */
  function storeTail() {
    if (!current || !current.stored || current.tail.length === 0) return writes;
    var rec = current;
    var rows = new Float64Array(rec.tail);
    rec.tail = [];
    var seq = rec.nextSeq;
    rec.nextSeq += 1;
    writes = writes.then(function () {
      return transact("readwrite", function (recordings, chunks) {
        chunks.put({ key: rec.key, seq: seq, rows: rows });
        recordings.get(rec.key).onsuccess = function (e) {
          var record = e.target.result;
          if (!record) return;
          record.nextSeq = seq + 1;
          record.count = rec.count;
          record.lastT = rec.lastT;
          record.withGyroscope = rec.withGyroscope;
          record.updatedAtMs = Date.now();
          recordings.put(record);
        };
      });
    });
    return writes;
  }

  /* ---- recording ---- */
  function eventEpochMs(event) {
    /* DOMHighResTimeStamp since the page's time origin (older browsers: epoch ms) */
    var stamp = event.timeStamp;
    return stamp > 1e12 ? stamp : window.performance.timeOrigin + stamp;
  }

  function onMotion(event) {
    var rec = current;
    var a = event.accelerationIncludingGravity;
    /* not ready: a continued session's stored start is still being read (its time base) */
    if (!rec || !rec.ready || !a || a.x === null || a.y === null || a.z === null) return;
    var t = (eventEpochMs(event) - rec.originMs) / 1000;
    if (rec.count > 0 && !(t > rec.lastT)) return;  // a clock step backwards: keep time monotonic
    if (rec.count === 0 && t < 0) t = 0;
    var r = event.rotationRate;
    var hasRate = Boolean(r && r.alpha !== null && r.beta !== null && r.gamma !== null);
    if (!hasRate) rec.withGyroscope = false;
    rec.tail.push(
      t, a.x, a.y, a.z,
      hasRate ? r.beta * DEG_TO_RAD : NaN,
      hasRate ? r.gamma * DEG_TO_RAD : NaN,
      hasRate ? r.alpha * DEG_TO_RAD : NaN
    );
    rec.count += 1;
    rec.lastT = t;
    if (rec.tail.length >= CHUNK_SAMPLES * WIDTH) storeTail();
  }

  function listen() {
    if (listening) return;
    listening = true;
    window.addEventListener("devicemotion", onMotion);
  }

  /* Ask for the sensor (iOS: only from a tap). Resolves to "" when allowed, or the reason. */
  function permission() {
    if (!supported()) return Promise.resolve("This browser gives no access to the motion sensor.");
    var ask = window.DeviceMotionEvent.requestPermission;
    if (typeof ask !== "function") return Promise.resolve("");
    return ask.call(window.DeviceMotionEvent).then(function (answer) {
      return answer === "granted" ? "" : NOT_ALLOWED;
    }, function () { return NOT_ALLOWED; });
  }

  function begin(rec, keepListening) {
    current = rec;
    if (!keepListening) {
      rec.stopped = true;
      return Promise.resolve("");
    }
    return permission().then(function (why) {
      if (current !== rec) return why;
      problem = why;
      if (!why && !rec.stopped) listen();
      return why;
    });
  }

  function newRecording(key, logUrl) {
    return {
      key: key, logUrl: logUrl, originMs: Date.now(), tail: [], nextSeq: 0, count: 0, lastT: 0,
      withGyroscope: true, stored: false, stopped: false, ready: true,
    };
  }

  /* Start recording the session with this Idempotency-Key, whose log is posted to logUrl (from
     a tap). Resolves to "" when listening, or the reason it cannot. */
  function start(key, logUrl) {
    stop();
    var rec = newRecording(key, logUrl);
    var asked = begin(rec, true);  // in the tap itself, before anything asynchronous
    writes = writes.then(function () {
      return transact("readwrite", function (recordings, chunks) {
        chunks.delete(chunkRange(key));
        recordings.put({
          key: key, user: me(), logUrl: logUrl, originMs: rec.originMs, nextSeq: 0, count: 0,
          lastT: 0, withGyroscope: true, sessionId: null, createdAtMs: Date.now(),
          updatedAtMs: Date.now(),
        });
      }).then(function (ok) {
        rec.stored = ok === true;
      });
    });
    return asked.then(function (why) {
      if (why) discard(key);  // not allowed: nothing is recorded, nothing kept
      return why;
    });
  }

  /* Take up the recording of a session continued after a reload (from a tap): what was stored
     on the device stays and, with keepListening, new samples follow it in time (a session that
     had already ended only waits to be sent). Resolves to "" when all is well, or why not. */
  function resumeRecording(key, logUrl, keepListening) {
    stop();
    var rec = newRecording(key, logUrl);
    rec.ready = false;  // samples wait for the stored start: their times continue from it
    var asked = begin(rec, keepListening);
    writes = writes.then(function () {
      return readRecord(key).then(function (record) {
        if (record && record.user === me()) {
          rec.originMs = record.originMs;
          rec.nextSeq = record.nextSeq;
          rec.count = record.count;
          rec.lastT = record.lastT;
          rec.withGyroscope = record.withGyroscope;
          rec.stored = true;
        }
        rec.ready = true;
      });
    });
    return asked.then(function (why) {
      return writes.then(function () {
        return rec.stored || why ? why : "The recording from before could not be found on this device; measuring from now.";
      });
    });
  }

  /* Listen again after stop(), keeping what was recorded (a mistaken "Stop early" taken back). */
  function resume() {
    if (problem || !current) return;
    current.stopped = false;
    listen();
  }

  function stop() {
    if (current) current.stopped = true;
    if (listening) window.removeEventListener("devicemotion", onMotion);
    listening = false;
    storeTail();
  }

  /* Forget a session's recording (the person started again instead of continuing). */
  function discard(key) {
    if (current && current.key === key) {
      stop();
      current = null;
    }
    writes = writes.then(function () { return remove(key); });
    return writes;
  }

  function durationS() {
    return current ? current.lastT : 0;
  }

  /* Rows (flat, WIDTH per sample) as a retrowalk CSV: time_s, acc_*_m_s2 and, when every
     sample had one, the rotation rate as gyr_*_rad_s. */
  function csvOf(flat, withGyroscope) {
    var header = "time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2";
    if (withGyroscope) header += ",gyr_x_rad_s,gyr_y_rad_s,gyr_z_rad_s";
    var width = withGyroscope ? WIDTH : 4;
    var lines = [header];
    for (var i = 0; i + WIDTH <= flat.length; i += WIDTH) {
      var cells = [flat[i].toFixed(4)];
      for (var k = 1; k < width; k++) cells.push(String(Math.round(flat[i + k] * 1e5) / 1e5));
      lines.push(cells.join(","));
    }
    return lines.join("\n") + "\n";
  }

  function status() {
    if (problem) return problem;
    var count = current ? current.count : 0;
    if (listening && count === 0) return "Waiting for the motion sensor…";
    if (!listening && count === 0) return "This device's motion sensor sent nothing, so this session is not measured.";
    return "";
  }

  /* ---- sending ---- */
  function announce(key, state, extra) {
    var detail = { key: key, state: state };
    Object.keys(extra || {}).forEach(function (k) { detail[k] = extra[k]; });
    document.dispatchEvent(new CustomEvent("retrowalk:motion", { detail: detail }));
  }

  /* The samples of a session: stored ones plus, for the running page's recording, the rows not
     stored (all of them without IndexedDB). */
  function samplesOf(key) {
    return writes.then(function () { return readAll(key); }).then(function (stored) {
      var rec = current && current.key === key ? current : null;
      if (!stored && !rec) return null;
      var flat = stored ? stored.flat : [];
      if (rec) for (var i = 0; i < rec.tail.length; i++) flat.push(rec.tail[i]);
      var record = stored ? stored.record : null;
      var withGyroscope = rec ? rec.withGyroscope : record.withGyroscope;
      if (record && record.user !== me()) return null;
      return {
        flat: flat, withGyroscope: withGyroscope,
        logUrl: record ? record.logUrl : rec.logUrl,
      };
    });
  }

  function csrfHeaders() {
    var headers = {};
    var header = document.querySelector('meta[name="csrf-header"]');
    var token = document.querySelector('meta[name="csrf-token"]');
    if (header && token) headers[header.getAttribute("content")] = token.getAttribute("content");
    return headers;
  }

  function dropSent(key) {
    if (current && current.key === key) current = null;
    return remove(key);
  }

  function post(key, sessionId, samples) {
    var url = samples.logUrl + "/" + sessionId + "/recordings";
    var data = new FormData();
    data.append("file", new Blob([csvOf(samples.flat, samples.withGyroscope)], { type: "text/csv" }),
      "phone-motion.csv");
    return fetch(url, {
      method: "POST", credentials: "same-origin", headers: csrfHeaders(), body: data,
    }).then(function (reply) {
      return reply.json().catch(function () { return null; }).then(function (body) {
        if (reply.ok && body) {
          return dropSent(key).then(function () { announce(key, "measured", { view: body }); });
        }
        var transient = reply.status >= 500 || reply.status === 401 || reply.status === 403 ||
          reply.status === 408 || reply.status === 429;
        if (transient) {
          announce(key, "waiting", { message: "the service answered " + reply.status });
          return null;
        }
        var why = body && body.error && body.error.message ? body.error.message : "the service answered " + reply.status;
        return dropSent(key).then(function () { announce(key, "failed", { message: why }); });
      });
    }, function () {
      announce(key, "waiting", { message: "offline" });
    });
  }

  /* Send a session's recording to the stored session (its id from the service's answer), at
     most once at a time per key in this tab (and across tabs where Web Locks exist). */
  function send(key, sessionId) {
    if (sending[key]) return sending[key];
    var work = function () {
      return samplesOf(key).then(function (samples) {
        if (!samples) return null;
        if (samples.flat.length === 0 || samples.flat[samples.flat.length - WIDTH] < MIN_DURATION_S) {
          var why = status() || "The phone recorded too little movement to measure.";
          return dropSent(key).then(function () { announce(key, "nothing", { message: why }); });
        }
        announce(key, "measuring");
        return updateRecord(key, function (record) { record.sessionId = sessionId; })
          .then(function () { return post(key, sessionId, samples); });
      });
    };
    var run = navigator.locks && navigator.locks.request
      ? navigator.locks.request("retrowalk-motion-" + key, work)
      : work();
    sending[key] = Promise.resolve(run).then(function () { delete sending[key]; }, function () {
      delete sending[key];
    });
    return sending[key];
  }

  /* Recordings whose session is stored but not sent yet (this account), and old ones dropped. */
  function sendWaiting() {
    return allRecords().then(function (records) {
      var oldest = Date.now() - KEEP_DAYS * 24 * 3600 * 1000;
      records.forEach(function (record) {
        if (record.updatedAtMs < oldest) {
          remove(record.key);
        } else if (record.user === me() && record.sessionId !== null &&
                   !(current && current.key === record.key && listening)) {
          send(record.key, record.sessionId);
        }
      });
    });
  }

  document.addEventListener("retrowalk:sent", function (e) {
    var session = e.detail.response && e.detail.response.session;
    if (!session || typeof session.id !== "number") return;
    if (current && current.key === e.detail.key) stop();
    send(e.detail.key, session.id);
  });
  window.addEventListener("online", sendWaiting);
  /* the last seconds are stored too when the page is left, reloaded or hidden mid-session */
  window.addEventListener("pagehide", function () { storeTail(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") storeTail();
  });
  if (me()) document.addEventListener("DOMContentLoaded", sendWaiting);

  window.retrowalkMotion = {
    supported: supported, start: start, resumeRecording: resumeRecording, resume: resume,
    stop: stop, discard: discard, status: status, durationS: durationS,
    count: function () { return current ? current.count : 0; },
  };
})();
