"""The load benchmark (``run.py``, ``make bench``) and the import benchmark (``import_5000.py``).

A package so that its parts import one another and the tests can use its query counter
(``query_count``); the two scripts put the repository's root on ``sys.path`` themselves.
"""
