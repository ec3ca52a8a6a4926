from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from improvement_tracker.extensions import db
from improvement_tracker.models._types import utcnow


class FormSubmission(db.Model):
    """A form's one-time token, claimed by the write it made: the same form sent again (a double
    click, Back and submit) finds its token taken and is shown the first result instead."""

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Where the first submission led (a page of this service), once it is known.
    result_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
