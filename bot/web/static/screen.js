/* The waiting-room screen: a short two-note tone at each new call, once someone has switched the sound on
 * (browsers play sound only after a tap on the page), and a button for full screen.
 * The tone is made here with the Web Audio API: no sound file, nothing loaded from elsewhere.
 */
(() => {
  "use strict";
  const region = document.querySelector("[data-live]");
  const sound = document.getElementById("sound");
  const full = document.getElementById("fullscreen");
  let audio = null;
  let known = new Set((region ? region.dataset.calls : "").split(",").filter(Boolean));

  function ding() {
    if (!audio) {
      return;
    }
    const start = audio.currentTime;
    for (const [pitch, at] of [[880, 0], [660, 0.3]]) {
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = pitch;
      volume.gain.setValueAtTime(0.0001, start + at);
      volume.gain.exponentialRampToValueAtTime(0.5, start + at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, start + at + 0.6);
      tone.connect(volume).connect(audio.destination);
      tone.start(start + at);
      tone.stop(start + at + 0.65);
    }
  }

  if (sound && window.AudioContext) {
    sound.hidden = false;
    sound.addEventListener("click", () => {
      if (audio) {
        audio.close();
        audio = null;
      } else {
        audio = new AudioContext();
        ding();
      }
      sound.setAttribute("aria-pressed", audio ? "true" : "false");
    });
  }
  if (full && document.documentElement.requestFullscreen) {
    full.hidden = false;
    full.addEventListener("click", () => {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else {
        document.documentElement.requestFullscreen();
      }
    });
  }
  if (region) {
    region.addEventListener("live-update", () => {
      const calls = (region.dataset.calls || "").split(",").filter(Boolean);
      if (calls.some((call) => !known.has(call))) {
        ding();
      }
      known = new Set(calls);
    });
  }
})();
