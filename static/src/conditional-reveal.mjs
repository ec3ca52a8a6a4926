// GOV.UK conditional reveals on radios (`.govuk-radios[data-app-conditional-reveal]`), without
// aria-expanded: GOV.UK Frontend's own radios module sets aria-expanded on each radio, which axe
// refuses (a radio has no expanded state). The markup is GOV.UK's own (govuk-radios__conditional,
// data-aria-controls); this takes those radios away from GOV.UK's module before it starts, points each
// radio at its reveal with aria-controls, and shows a reveal only while its radio is checked.
// Without JavaScript every reveal simply shows (GOV.UK's CSS hides them only when its JS is supported).

const HIDDEN = "govuk-radios__conditional--hidden";

function sync(inputs) {
  for (const input of inputs) {
    const target = document.getElementById(input.getAttribute("aria-controls") || "");
    if (target && target.classList.contains("govuk-radios__conditional")) {
      target.classList.toggle(HIDDEN, !input.checked);
    }
  }
}

export function initConditionalReveals(scope = document) {
  for (const root of scope.querySelectorAll(".govuk-radios[data-app-conditional-reveal]")) {
    root.removeAttribute("data-module"); // so GOV.UK Frontend's initAll leaves these radios alone
    const inputs = [...root.querySelectorAll('input[type="radio"]')];
    for (const input of inputs) {
      const id = input.getAttribute("data-aria-controls");
      if (id && document.getElementById(id)) {
        input.setAttribute("aria-controls", id);
        input.removeAttribute("data-aria-controls");
      }
    }
    const controlled = inputs.filter((input) => input.hasAttribute("aria-controls"));
    // Any radio of the group changes which reveal shows: checking one unchecks the others silently.
    root.addEventListener("change", () => sync(controlled));
    // Back and forward keep the checked radio but may not run the page's scripts again.
    window.addEventListener("pageshow", () => sync(controlled));
    sync(controlled);
  }
}
