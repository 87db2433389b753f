/* retrowalk guided session.
 *
 * Reads the planned session (phases: forward warm-up, backward blocks with forward recovery
 * between them, forward cool-down) from <script id="session-plan" type="application/json">,
 * then runs it: a large countdown, the current instruction, a progress bar, spoken cues (Web
 * Speech API, can be muted), vibration at each change, safety reminders during backward walking,
 * the screen kept on (Screen Wake Lock), pause / resume / stop early, and an "I lost my balance /
 * I fell" button that ends the session and records the safety event.
 *
 * The finished session goes through window.retrowalkOutbox (outbox.js) with an Idempotency-Key
 * made when the session starts, so it is kept in the browser while offline and stored once.
 *
 * When the person ticks "Measure my walking", window.retrowalkMotion (motion.js) records the
 * phone's motion sensor from Start to the end, on the device; once the service has stored the
 * session, motion.js sends the samples to that session's recordings endpoint (also when the
 * outbox sends the session later from another page) and this page shows the measured backward
 * and forward minutes. A session continued after a reload goes on recording where it was.
 *
 * Tests (and demonstrations) can make time run fast with ?speed=N (1..600): N simulated
 * seconds pass per real second. Logged minutes are the simulated ones.
 */
(function () {
  "use strict";

  var planEl = document.getElementById("session-plan");
  if (!planEl) return;
  var plan = JSON.parse(planEl.textContent);
  var root = document.getElementById("guided-session");

  var speed = Number(new URLSearchParams(window.location.search).get("speed") || "1");
  if (!isFinite(speed) || speed < 1) speed = 1;
  if (speed > 600) speed = 600;

  var REMINDER_EVERY_S = 45;
  var WARN_BEFORE_END_S = 10;
  var MUTE_KEY = "retrowalk.muted";
  var MEASURE_KEY = "retrowalk.measure-motion";

  function $(sel) { return root.querySelector(sel); }
  function show(name) {
    ["before", "running", "end", "done"].forEach(function (n) {
      $("[data-step=" + n + "]").hidden = n !== name;
    });
    /* The layout compacts while the timer runs (no navigation, smaller title), so the
       countdown and every control, above all the fall button, fit on a phone's screen. */
    document.body.setAttribute("data-session-step", name);
    var heading = $("[data-step=" + name + "] h2");
    /* Start at the top of the page: the Start button sat lower down, and the running
       timer is laid out to fit the screen from the top. */
    window.scrollTo(0, 0);
    if (heading) heading.focus({ preventScroll: true });
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fmt(seconds) {
    var s = Math.max(0, Math.ceil(seconds));
    var m = Math.floor(s / 60);
    return m + ":" + String(s % 60).padStart(2, "0");
  }

  function radioValue(form, name) {
    var el = form.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : null;
  }

  /* ---- cues ---- */
  var muted = window.localStorage.getItem(MUTE_KEY) === "1";
  function renderMute() {
    var b = $("[data-action=mute]");
    b.setAttribute("aria-pressed", muted ? "true" : "false");
    /* the state is seen, not only announced: a remembered "muted" must not go unnoticed */
    b.textContent = muted ? "Voice muted (tap to turn on)" : "Mute voice";
  }
  function speak(text) {
    if (muted || !("speechSynthesis" in window)) return;
    try {
      window.speechSynthesis.cancel();
      var u = new SpeechSynthesisUtterance(text);
      u.rate = 0.95;
      window.speechSynthesis.speak(u);
    } catch (e) { /* speech is a help, never a requirement */ }
  }
  function vibrate(pattern) {
    if (navigator.vibrate) {
      try { navigator.vibrate(pattern); } catch (e) { /* unsupported */ }
    }
  }

  var wakeLock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") return;
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      /* the browser lets go of the lock when the page is hidden: forget it then, so it is
         requested again when the page is back (visibilitychange below) */
      lock.addEventListener("release", function () { if (wakeLock === lock) wakeLock = null; });
      $("[data-wakelock]").textContent = "The screen will stay on during the session.";
    }, function () {
      $("[data-wakelock]").textContent = "Your browser may turn the screen off: tap it now and then.";
    });
  }
  function letSleep() {
    if (wakeLock) { wakeLock.release().catch(function () {}); wakeLock = null; }
  }

  /* ---- state ---- */
  var phases = plan.phases;
  var totalS = phases.reduce(function (t, p) { return t + p.duration_s; }, 0);
  /* Set once the end form went into the outbox: a second submit (a double tap, Enter, a
     script) must not queue the session again with new times under the same key. */
  var savedOnce = false;

  var state = {
    key: null,
    startedAtMs: 0,
    painBefore: null,
    phaseIndex: 0,
    phaseElapsedS: 0,
    doneS: [],          // simulated seconds spent in each phase
    running: false,
    finished: false,
    lastTickMs: 0,
    lastReminderS: 0,
    reminderIndex: 0,
    warned: false,
    endReason: "completed", // completed | stopped_early | fall_or_balance
    resumeAt: null,     // where a session ended by the person stood (undo a mistaken tap)
    measuring: false,   // the phone's motion sensor is recorded (motion.js)
  };
  var interval = null;

  /* ---- an unfinished session survives a reload or a discarded tab ---- */
  var ACTIVE_KEY = "retrowalk.active-session.v1";
  var MAX_RESUME_MS = 6 * 3600 * 1000;
  var planId = plan.log_url + "#" + (plan.log_fields || {}).planned_session_number;
  var lastPersistMs = 0;

  function persist() {
    if (!state.key) return;
    lastPersistMs = Date.now();
    try {
      window.localStorage.setItem(ACTIVE_KEY, JSON.stringify({
        planId: planId,
        key: state.key,
        startedAtMs: state.startedAtMs,
        painBefore: state.painBefore,
        phaseIndex: state.phaseIndex,
        phaseElapsedS: state.phaseElapsedS,
        doneS: state.doneS,
        finished: state.finished,
        endReason: state.endReason,
        measuring: state.measuring,
        savedAtMs: lastPersistMs,
      }));
    } catch (e) { /* storage full or blocked: the session still runs */ }
  }

  function forget() {
    window.localStorage.removeItem(ACTIVE_KEY);
  }

  function saved() {
    try {
      var rec = JSON.parse(window.localStorage.getItem(ACTIVE_KEY) || "null");
      if (rec && rec.planId === planId && Date.now() - rec.savedAtMs < MAX_RESUME_MS &&
          Array.isArray(rec.doneS) && rec.phaseIndex < phases.length) return rec;
    } catch (e) { /* unreadable: ignore */ }
    return null;
  }

  function phaseText(p) {
    return p.title + " — " + fmt(p.duration_s);
  }

  function enterPhase(i, quiet) {
    state.phaseIndex = i;
    state.phaseElapsedS = 0;
    state.lastReminderS = 0;
    state.warned = false;
    var p = phases[i];
    root.setAttribute("data-direction", p.direction);
    $("[data-phase-name]").textContent = p.title;
    $("[data-phase-count]").textContent = "Part " + (i + 1) + " of " + phases.length;
    $("[data-instruction]").textContent = p.instruction;
    $("[data-reminder]").textContent = "";
    var next = phases[i + 1];
    $("[data-next]").textContent = next ? "Next: " + phaseText(next) : "Next: finished";
    if (!quiet) {
      speak(p.title + ". " + p.instruction);
      vibrate(p.direction === "backward" ? [300, 150, 300] : [300]);
    }
    persist();
  }

  function elapsedTotalS() {
    return state.doneS.reduce(function (t, s) { return t + s; }, 0) + state.phaseElapsedS;
  }

  function render() {
    var p = phases[state.phaseIndex];
    $("[data-countdown]").textContent = fmt(p.duration_s - state.phaseElapsedS);
    var bar = $("[data-progress]");
    bar.max = totalS;
    bar.value = Math.min(totalS, elapsedTotalS());
    bar.textContent = Math.round((100 * bar.value) / totalS) + "%";
    $("[data-progress-text]").textContent = fmt(elapsedTotalS()) + " of " + fmt(totalS) + " done";
  }

  function tick() {
    if (!state.running) return;
    var now = performance.now();
    var dt = ((now - state.lastTickMs) / 1000) * speed;
    state.lastTickMs = now;
    if (Date.now() - lastPersistMs > 1000) persist();
    while (dt > 0 && state.running) {
      var p = phases[state.phaseIndex];
      var left = p.duration_s - state.phaseElapsedS;
      var step = Math.min(dt, left);
      state.phaseElapsedS += step;
      dt -= step;
      cuesFor(p);
      if (state.phaseElapsedS >= p.duration_s - 1e-9) {
        state.doneS.push(p.duration_s);
        state.phaseElapsedS = 0;
        if (state.phaseIndex + 1 < phases.length) {
          enterPhase(state.phaseIndex + 1);
        } else {
          finish("completed");
          return;
        }
      }
    }
    render();
  }

  function cuesFor(p) {
    var left = p.duration_s - state.phaseElapsedS;
    if (!state.warned && left <= WARN_BEFORE_END_S && p.duration_s > 2 * WARN_BEFORE_END_S) {
      state.warned = true;
      var next = phases[state.phaseIndex + 1];
      var msg = next ? "10 seconds. Then: " + next.title + "." : "10 seconds left.";
      $("[data-reminder]").textContent = msg;
      speak(msg);
      vibrate([100]);
    }
    if (p.direction === "backward" && p.reminders && p.reminders.length &&
        state.phaseElapsedS - state.lastReminderS >= REMINDER_EVERY_S && left > WARN_BEFORE_END_S) {
      state.lastReminderS = state.phaseElapsedS;
      var text = p.reminders[state.reminderIndex % p.reminders.length];
      state.reminderIndex += 1;
      $("[data-reminder]").textContent = text;
      speak(text);
      vibrate([80]);
    }
  }

  function start(event) {
    event.preventDefault();
    var form = event.target;
    var pain = radioValue(form, "pain_before");
    /* the problem next to the question (it was below the form, off a phone's screen) */
    if (fieldError(form, "pain_before", pain === null
        ? "Choose how much your back hurts now (0 to 10)." : "")) {
      form.querySelector('input[name="pain_before"]').focus();
      return;
    }
    state.key = uuid();
    state.painBefore = Number(pain);
    state.startedAtMs = Date.now();
    state.doneS = [];
    state.finished = false;
    startMeasuring(form);
    show("running");
    enterPhase(0);
    state.running = true;
    state.lastTickMs = performance.now();
    interval = window.setInterval(tick, 200);
    keepAwake();
    render();
    persist();
  }

  function showPaused(paused) {
    var b = $("[data-action=pause]");
    b.textContent = paused ? "Resume" : "Pause";
    b.setAttribute("aria-pressed", paused ? "true" : "false");
    $("[data-reminder]").textContent = paused
      ? "Paused. Stand still and hold on to something steady if you need to." : "";
  }

  function continueSaved(rec) {
    state.key = rec.key;
    state.startedAtMs = rec.startedAtMs;
    state.painBefore = rec.painBefore;
    state.doneS = rec.doneS.slice(0, rec.phaseIndex);
    state.finished = false;
    state.running = false;
    $("[data-resume]").hidden = true;
    continueMeasuring(rec);
    if (rec.finished) {
      state.doneS = rec.doneS.slice();
      state.phaseIndex = phases.length - 1;
      state.phaseElapsedS = 0;
      finish(rec.endReason);
      state.resumeAt = null; /* where it stood is not known after a reload */
      $("[data-undo-end]").hidden = true;
      return;
    }
    backToRunning(rec.phaseIndex, rec.phaseElapsedS);
  }

  /* The running screen again, paused at this point of the session (a saved session continued,
     or a mistaken end taken back): the person taps Resume when ready. */
  function backToRunning(phaseIndex, phaseElapsedS) {
    show("running");
    /* paused: no "walk backward" cue now (Resume gives it), and the reminders and the
       10-second warning count from here, not from the part's start */
    enterPhase(phaseIndex, true);
    state.phaseElapsedS = phaseElapsedS;
    state.lastReminderS = phaseElapsedS;
    state.warned = phases[phaseIndex].duration_s - phaseElapsedS <= WARN_BEFORE_END_S;
    showPaused(true);
    speak("Paused. Tap Resume when you are ready.");
    interval = window.setInterval(tick, 200);
    keepAwake();
    render();
  }

  function pause() {
    if (state.finished) return;
    if (state.running) {
      tick();
      if (state.finished) return;
      state.running = false;
      showPaused(true);
      speak("Paused.");
    } else {
      state.running = true;
      state.lastTickMs = performance.now();
      showPaused(false);
      speak("Resuming. " + phases[state.phaseIndex].instruction);
    }
    persist();
  }

  function finish(reason) {
    if (state.finished) return;
    /* Stopped by the person: count the time up to now first (which may itself end the
       session, in which case it ended as completed). */
    if (reason !== "completed" && state.running) tick();
    if (state.finished) return;
    state.finished = true;
    state.running = false;
    if (interval !== null) { window.clearInterval(interval); interval = null; }
    /* Where it stood, so a mistaken tap on "Stop early" or the fall button can be taken back. */
    state.resumeAt = reason === "completed" ? null : {
      phaseIndex: state.phaseIndex, phaseElapsedS: state.phaseElapsedS, doneCount: state.doneS.length,
    };
    if (state.phaseElapsedS > 0 && state.doneS.length < phases.length) {
      state.doneS.push(state.phaseElapsedS);
    }
    state.phaseElapsedS = 0;
    state.endReason = reason;
    $("[data-undo-end]").hidden = state.resumeAt === null;
    letSleep();
    if (state.measuring) window.retrowalkMotion.stop();
    var end = $("[data-step=end]");
    var safety = end.querySelector("[data-safety]");
    safety.hidden = reason !== "fall_or_balance";
    safety.querySelectorAll("input").forEach(function (i) { i.required = reason === "fall_or_balance"; });
    var summary = minutes();
    $("[data-end-summary]").textContent =
      (reason === "completed" ? "Well done, you finished the session. " :
        reason === "stopped_early" ? "You stopped early, and that is fine. " :
          "The session has ended. If you are hurt, call for help now. ") +
      "Backward walking: " + summary.backward_min + " min, forward walking: " + summary.forward_min + " min.";
    show("end");
    persist();
    speak(reason === "fall_or_balance" ? "Session ended. If you are hurt, call for help." : "Session finished.");
    vibrate([400]);
  }

  /* "I pressed it by mistake": back to the running session, paused where it stood (the person
     taps Resume when ready). Only before the end form is saved. */
  function undoEnd() {
    var at = state.resumeAt;
    if (!state.finished || savedOnce || !at) return;
    state.resumeAt = null;
    state.finished = false;
    state.running = false;
    state.endReason = "completed";
    state.doneS = state.doneS.slice(0, at.doneCount);
    if (state.measuring) window.retrowalkMotion.resume();
    var end = $("[data-step=end]");
    end.querySelectorAll("[data-safety] input").forEach(function (i) {
      i.checked = false;
      i.required = false;
    });
    backToRunning(at.phaseIndex, at.phaseElapsedS);
    persist();
    speak("Session continues. Paused. Tap Resume when you are ready.");
  }

  function minutes() {
    var backward = 0;
    var forward = 0;
    state.doneS.forEach(function (s, i) {
      if (phases[i].direction === "backward") backward += s; else forward += s;
    });
    return {
      backward_min: Math.round((backward / 60) * 10) / 10,
      forward_min: Math.round((forward / 60) * 10) / 10,
    };
  }

  /* Show (or clear) the problem next to a radio group, linked to the group for screen
     readers; true when there is a problem. */
  function fieldError(form, name, text) {
    var slot = form.querySelector('[data-error-for="' + name + '"]');
    if (!slot) return false;
    var group = slot.closest("fieldset");
    slot.textContent = text;
    slot.hidden = !text;
    if (text) {
      group.setAttribute("aria-describedby", slot.id);
      group.setAttribute("aria-invalid", "true");
    } else {
      group.removeAttribute("aria-describedby");
      group.removeAttribute("aria-invalid");
    }
    return Boolean(text);
  }

  function save(event) {
    event.preventDefault();
    if (savedOnce) return;
    var form = event.target;
    var painAfter = radioValue(form, "pain_after");
    var effort = radioValue(form, "effort_cr10");
    var highest = radioValue(form, "pain_max");
    var lowestHighest = Math.max(state.painBefore, painAfter === null ? 0 : Number(painAfter));
    var missing = [
      ["safety_event", state.endReason === "fall_or_balance" && radioValue(form, "safety_event") === null,
        "Choose what happened."],
      ["pain_after", painAfter === null, "Choose how much your back hurts now (0 to 10)."],
      ["pain_max", highest !== null && Number(highest) < lowestHighest,
        "Your highest pain cannot be lower than your pain before the session (" + state.painBefore +
        ") or now (" + (painAfter === null ? "not chosen yet" : painAfter) + "). Choose " +
        lowestHighest + " or more, or leave it out."],
      ["effort_cr10", effort === null, "Choose how hard the session felt (0 to 10)."],
    ];
    var firstInvalid = null;
    missing.forEach(function (m) {
      if (fieldError(form, m[0], m[1] ? m[2] : "") && firstInvalid === null) firstInvalid = m[0];
    });
    if (firstInvalid !== null) {
      $("[data-end-error]").textContent = "Please answer the questions marked above.";
      form.querySelector('input[name="' + firstInvalid + '"]').focus();
      return;
    }
    $("[data-end-error]").textContent = "";
    var m = minutes();
    var activeS = state.doneS.reduce(function (t, s) { return t + s; }, 0);
    /* With ?speed the simulated session is longer than the real one: end now and start
       that many simulated seconds earlier, so the record never lies in the future. */
    var endedMs = Date.now();
    var startedMs = Math.min(state.startedAtMs, endedMs - activeS * 1000);
    var painMax = radioValue(form, "pain_max");
    var safety = state.endReason === "fall_or_balance" ? radioValue(form, "safety_event") : null;
    if (safety === "none") safety = null;
    var result = {
      started_at: new Date(startedMs).toISOString(),
      ended_at: new Date(endedMs).toISOString(),
      backward_min: m.backward_min,
      forward_min: m.forward_min,
      pain_before: state.painBefore,
      pain_max: painMax === null ? null : Number(painMax),
      pain_after: Number(painAfter),
      effort_cr10: Number(effort),
      notes: form.querySelector("[name=notes]").value.trim(),
      safety_event: safety,
    };
    var body = buildBody(result);
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    $("[data-save-status]").textContent = "Saving…";
    savedOnce = true;
    var sending = window.retrowalkOutbox.enqueue(state.key, plan.log_url, body);
    forget();  // the outbox holds it now
    sending.then(function () {
      show("done");
      if (window.retrowalkOutbox.has(state.key)) {
        $("[data-done-status]").textContent = navigator.onLine
          ? "Saved on this device. The service did not answer yet; it will be sent automatically."
          : "You are offline. The session is saved on this device and will be sent when you are back online.";
      } else {
        $("[data-done-status]").textContent = "Saved. Your session is in your progress.";
      }
    });
  }

  /* The service's session-log shape: plan.log_fields names the planned session it belongs to
     and any fixed fields (setting); the rest comes from what happened. */
  function buildBody(r) {
    var body = {};
    Object.keys(plan.log_fields || {}).forEach(function (k) { body[k] = plan.log_fields[k]; });
    body.started_at = r.started_at;
    body.ended_at = r.ended_at;
    body.backward_min = r.backward_min;
    body.forward_min = r.forward_min;
    body.pain_before = r.pain_before;
    body.pain_max = r.pain_max === null ? Math.max(r.pain_before, r.pain_after) : r.pain_max;
    body.pain_after = r.pain_after;
    body.rpe = r.effort_cr10;
    body.notes = (state.endReason === "stopped_early" ? "Stopped early. " : "") + r.notes;
    body.safety_events = r.safety_event ? [r.safety_event] : [];
    return body;
  }

  /* ---- measuring with the phone's motion sensor (motion.js) ---- */
  function startMeasuring(form) {
    var box = form.querySelector("[name=measure_motion]");
    state.measuring = Boolean(box && box.checked && window.retrowalkMotion);
    $("[data-motion-status]").textContent = "";
    if (!state.measuring) return;
    /* called in the Start tap itself: iOS asks for the sensor only from a tap */
    measuringStarted(window.retrowalkMotion.start(state.key, plan.log_url));
  }

  /* A session continued after a reload goes on recording (from the Continue tap), after what
     the device kept; one that had ended only waits for its recording to be sent. */
  function continueMeasuring(rec) {
    state.measuring = Boolean(rec.measuring && window.retrowalkMotion);
    $("[data-motion-status]").textContent = "";
    if (!state.measuring) return;
    var started = window.retrowalkMotion.resumeRecording(rec.key, plan.log_url, !rec.finished);
    if (!rec.finished) measuringStarted(started);
  }

  function measuringStarted(started) {
    started.then(function (problem) {
      if (problem && window.retrowalkMotion.count() === 0) state.measuring = false;
      $("[data-motion-status]").textContent = problem ||
        "Measuring your walking with the phone's motion sensor.";
      if (problem) return;
      /* a browser with the API but no sensor (a laptop) sends no events: say so early */
      window.setTimeout(function () {
        if (state.measuring && !state.finished && window.retrowalkMotion.count() === 0) {
          $("[data-motion-status]").textContent =
            "This device's motion sensor sends nothing, so this session is not measured.";
        }
      }, 5000);
    });
  }

  function motionResult(view) {
    return "Measured by your phone: " + view.backward_min.toFixed(1) + " min walking backward (" +
      view.backward_steps + " steps), " + view.forward_min.toFixed(1) + " min forward (" +
      view.forward_steps + " steps). Details are with the session in My recordings.";
  }

  /* What became of the recording (motion.js sends it once the session is stored). */
  document.addEventListener("retrowalk:motion", function (e) {
    var d = e.detail;
    if (!state.measuring || d.key !== state.key) return;
    var out = $("[data-motion-done]");
    if (d.state === "measuring") out.textContent = "Measuring your walking…";
    else if (d.state === "measured") out.textContent = motionResult(d.view);
    else if (d.state === "nothing") out.textContent = d.message;
    else if (d.state === "failed") {
      out.textContent = "Your session is saved, but the phone's recording could not be measured: " + d.message;
    } else if (d.state === "waiting") {
      out.textContent = "Your session is saved. The phone's recording is kept on this device and " +
        "sent when the service can be reached (when you are back online or open retrowalk again).";
    }
  });

  document.addEventListener("retrowalk:sent", function (e) {
    if (e.detail.key === state.key) {
      $("[data-done-status]").textContent = "Sent. Your session is in your progress.";
    }
  });
  document.addEventListener("retrowalk:failed", function (e) {
    if (e.detail.key === state.key) {
      $("[data-done-status]").textContent = "The service could not save this session: " + e.detail.error;
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (state.running && document.visibilityState === "visible" && wakeLock === null) keepAwake();
  });

  /* ---- wire up ---- */
  $("[data-step=before] form").addEventListener("submit", start);
  $("[data-step=end] form").addEventListener("submit", save);
  $("[data-action=pause]").addEventListener("click", pause);
  $("[data-action=stop]").addEventListener("click", function () { finish("stopped_early"); });
  $("[data-action=fall]").addEventListener("click", function () { finish("fall_or_balance"); });
  $("[data-action=undo-end]").addEventListener("click", undoEnd);
  $("[data-action=mute]").addEventListener("click", function () {
    muted = !muted;
    window.localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
    if (muted && "speechSynthesis" in window) window.speechSynthesis.cancel();
    renderMute();
  });
  renderMute();
  var unfinished = saved();
  if (unfinished) {
    var at = new Date(unfinished.startedAtMs);
    $("[data-resume-text]").textContent = "You have an unfinished session from " +
      at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
      (unfinished.finished ? " that is not saved yet." : ". It continues paused where you left it.");
    $("[data-resume]").hidden = false;
    $("[data-action=resume-saved]").addEventListener("click", function () { continueSaved(unfinished); });
    $("[data-action=discard-saved]").addEventListener("click", function () {
      forget();
      if (window.retrowalkMotion) window.retrowalkMotion.discard(unfinished.key);
      $("[data-resume]").hidden = true;
    });
  }
  if (window.retrowalkMotion && window.retrowalkMotion.supported()) {
    /* the choice is remembered on this device, like Mute voice */
    var measureBox = $("[name=measure_motion]");
    measureBox.checked = window.localStorage.getItem(MEASURE_KEY) === "1";
    measureBox.addEventListener("change", function () {
      window.localStorage.setItem(MEASURE_KEY, measureBox.checked ? "1" : "0");
    });
    $("[data-motion]").hidden = false;
  }
  root.setAttribute("data-ready", "true");
  if (speed !== 1) $("[data-speed]").textContent = "Test mode: time runs " + speed + "× faster.";
})();
