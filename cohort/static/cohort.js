// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Suggest the device's own time zone on forms that ask for one. Browsers may report an old name
  // ("Asia/Calcutta"): each zone lists the names it is also known by.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("select[data-detect-timezone]").forEach((select) => {
    const own = [...select.options].find(
      (option) => option.value === zone || (option.dataset.aliases ?? "").split(" ").includes(zone),
    );
    if (zone && own) {
      select.value = own.value;
    }
  });
  document.querySelectorAll("select[data-zone-picker]").forEach(offerZoneSearch);

  // Ask before actions that cannot be undone from the same page: a form's own question, or that of
  // the button sending it (buttons under a reply share one form, each with its own question).
  document.addEventListener("submit", (event) => {
    const question = event.submitter?.dataset.confirm ?? event.target.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Parts of a form that only matter for one choice, e.g. monthly options when a session repeats,
  // or that do not apply to one, e.g. who sees an announcement (everyone).
  // Hidden parts are disabled too, so what they hold is not sent.
  document.querySelectorAll("form [data-shown-when], form [data-hidden-when]").forEach((part) => {
    const shownWhen = part.dataset.shownWhen !== undefined;
    const [name, value] = (shownWhen ? part.dataset.shownWhen : part.dataset.hiddenWhen).split("=");
    const choices = part.closest("form").querySelectorAll(`input[name="${name}"]`);
    const update = () => {
      const chosen = [...choices].some((choice) => choice.checked && choice.value === value);
      part.hidden = shownWhen ? !chosen : chosen;
      part.querySelectorAll("input, select, textarea").forEach((input) => {
        input.disabled = part.hidden;
      });
    };
    choices.forEach((choice) => choice.addEventListener("change", update));
    update();
  });

  // Copy buttons appear only where the browser lets a page copy; the outcome is announced.
  if (navigator.clipboard) {
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      const status = document.getElementById(button.dataset.copyStatus);
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(document.getElementById(button.dataset.copy).value);
          status.textContent = "Copied.";
        } catch {
          status.textContent = "Your browser did not allow copying: select the link and copy it.";
        }
        setTimeout(() => { status.textContent = ""; }, 5000);
      });
    });
  }

  // A form's own key counts as changed, so the browser keeps it, like the text typed, when Back
  // fetches the page again; then sending the form again is seen for what it is (one form, one post).
  document.querySelectorAll("input[data-kept-on-back]").forEach((input) => {
    const key = input.value;
    input.defaultValue = "";
    input.value = key;
  });

  // A print button where the page is meant for paper (the browser's own Print works as well).
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });

  // The text boxes that take Markdown in a cohort are those that offer its members to mention.
  const markdownBoxes = document.querySelectorAll("textarea[data-mentions-url]");
  markdownBoxes.forEach(offerMentions);
  const previewUrl = document.querySelector('meta[name="cohort-preview-url"]')?.content;
  if (previewUrl) {
    markdownBoxes.forEach((box) => offerPreview(box, previewUrl));
  }
  // Kept in this browser alone; signing out clears them with the rest of the site's storage.
  forgetSentDraft();
  new Set([...markdownBoxes].map((box) => box.form).filter(Boolean)).forEach(keepDraft);

  const replies = document.querySelector(".reply-list");
  if (replies) {
    enhanceThread(replies, previewUrl);
  }

  // A click on a shareable link selects it, ready to copy.
  document.querySelectorAll("input.copy-link").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
});

// The thread has one reply form and one thanks form, moved under the reply being answered or
// thanked (without this script, "Reply" and "Thanks" open a page of their own). The moved form is
// named after whom it answers and takes the focus; Cancel puts the focus back on the link.
function enhanceThread(list, previewUrl) {
  const replyTemplate = document.getElementById("reply-template");
  const thanksTemplate = document.getElementById("thanks-template");
  // A reply that could not be sent is already under the reply it answers, with its text.
  let replyForm = list.querySelector("form.inline-reply");
  let thanksForm = null;
  let opener = null;
  if (replyForm) {
    replyForm.querySelector("[data-cancel]").hidden = false;
  }

  const authorOf = (item) => item.querySelector(".byline strong").textContent.trim();

  const answer = (link, item) => {
    const id = item.id.replace("reply-", "");
    const fresh = !replyForm;
    replyForm ??= replyTemplate.content.firstElementChild.cloneNode(true);
    const box = replyForm.elements.body;
    if (!fresh && replyForm.elements.parent_id.value !== id) {
      // An error shown for another reply says nothing about this one; the text typed stays.
      replyForm.querySelectorAll(".error").forEach((error) => error.remove());
      replyForm.querySelector(".field").classList.remove("field-error");
      box.removeAttribute("aria-invalid");
      box.removeAttribute("aria-describedby");
    }
    replyForm.elements.parent_id.value = id;
    box.id = `reply-body-${id}`;
    const label = replyForm.querySelector("label");
    label.htmlFor = box.id;
    label.textContent = `Your reply to ${authorOf(item)}`;
    replyForm.querySelector("[data-cancel]").hidden = false;
    link.closest(".reply-row").after(replyForm);
    if (fresh) {
      offerMentions(box);
      if (previewUrl) offerPreview(box, previewUrl);
      keepDraft(replyForm);
    }
    box.focus();
  };

  const thank = (link, item) => {
    thanksForm ??= thanksTemplate.content.firstElementChild.cloneNode(true);
    thanksForm.action = link.dataset.thank;
    thanksForm.elements.value_id.value = "";
    thanksForm.querySelector("label").textContent = `Thank ${authorOf(item)}`;
    link.closest(".reply-row").after(thanksForm);
    thanksForm.elements.value_id.focus();
  };

  list.addEventListener("click", (event) => {
    const control = event.target.closest("a[data-answer], a[data-thank], button[data-cancel]");
    // A click meant to open the page in a new tab or window is left to the browser.
    if (!control || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (control.matches("[data-cancel]")) {
      control.closest("form").remove();
      opener?.focus();
      return;
    }
    opener = control;
    (control.matches("[data-answer]") ? answer : thank)(control, control.closest("li.reply"));
  });

  // The "⋯" menus close on Escape and on a click elsewhere, like any menu.
  list.addEventListener("keydown", (event) => {
    const menu = event.target.closest("details.reply-menu[open]");
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", (event) => {
    list.querySelectorAll("details.reply-menu[open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
}

// Typing @ and a few letters in a cohort's text box offers its members; picking one writes @handle.
// The box stays an ordinary textbox (arrow keys move through the list, Enter or Tab picks, Escape
// closes); without this script, typing the handle works the same.
const MENTION_BEFORE_CARET = /(?:^|[^\p{L}\p{N}_@./+\\-])@([A-Za-z][A-Za-z0-9_-]{0,29})$/u;
const MENTION_DELAY_MS = 150;

function offerMentions(box) {
  const list = document.createElement("ul");
  list.id = `${box.id}-mentions`;
  list.className = "mention-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Members to mention");
  list.hidden = true;
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  box.after(list, status);
  box.setAttribute("aria-autocomplete", "list");

  let members = [], active = -1, typed = null, timer = null, request = null;

  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    members = [];
    active = -1;
    box.removeAttribute("aria-activedescendant");
    box.removeAttribute("aria-controls");
  };

  const highlight = (index) => {
    active = index;
    [...list.children].forEach((option, at) => option.setAttribute("aria-selected", String(at === index)));
    const option = list.children[index];
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  };

  const pick = (member) => {
    const caret = box.selectionStart;
    const before = box.value.slice(0, caret).replace(/@[A-Za-z0-9_-]*$/, `@${member.handle} `);
    box.value = before + box.value.slice(caret);
    box.setSelectionRange(before.length, before.length);
    close();
    status.textContent = `Mentioned ${member.name}.`;
    box.focus();
  };

  const show = (found) => {
    members = found;
    list.replaceChildren(
      ...found.map((member, at) => {
        const option = document.createElement("li");
        option.id = `${list.id}-${at}`;
        option.setAttribute("role", "option");
        const handle = document.createElement("span");
        handle.className = "muted";
        handle.textContent = `@${member.handle}`;
        option.append(`${member.name} `, handle);
        // Keep the focus in the box: pick on press, before the box would lose it.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(member);
        });
        return option;
      }),
    );
    if (!found.length) {
      close();
      status.textContent = "No member matches.";
      return;
    }
    list.hidden = false;
    box.setAttribute("aria-controls", list.id);
    highlight(0);
    const count = found.length === 1 ? "1 member" : `${found.length} members`;
    status.textContent = `${count} to mention: arrow keys to choose, Enter to pick, Escape to close.`;
  };

  const lookUp = async (query) => {
    request?.abort();
    request = new AbortController();
    const url = new URL(box.dataset.mentionsUrl, window.location.href);
    url.searchParams.set("q", query);
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: request.signal,
      });
      if (!response.ok) throw new Error(String(response.status));
      const found = await response.json();
      if (query === typed) show(found);
    } catch (error) {
      if (error.name !== "AbortError") close();
    }
  };

  box.addEventListener("input", () => {
    const match = MENTION_BEFORE_CARET.exec(box.value.slice(0, box.selectionStart));
    clearTimeout(timer);
    typed = match ? match[1] : null;
    if (!typed) {
      close();
      return;
    }
    timer = setTimeout(() => lookUp(typed), MENTION_DELAY_MS);
  });

  box.addEventListener("keydown", (event) => {
    if (list.hidden || !members.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + members.length) % members.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      pick(members[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      typed = null;
      close();
    }
  });

  box.addEventListener("blur", () => {
    clearTimeout(timer);
    typed = null;
    close();
  });
}

// "Preview" beside a Markdown box shows the text as it will look once saved: the server renders it
// with the same Markdown and sanitiser as the saved text, so what is shown is exactly what peers see.
function offerPreview(box, url) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button small quiet preview-button";
  button.textContent = "Preview";
  const panel = document.createElement("div");
  panel.id = `${box.id}-preview`;
  panel.className = "prose preview";
  panel.hidden = true;
  panel.setAttribute("aria-live", "polite");
  button.setAttribute("aria-controls", panel.id);
  button.setAttribute("aria-expanded", "false");
  box.after(button, panel);

  const hide = () => {
    panel.hidden = true;
    button.textContent = "Preview";
    button.setAttribute("aria-expanded", "false");
  };
  button.addEventListener("click", async () => {
    if (button.getAttribute("aria-expanded") === "true") {
      hide();
      return;
    }
    panel.hidden = false;
    button.textContent = "Hide preview";
    button.setAttribute("aria-expanded", "true");
    if (!box.value.trim()) {
      panel.textContent = "Nothing to preview yet.";
      return;
    }
    panel.textContent = "Preparing the preview…";
    const body = new FormData();
    body.append("text", box.value);
    body.append("csrf_token", box.form?.querySelector('input[name="csrf_token"]')?.value ?? "");
    try {
      const response = await fetch(url, { method: "POST", body, credentials: "same-origin" });
      const answer = await response.json();
      if (answer.html !== undefined) {
        panel.innerHTML = answer.html; // rendered and sanitised by the server, as the saved text is
      } else {
        panel.textContent = answer.error ?? "The preview could not be made. Your text is unchanged.";
      }
    } catch {
      panel.textContent = "The preview could not be made just now. Your text is unchanged.";
    }
  });
  // What was previewed is no longer the text once it changes: hide it rather than show a stale one.
  box.addEventListener("input", () => {
    if (!panel.hidden) {
      hide();
    }
  });
}

// Drafts: what is typed in a form with a Markdown box is kept in this browser as it is typed, for
// this person and this form (and the reply it answers), and offered back when the form is opened
// again after a closed tab or a crash. A draft is forgotten once the page its form led to shows no
// error: a refused or failed send keeps it. Leaving a page with unsent text asks first.
const DRAFT_PREFIX = "cohort-draft:";
const DRAFT_SENT = "cohort-draft-sent";
const DRAFT_DAYS = 30;

function draftStore(kind = "localStorage") {
  try {
    return window[kind];
  } catch {
    return null; // storage turned off: the form works as before
  }
}

// Once the page a form was sent from is replaced by one without a form error, it was saved.
function forgetSentDraft() {
  const store = draftStore();
  const tab = draftStore("sessionStorage");
  const sent = tab?.getItem(DRAFT_SENT);
  if (!store || !sent) return;
  tab.removeItem(DRAFT_SENT);
  if (!document.querySelector(".field-error, .error-summary")) {
    store.removeItem(sent);
  }
}

function keepDraft(form) {
  const store = draftStore();
  const owner = document.querySelector('meta[name="cohort-drafts-for"]')?.content;
  // What the person typed: not the form's hidden bookkeeping (its one-time key, its version).
  const fields = [...form.querySelectorAll('textarea, input[type="text"]')].filter(
    (field) => field.name && !field.hidden && !field.hasAttribute("data-kept-on-back"),
  );
  if (!store || !owner || !fields.length) return;
  const key = () =>
    `${DRAFT_PREFIX}${owner}|${form.getAttribute("action") ?? location.pathname}|${form.elements.parent_id?.value ?? ""}`;
  // A form given back with an error holds text the server did not save.
  const refused = () => form.querySelector(".field-error") !== null;
  let sending = false;

  const changed = () => fields.some((field) => field.value !== field.defaultValue) || (refused() && fields.some((field) => field.value.trim()));
  const save = () => {
    if (!changed()) {
      store.removeItem(key());
      return;
    }
    const values = Object.fromEntries(fields.map((field) => [field.name, field.value]));
    try {
      store.setItem(key(), JSON.stringify({ at: Date.now(), values }));
    } catch {
      // Storage full: the draft is not kept, and the page still asks before it is left.
    }
  };

  let kept = null;
  try {
    kept = JSON.parse(store.getItem(key()) ?? "null");
  } catch {
    store.removeItem(key());
  }
  const fresh = kept && Date.now() - kept.at < DRAFT_DAYS * 86400000;
  if (kept && !fresh) store.removeItem(key());
  const differs = fresh && fields.some((field) => (kept.values[field.name] ?? field.value) !== field.value);
  if (differs) {
    const offer = document.createElement("div");
    offer.className = "draft-offer";
    offer.setAttribute("role", "status");
    const when = new Date(kept.at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    const text = document.createElement("p");
    text.textContent = `You have unsent text here from ${when}.`;
    const restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button small primary";
    restore.textContent = "Restore it";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button small quiet";
    discard.textContent = "Discard it";
    offer.append(text, restore, " ", discard);
    form.prepend(offer);
    restore.addEventListener("click", () => {
      fields.forEach((field) => {
        if (kept.values[field.name] !== undefined) field.value = kept.values[field.name];
      });
      offer.remove();
      fields.find((field) => field.tagName === "TEXTAREA")?.focus();
    });
    discard.addEventListener("click", () => {
      store.removeItem(key());
      offer.remove();
    });
  }

  let timer = null;
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 300);
  });
  form.addEventListener("submit", () => {
    sending = true;
    clearTimeout(timer);
    save();
    draftStore("sessionStorage")?.setItem(DRAFT_SENT, key());
  });
  window.addEventListener("beforeunload", (event) => {
    // A form put away (Cancel under a reply) asks nothing; its text waits in the draft.
    if (!sending && form.isConnected && changed()) {
      save();
      event.preventDefault();
      event.returnValue = ""; // the browser shows its own "Leave the page?" question
    }
  });
}

// A box above a time-zone list that narrows it to the zones whose city, country, offset or former
// names hold what is typed ("oslo", "india", "+05:30"); the list itself stays the form's field.
function offerZoneSearch(select) {
  const search = document.createElement("input");
  search.type = "search";
  search.id = `${select.id}-search`;
  search.className = "zone-search";
  search.placeholder = "Find a city, country or UTC offset";
  search.setAttribute("aria-label", "Find a time zone");
  search.setAttribute("aria-controls", select.id);
  search.autocomplete = "off";
  const status = document.createElement("p");
  status.className = "hint";
  status.setAttribute("role", "status");
  select.before(search);
  select.after(status);
  const words = (text) => text.toLowerCase().replaceAll("_", " ").replaceAll("−", "-");
  const options = [...select.options].map((option) => ({
    option,
    text: words(`${option.label} ${option.value} ${option.dataset.aliases ?? ""}`),
  }));
  search.addEventListener("input", () => {
    const wanted = words(search.value.trim());
    let shown = 0;
    options.forEach(({ option, text }) => {
      option.hidden = wanted !== "" && !text.includes(wanted);
      shown += option.hidden ? 0 : 1;
    });
    select.querySelectorAll("optgroup").forEach((group) => {
      group.hidden = [...group.children].every((option) => option.hidden);
    });
    if (select.selectedOptions[0]?.hidden) {
      const first = options.find(({ option }) => !option.hidden);
      if (first) select.value = first.option.value;
    }
    status.textContent = wanted === "" ? "" : shown === 0 ? "No time zone matches." : `${shown} time zone${shown === 1 ? "" : "s"} match; the first is chosen.`;
  });
  // Enter in the box picks the first match rather than sending the form.
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      select.focus();
    }
  });
}
