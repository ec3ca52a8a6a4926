"""One GOV.UK error page for every HTTP error, including a refused CSRF token."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from improvement_tracker import security
from improvement_tracker.extensions import db

PAGES = {
    400: ("There is a problem with your request", "The page could not understand what was sent. "
          "Go back and try again."),
    403: ("You do not have permission to do this", "Your role does not allow this. If you think it should, "
          "contact your programme manager or the service administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted the web "
          "address, check you copied the entire address."),
    405: ("There is a problem with your request", "That page cannot be used this way."),
    413: ("The file is too large", "What you sent is larger than the service accepts. Go back and choose "
          "a smaller file."),
    500: ("Sorry, there is a problem with the service", "Try again later. What you entered has not been "
          "saved."),
}


def register(app: Flask) -> None:
    def render(code: int, title: str | None = None, message: str | None = None):
        default_title, default_message = PAGES.get(code, PAGES[500] if code >= 500 else PAGES[400])
        return render_template("error.html", title=title or default_title,
                               message=message or default_message, code=code), code

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render(400, "Your form could not be sent",
                      "This can happen if the page was open for a long time or you signed out in another "
                      "tab. Go back, refresh the page and try again. Nothing was saved.")

    @app.errorhandler(PermissionError)
    def refused(error: PermissionError):
        # A service refusing who the user is (improvement_tracker.security): the 403 page, not a 500.
        db.session.rollback()
        return render(403)

    @app.errorhandler(security.ForYourManagers)
    def for_your_managers(error: security.ForYourManagers):
        # An action owner on a page of their own force that is for its programme managers: a 403 that
        # says so and where their own actions are (security.force_or_404 decides when).
        return render_template("for_your_managers.html", code=403), 403

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code >= 500:
            db.session.rollback()
        return render(code)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error", exc_info=error)
        return render(InternalServerError.code)
