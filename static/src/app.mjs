// Starts GOV.UK Frontend's components. Loaded as a module, so no inline script is needed.
import { initAll } from "./govuk/govuk-frontend.min.js";
import { initConditionalReveals } from "./conditional-reveal.mjs";

initConditionalReveals(); // first: it takes its radios away from GOV.UK's radios module
initAll();
