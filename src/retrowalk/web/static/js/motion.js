/* retrowalk motion recorder: the phone's own accelerometer and gyroscope during a guided session.
 *
 * With the person's consent (a checkbox on the session page), the page listens to the browser's
 * DeviceMotionEvent while the session runs and keeps, per event, the time and the acceleration
 * including gravity (m/s²) and the rotation rate (converted from deg/s to rad/s; W3C
 * DeviceMotionEvent: alpha is about the screen's z axis, beta about x, gamma about y). When the
 * session has been stored, session.js sends the samples as a retrowalk CSV to the session's
 * recordings endpoint, where the gait analysis measures backward and forward minutes and steps
 * (the planned forward warm-up is the direction reference). The raw samples live only in this
 * page's memory: the server keeps the analysis, not the recording.
 *
 * iOS asks for permission (DeviceMotionEvent.requestPermission), which must come from a tap:
 * start() is called from the Start button's handler. A device without a motion sensor sends no
 * events (or events without values); status() then says so and nothing is sent.
 */
(function () {
  "use strict";

  var DEG_TO_RAD = Math.PI / 180;
  var samples = [];      // [t_s, ax, ay, az, gx, gy, gz] (gyroscope NaN when not reported)
  var withGyroscope = true;
  var listening = false;
  var firstMs = null;
  var problem = "";

  function supported() {
    return typeof window.DeviceMotionEvent !== "undefined";
  }

  function onMotion(event) {
    var a = event.accelerationIncludingGravity;
    if (!a || a.x === null || a.y === null || a.z === null) return;
    var now = event.timeStamp;
    if (firstMs === null) firstMs = now;
    var r = event.rotationRate;
    var hasRate = r && r.alpha !== null && r.beta !== null && r.gamma !== null;
    if (!hasRate) withGyroscope = false;
    samples.push([
      (now - firstMs) / 1000,
      a.x, a.y, a.z,
      hasRate ? r.beta * DEG_TO_RAD : NaN,
      hasRate ? r.gamma * DEG_TO_RAD : NaN,
      hasRate ? r.alpha * DEG_TO_RAD : NaN,
    ]);
  }

  function listen() {
    if (listening) return;
    listening = true;
    window.addEventListener("devicemotion", onMotion);
  }

  /* Start recording (from a tap). Resolves to "" when listening, or the reason it cannot. */
  function start() {
    samples = [];
    withGyroscope = true;
    firstMs = null;
    problem = "";
    if (!supported()) {
      problem = "This browser gives no access to the motion sensor.";
      return Promise.resolve(problem);
    }
    var ask = window.DeviceMotionEvent.requestPermission;
    if (typeof ask === "function") {
      return ask.call(window.DeviceMotionEvent).then(function (answer) {
        if (answer !== "granted") {
          problem = "Motion sensor access was not allowed, so this session is not measured.";
          return problem;
        }
        listen();
        return "";
      }, function () {
        problem = "Motion sensor access was not allowed, so this session is not measured.";
        return problem;
      });
    }
    listen();
    return Promise.resolve("");
  }

  /* Listen again after stop(), keeping what was recorded (a mistaken "Stop early" taken back). */
  function resume() {
    if (!problem) listen();
  }

  function stop() {
    if (listening) window.removeEventListener("devicemotion", onMotion);
    listening = false;
  }

  function durationS() {
    return samples.length > 1 ? samples[samples.length - 1][0] : 0;
  }

  /* The samples as a retrowalk CSV (time_s, acc_*_m_s2 and, when every sample had one, the
     rotation rate as gyr_*_rad_s). */
  function csv() {
    var header = "time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2";
    if (withGyroscope) header += ",gyr_x_rad_s,gyr_y_rad_s,gyr_z_rad_s";
    var width = withGyroscope ? 7 : 4;
    var lines = [header];
    for (var i = 0; i < samples.length; i++) {
      var row = samples[i];
      var cells = [row[0].toFixed(4)];
      for (var k = 1; k < width; k++) cells.push(String(Math.round(row[k] * 1e5) / 1e5));
      lines.push(cells.join(","));
    }
    return lines.join("\n") + "\n";
  }

  function status() {
    if (problem) return problem;
    if (listening && samples.length === 0) return "Waiting for the motion sensor…";
    if (!listening && samples.length === 0) return "This device's motion sensor sent nothing, so this session is not measured.";
    return "";
  }

  window.retrowalkMotion = {
    supported: supported, start: start, resume: resume, stop: stop, csv: csv, status: status,
    count: function () { return samples.length; }, durationS: durationS,
  };
})();
