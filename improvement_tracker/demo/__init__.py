"""Demo and generated data: tools the command line runs, not domain services.

``seed-demo`` plays the five pathfinder forces' hand-written plans through the services
(``pathfinders``, with what they say in ``content`` and ``notes`` and when it happens in
``timeline``); ``demo generate`` writes every force's plan in bulk for load tests and
benchmarks (``national`` and its ``national_*`` phases). Neither commits on its own: the
command owns the transaction, and hands the generator a checkpoint to commit at between its
phases.
"""
