"""Driving a page with the keyboard alone, checking at every stop that focus can be seen.

`tab_to` presses Tab (or Shift+Tab) until the element a locator names (by role and accessible
name, or by label) has focus. At every element focus lands on along the way it checks the
GOV.UK focus indicator is drawn: the focus colour (#ffdd00) in the outline, box shadow or
background of the element (for radios and checkboxes, of the label's ::before, where GOV.UK
Frontend draws it), and the element has a size on screen.
"""

from __future__ import annotations

FOCUS_YELLOW = "rgb(255, 221, 0)"

# Runs with the target element as its argument; describes whatever has focus now.
_FOCUS_STATE = """(target) => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return {matched: false, nothing: true, name: "(the page itself)"};
  }
  const squash = (text) => (text || "").replace(/\\s+/g, " ").trim();
  const labels = el.labels ? Array.from(el.labels).map((l) => l.innerText).join(" ") : "";
  const name = squash(el.getAttribute("aria-label") || labels || el.innerText || el.value
                      || el.getAttribute("name") || "");
  const yellow = "FOCUS_YELLOW";
  const indicators = (node, pseudo) => {
    const s = getComputedStyle(node, pseudo);
    const found = [];
    if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 && s.outlineColor === yellow) {
      found.push(`outline ${s.outlineWidth} ${s.outlineColor}`);
    }
    if (s.boxShadow && s.boxShadow !== "none" && s.boxShadow.includes(yellow)) {
      found.push(`box-shadow ${s.boxShadow}`);
    }
    if (s.backgroundColor === yellow) found.push("yellow background");
    return found;
  };
  let found = indicators(el, null);
  const choice = el.matches("input[type=radio], input[type=checkbox]");
  if (choice && el.labels && el.labels[0]) found = found.concat(indicators(el.labels[0], "::before"));
  const box = (choice && el.labels && el.labels[0] ? el.labels[0] : el).getBoundingClientRect();
  return {
    matched: el === target,
    nothing: false,
    name: `${el.tagName.toLowerCase()}${el.type ? "[" + el.type + "]" : ""} "${name.slice(0, 60)}"`,
    indicators: found,
    sized: box.width > 0 && box.height > 0,
  };
}""".replace("FOCUS_YELLOW", FOCUS_YELLOW)


def focus_state(page, target=None) -> dict:
    """What has focus now and how its focus is shown; `matched` says whether it is `target`."""
    if target is None:
        return page.evaluate(f"({_FOCUS_STATE})(null)")
    return target.evaluate(_FOCUS_STATE)


def assert_focus_visible(state: dict, stops: list[str]) -> None:
    assert state["indicators"] and state["sized"], (
        f"focus is not visible on {state['name']} (indicators: {state['indicators']}, "
        f"has a size: {state['sized']}); tab stops so far: {stops}")


def tab_to(page, target, *, max_tabs: int = 60, backwards: bool = False) -> list[str]:
    """Press Tab (Shift+Tab if `backwards`) until `target` (a locator) has focus.

    Every element focus lands on must show the GOV.UK focus indicator. Returns the stops,
    for messages. Fails if the target is not reached in `max_tabs` presses.
    """
    page.wait_for_load_state()  # GOV.UK Frontend's scripts have run (Space on link-buttons, focus moves)
    key = "Shift+Tab" if backwards else "Tab"
    stops: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press(key)
        state = focus_state(page, target)
        stops.append(state["name"])
        if state["nothing"]:  # focus left the page (past the last element): keep going round
            continue
        assert_focus_visible(state, stops)
        if state["matched"]:
            return stops
    raise AssertionError(f"{target} not reached in {max_tabs} presses of {key}; stops: {stops}")


def type_into(page, target, text: str, **kwargs) -> None:
    """Tab to a field and type into it, as a keyboard user does."""
    tab_to(page, target, **kwargs)
    page.keyboard.type(text)


def intercept_file_choosers(page) -> None:
    """Have Playwright take over file choosers from now on.

    `page.expect_file_chooser()` turns interception on without waiting for it, so a key press
    made straight after can open the (headless, invisible) native chooser instead. Listening
    from the start of a test closes that race.
    """
    page.on("filechooser", lambda chooser: None)
