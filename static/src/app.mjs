// Starts GOV.UK Frontend's components. Loaded as a module, so no inline script is needed.
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
