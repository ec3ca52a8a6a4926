"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Sync workers, one process per core (WEB_CONCURRENCY), behind a buffering reverse proxy
(nginx or the platform's load balancer) that deals with slow clients and TLS, as gunicorn
recommends. Measured on the national dataset (benchmarks/run.py), sync workers served every
page 25–45% faster than threaded ones: the work is CPU-bound Python, and a threaded worker
that took several kept-alive connections competed with itself for one core while the other
worker idled. GUNICORN_WORKER_CLASS=gthread with GUNICORN_THREADS is there for a deployment
whose database is far away (long waits per query); each thread holds a database connection.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# A large import is checked and written within one request; give it room, then give up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak can never grow without bound (0: never; the
# benchmark measures a worker's peak memory that way, leaks included).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
backlog = 2048
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The client address as the proxy saw it is handled by the app (TRUST_PROXY), not here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
