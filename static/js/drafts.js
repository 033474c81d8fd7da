// Long texts survive a session that ended while they were being typed. Progressive enhancement:
// without this file nothing else changes.
//
// While a person types into a text area, its text is kept in this tab's sessionStorage, marked
// with who typed it (<body data-person>); it is gone when the tab closes, and when anyone signs
// out. When a form is sent its drafts are marked "sent":
// - the next page is an ordinary page: the form reached the server (saved, or shown again with
//   the text by the server itself), so its drafts are dropped;
// - the next page is the sign-in (the session had ended): they wait there ("pending"), and once
//   the same person is signed in again they are brought back to the page the form was on (the
//   server's next=) and the text is put back into the field it came from, with a notice. Text that
//   has no field to go back to (the form moved on meanwhile) is shown in the notice to copy.
//   Anyone else signing in on the tab never sees it: their pages drop it.
(() => {
  "use strict";
  const KEY = "confidentiality.drafts";
  const store = window.sessionStorage;
  const person = document.body.dataset.person || "";
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
  const signingOut = (form) => /\/accounts\/logout\/?$/.test(new URL(form.action, location.href).pathname);

  // Signing out, from any page: nothing typed stays in the tab.
  document.addEventListener("submit", (event) => {
    if (signingOut(event.target)) store.removeItem(KEY);
  });
  const drafts = read();
  if (location.pathname.startsWith("/accounts/")) {
    // Signing in: what was sent when the session had ended waits for the page it came from.
    for (const draft of Object.values(drafts)) if (draft.state === "sent") draft.state = "pending";
    write(drafts);
    return;
  }
  const restored = [];
  const homeless = [];
  const here = fields();
  for (const [key, draft] of Object.entries(drafts)) {
    if (draft.state !== "pending" || !person || draft.person !== person) continue;
    const field = here.find((candidate) => keyOf(candidate) === key);
    if (field) {
      field.value = draft.text;
      restored.push(field);
    } else if (key.startsWith(location.pathname + "|")) {
      homeless.push(draft.text);
    }
  }
  for (const [key, draft] of Object.entries(drafts)) {
    if (draft.state !== "typing" || draft.person !== person) delete drafts[key];
  }
  write(drafts);
  if (restored.length || homeless.length) {
    const notice = document.createElement("div");
    notice.className = "callout callout--warn";
    notice.setAttribute("role", "status");
    notice.id = "draft-restored";
    const said = document.createElement("p");
    said.textContent = restored.length
      ? "You were signed out before your text was saved. It is back in the form below: check it, then send it again."
      : "You were signed out before your text was saved, and the form has moved on meanwhile. Your text is below: copy it where it belongs.";
    notice.appendChild(said);
    for (const text of homeless) {
      const copy = document.createElement("textarea");
      copy.readOnly = true;
      copy.rows = 4;
      copy.value = text;
      copy.setAttribute("aria-label", "The text you had typed");
      notice.appendChild(copy);
    }
    const main = document.querySelector("main") || document.body;
    main.insertBefore(notice, main.firstChild);
  }
  for (const field of here) {
    field.addEventListener("input", () => {
      const current = read();
      if (field.value.trim()) current[keyOf(field)] = { state: "typing", person, text: field.value };
      else delete current[keyOf(field)];
      write(current);
    });
  }
  document.addEventListener("submit", (event) => {
    const current = read();
    for (const field of here) {
      if (field.form !== event.target) continue;
      if (field.value.trim()) current[keyOf(field)] = { state: "sent", person, text: field.value };
    }
    write(current);
  });
})();
