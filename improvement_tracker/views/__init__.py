"""One blueprint per area. Views are thin: parse, authorise, call a service, render."""
