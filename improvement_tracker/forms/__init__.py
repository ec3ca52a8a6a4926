"""WTForms classes rendered with the GOV.UK Frontend widgets."""
