/* Keeps the part of a page marked data-live current (the desk, the waiting-room screen).
 *
 * Every few seconds (data-every, in ms) it fetches the part again (data-live is its address) and swaps
 * it in when its digest (data-version) changed; when the page's layout changed (a session opened or
 * closed), the page is reloaded instead. It never follows a redirect: a session that ended (the login
 * page) or a link no longer valid shows the page's own message and stops asking. A lost connection slows
 * the asking down to every 30 seconds and says so until it is back. Without script the page works as it
 * is, on reload.
 */
(() => {
  "use strict";
  const region = document.querySelector("[data-live]");
  if (!region) {
    return;
  }
  const EVERY = Number(region.dataset.every) || 2000;
  const SLOWEST = 30000;
  const problem = document.getElementById("live-problem");
  let delay = EVERY;

  function show(reason) {
    if (!problem) {
      return;
    }
    for (const part of problem.querySelectorAll("[data-reason]")) {
      part.hidden = part.dataset.reason !== reason;
    }
    problem.hidden = reason === null;
  }

  function swap(html) {
    const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
    if (!fresh) {
      return false;
    }
    if (fresh.dataset.layout !== region.dataset.layout) {
      window.location.reload();
      return true;
    }
    if (fresh.dataset.version === region.dataset.version) {
      return true;
    }
    const focused = region.contains(document.activeElement) ? document.activeElement.id : "";
    region.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
    region.dataset.version = fresh.dataset.version;
    region.dataset.calls = fresh.dataset.calls || "";
    if (focused && document.getElementById(focused)) {
      document.getElementById(focused).focus();
    }
    region.dispatchEvent(new CustomEvent("live-update"));
    return true;
  }

  async function poll() {
    let again = true;
    try {
      const response = await fetch(region.dataset.live, {
        credentials: "same-origin", redirect: "manual", cache: "no-store", headers: {"Accept": "text/html"},
      });
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        show("expired");
        again = false;
      } else if (response.status === 404) {
        show("gone");
        again = false;
      } else if (response.ok && swap(await response.text())) {
        show(null);
        delay = EVERY;
      } else {
        show("offline");
        delay = Math.min(delay * 2, SLOWEST);
      }
    } catch (error) {
      show("offline");
      delay = Math.min(delay * 2, SLOWEST);
    }
    if (again) {
      window.setTimeout(poll, delay);
    }
  }

  window.setTimeout(poll, EVERY);
})();
