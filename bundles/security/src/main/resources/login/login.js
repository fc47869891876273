// The browser login: the token goes once to POST /login as a Bearer header; the answer sets an
// HttpOnly session cookie, so no script of the gateway's pages ever holds the token again.
"use strict";

/** Where to go after logging in: a path of this gateway only (never another site). */
function next() {
  const wanted = new URLSearchParams(location.search).get("next") || "/";
  return /^\/(?![\/\\])/.test(wanted) ? wanted : "/";
}

function show(element, visible) {
  document.getElementById(element).hidden = !visible;
}

async function current() {
  const answer = await fetch("/login/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
  // 200 with via "none" when logged out: the page asks without knowing, and that is no error
  if (!answer.ok) return null;
  const session = await answer.json();
  return session.via === "session" ? session : null;
}

async function login(event) {
  event.preventDefault();
  const problem = document.getElementById("problem");
  const button = document.getElementById("submit");
  problem.textContent = "";
  button.disabled = true;
  try {
    const token = document.getElementById("token").value.trim();
    const answer = await fetch("/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { Authorization: "Bearer " + token, Accept: "application/json" },
    });
    if (answer.ok) {
      location.replace(next());
      return;
    }
    let reason = answer.status + " " + answer.statusText;
    try {
      reason = (await answer.json()).error || reason;
    } catch (notJson) {
      // keep the status line
    }
    problem.textContent = reason;
  } catch (failure) {
    problem.textContent = "the gateway did not answer: " + failure.message;
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  const session = await current();
  if (session) {
    await fetch("/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session.csrf } });
  }
  show("current", false);
  show("form", true);
}

document.addEventListener("DOMContentLoaded", async () => {
  document.getElementById("form").addEventListener("submit", login);
  document.getElementById("logout").addEventListener("click", logout);
  document.getElementById("continue").addEventListener("click", () => location.replace(next()));
  const session = await current().catch(() => null);
  if (session) {
    document.getElementById("name").textContent = session.token;
    document.getElementById("scope").textContent = session.scope;
    show("form", false);
    show("current", true);
  }
});
