"""The settings index, and who may change which settings: the head teacher manages staff; the bursar (and
the head) the money settings (terms, fee rules, the school's profile); a clerk reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from bot.dashboard.access import Staff, StaffDep
from bot.dashboard.rendering import render
from ledger.staff.members import Role

router = APIRouter()

SETTINGS_ROLES = frozenset({Role.BURSAR, Role.HEAD})


def may_change_settings(staff: Staff) -> bool:
    return staff.member.role in SETTINGS_ROLES


def may_manage_staff(staff: Staff) -> bool:
    return staff.member.role == Role.HEAD


def refuse_unless_settings(staff: Staff) -> None:
    if not may_change_settings(staff):
        raise HTTPException(
            403, f"Your role ({staff.member.role.value}) cannot change the school's settings."
        )


def refuse_unless_head(staff: Staff) -> None:
    if not may_manage_staff(staff):
        raise HTTPException(403, f"Your role ({staff.member.role.value}) cannot manage staff: the head does.")


def _settings_staff(staff: StaffDep) -> Staff:
    refuse_unless_settings(staff)
    return staff


SettingsStaff = Annotated[Staff, Depends(_settings_staff)]


@router.get("/dashboard/settings")
def settings_page(request: Request, staff: StaffDep) -> Response:
    context = {
        "staff": staff,
        "page": "settings",
        "may_change": may_change_settings(staff),
        "may_manage_staff": may_manage_staff(staff),
    }
    return render(request, "settings.html", context)
