"""The attack suite: what a curious or malicious user would try, one module per kind of attack.

Each test asserts what the attacker would notice (a 404, a refused form, an inert page, a cell
that stays text), and that nothing was written when something was refused. Routes are taken from
the app's url_map, so a new route that no case covers fails a test.

| module                       | attack                                                        |
|------------------------------|---------------------------------------------------------------|
| test_cross_force_ids.py      | another force's ids in URLs, query strings and form fields    |
| test_csrf.py                 | every POST without a token, with a wrong one, another session's |
| test_open_redirect.py        | ``next`` after sign-in pointing off the site                  |
| test_stored_xss.py           | script and event-handler payloads in every free-text field    |
| test_formula_injection.py    | spreadsheet formulas in every CSV and XLSX download           |
| test_sessions.py             | fixation, cookie flags, throttling, ending sessions           |
| test_headers.py              | security headers on every response, HSTS only over HTTPS      |
| test_static_checks.py        | the dependency audit fails on a known vulnerability           |
| test_commitments_attacks.py  | national commitments: publishing twice, force roles, odd input |

The whole-matrix check of every route × role × own/other force is tests/views/test_access_matrix.py;
this suite adds what it does not cover and checks that its policy holds for every id-taking route.
"""
