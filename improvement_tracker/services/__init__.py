"""The domain. Services take plain arguments and a session and never touch the request.

Each write function adds its changes and its audit event to the session and leaves the
commit to the caller, so one user action is one transaction.
"""
