// Long texts survive a session that ended while they were being typed. Progressive enhancement:
// without this file nothing else changes.
//
// While a person types into a text area, its text is kept in this tab's sessionStorage (gone when
// the tab closes, and cleared on signing out). When a form is sent its drafts are marked "sent":
// - the next page is an ordinary page: the form reached the server (saved, or shown again with
//   the text by the server itself), so its drafts are dropped;
// - the next page is the sign-in (the session had ended): they wait there ("pending"), and once
//   the person is signed in again they are brought back to the page the form was on (the
//   server's next=) and the text is put back into the field it came from, with a notice.
(() => {
  "use strict";
  const KEY = "confidentiality.drafts";
  const store = window.sessionStorage;
  const read = () => {
    try {
      return JSON.parse(store.getItem(KEY) || "{}");
    } catch (error) {
      return {};
    }
  };
  const write = (drafts) => {
    if (Object.keys(drafts).length) store.setItem(KEY, JSON.stringify(drafts));
    else store.removeItem(KEY);
  };
  // A field is known by the page it is on, its form's action, the step the form takes (a concern's
  // forms share one action) and its name.
  const keyOf = (field) => {
    const form = field.form;
    const step = form.querySelector("input[type=hidden][name=step]");
    return [location.pathname, form.getAttribute("action") || "", step ? step.value : "", field.name].join("|");
  };
  const fields = () =>
    Array.from(document.querySelectorAll("form[method=post] textarea[name]")).filter((field) => field.form);

  const path = location.pathname;
  const drafts = read();
  if (path.startsWith("/accounts/logout")) {
    store.removeItem(KEY);
    return;
  }
  if (path.startsWith("/accounts/")) {
    // Signing in: what was sent when the session had ended waits for the page it came from.
    for (const draft of Object.values(drafts)) if (draft.state === "sent") draft.state = "pending";
    write(drafts);
    return;
  }
  let restored = 0;
  for (const field of fields()) {
    const draft = drafts[keyOf(field)];
    if (draft && draft.state === "pending" && !field.value.trim()) {
      field.value = draft.text;
      restored += 1;
    }
  }
  for (const [key, draft] of Object.entries(drafts)) {
    if (draft.state !== "typing") delete drafts[key];
  }
  write(drafts);
  if (restored) {
    const notice = document.createElement("p");
    notice.className = "callout callout--warn";
    notice.setAttribute("role", "status");
    notice.id = "draft-restored";
    notice.textContent =
      "You were signed out before your text was saved. It is back in the form below: check it, then send it again.";
    const main = document.querySelector("main") || document.body;
    main.insertBefore(notice, main.firstChild);
  }
  for (const field of fields()) {
    field.addEventListener("input", () => {
      const current = read();
      if (field.value.trim()) current[keyOf(field)] = { state: "typing", text: field.value };
      else delete current[keyOf(field)];
      write(current);
    });
  }
  document.addEventListener("submit", (event) => {
    const current = read();
    for (const field of fields()) {
      if (field.form !== event.target) continue;
      if (field.value.trim()) current[keyOf(field)] = { state: "sent", text: field.value };
    }
    write(current);
  });
})();
