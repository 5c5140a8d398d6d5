"""The audit log page: who changed what and when, with the before and after, newest first."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard.access import StaffDep
from bot.dashboard.rendering import TEMPLATES, render
from bot.routes.deps import SessionDep
from ledger.staff.audit import audit_trail

router = APIRouter()

SHOWN = 200


def snapshot(value: dict[str, Any] | None) -> str:
    """A before/after as short text: ``balance=3500000, student=KJA-001``."""
    if not value:
        return ""
    return ", ".join(f"{key}={json.dumps(item, ensure_ascii=False)}" for key, item in sorted(value.items()))


TEMPLATES.env.filters["snapshot"] = snapshot


@router.get("/dashboard/audit")
def audit_page(request: Request, staff: StaffDep, session: SessionDep) -> Response:
    context = {"staff": staff, "page": "audit", "rows": audit_trail(session, staff.school_id, limit=SHOWN)}
    return render(request, "audit.html", context)
