"""Two writers and a reader on their own connections: no page is kept without a committed change.

The race the explicit version closes (services.plan_version): writer A changes the plan and has
not committed; writer B changes it and commits; a reader works the page out (it cannot see A's
change yet) and keeps it. When A commits, the next reader must not be given that kept page.
With the newest audit event's id as the version it was: A's id was taken before B's, so after
A commits the newest id is still B's and the kept page, without A's change, was served for
minutes. PostgreSQL only: SQLite lets one writer at a time, so the interleaving cannot happen.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from improvement_tracker.extensions import db
from improvement_tracker.models import Action, User
from improvement_tracker.services import plan_version, plans
from tests import factories


def _rename(session: Session, action_id: int, title: str, actor_id: int) -> None:
    action = session.get(Action, action_id)
    plans.update_action(session, action, plans.ActionFields(
        reference=action.reference, title=title, pillar_id=action.pillar_id, owner_id=action.owner_id,
        priority=action.priority), actor=session.get(User, actor_id))
    session.flush()


def test_a_writer_that_commits_after_a_later_one_is_not_lost_from_kept_pages(app, client_request):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has one writer at a time, so writes cannot interleave")
    pm = factories.create_user("programme_manager")
    owner = factories.create_user("action_owner")
    first = factories.create_action(owner, reference="AS-1", title="First action")
    second = factories.create_action(owner, reference="AS-2", title="Second action")
    force_id = first.force_id
    client_request.login(pm)
    plan_page = "/forces/avon-and-somerset"
    before = plan_version.force_version(db.session, force_id)
    db.session.commit()

    with Session(db.engine) as writer_a, Session(db.engine) as writer_b:
        _rename(writer_a, first.id, "Changed by A", pm.id)    # written, not committed
        _rename(writer_b, second.id, "Changed by B", pm.id)
        writer_b.commit()

        seen = client_request.get(plan_page).get_text()       # the reader keeps what it worked out
        assert "Changed by B" in seen and "Changed by A" not in seen
        assert "Changed by B" in client_request.get(plan_page).get_text()  # kept: served again

        writer_a.commit()

    seen = client_request.get(plan_page).get_text()
    assert "Changed by A" in seen and "Changed by B" in seen
    assert plan_version.force_version(db.session, force_id) == before + 2
