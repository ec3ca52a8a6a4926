"""Generated evidence: a real file in the configured storage for each upload the history decided,
accepted for finished work, waiting for review when sign-off is asked for, now and then rejected.

The files are small text files, stored as an upload would be, so the evidence pages and
downloads work on generated data.
"""

from __future__ import annotations

import io
from datetime import timedelta

from improvement_tracker.demo.national_history import EvidenceItem
from improvement_tracker.demo.national_rows import Generation, insert_rows
from improvement_tracker.models import Evidence
from improvement_tracker.services.storage import Storage


def write_evidence(gen: Generation, items: list[EvidenceItem], storage: Storage, max_upload: int) -> None:
    """Store a small real file for each item and insert its row, with the upload and review events."""
    rows = []
    for (state, offset), plan in items:
        action = plan.row
        name = f"{action['reference']} evidence {len(rows) + 1}.txt"
        content = (f"Evidence for {action['reference']}: {action['title']}\n"
                   f"Generated file {len(rows) + 1} (seed {gen.seed}).\n").encode()
        staged = storage.stage(io.BytesIO(content), max_upload)
        key = storage.commit(staged)
        uploaded = gen.moment(max(offset, plan.created + 1))
        reviewed = uploaded + timedelta(days=1) if state != "submitted" else None
        rows.append({
            "force_id": action["force_id"], "action_id": plan.id, "milestone_id": None,
            "uploaded_by_id": plan.owner, "uploaded_at": uploaded, "original_filename": name,
            "storage_key": key, "file_type": "txt", "content_type": "text/plain", "size_bytes": staged.size,
            "sha256": staged.sha256, "description": "Minutes and dip-sample results.", "scan_state": "not_scanned",
            "review_state": state, "review_reason": "The file does not show the success measure."
            if state == "rejected" else None, "reviewed_by_id": plan.pm if reviewed else None,
            "reviewed_at": reviewed})
    ids = insert_rows(gen.session, Evidence, rows, ids=True)
    for row, evidence_id in zip(rows, ids, strict=True):
        gen.event(row["uploaded_by_id"], "evidence.uploaded", "evidence", evidence_id, row["uploaded_at"],
                  force_id=row["force_id"], action_id=row["action_id"],
                  summary=f"Uploaded evidence {row['original_filename']}",
                  changes={"file": [None, row["original_filename"]], "sha256": [None, row["sha256"]]})
        if row["reviewed_at"]:
            gen.event(row["reviewed_by_id"], f"evidence.{row['review_state']}", "evidence", evidence_id,
                      row["reviewed_at"], force_id=row["force_id"], action_id=row["action_id"],
                      summary=f"Reviewed evidence {row['original_filename']}",
                      changes={"review_state": ["submitted", row["review_state"]]})

