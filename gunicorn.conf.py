"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threaded workers (gthread): a request waiting on PostgreSQL leaves the worker free to serve
another, and connections are kept alive between a browser's (or proxy's) requests. Size with
WEB_CONCURRENCY (processes, about one per core) and GUNICORN_THREADS (threads per process);
each thread may hold one database connection, so workers × threads must stay within the
pool PostgreSQL allows this service.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A large import is checked and written within one request; give it room, then give up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
backlog = 2048
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The client address as the proxy saw it is handled by the app (TRUST_PROXY), not here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
