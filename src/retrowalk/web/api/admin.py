"""Account management for admins (no health data here)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from retrowalk.services import accounts
from retrowalk.services.inputs import PasswordSetIn, UserCreateIn, UserUpdateIn
from retrowalk.services.views import UserView
from retrowalk.web.api.common import RecordId
from retrowalk.web.security import ActorDep, LoginLimiter, RuntimeDep

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/users")
def list_users(rt: RuntimeDep, actor: ActorDep) -> list[UserView]:
    return accounts.list_users(rt, actor)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreateIn, rt: RuntimeDep, actor: ActorDep) -> UserView:
    """Create a patient, clinician or admin account."""
    return accounts.create_user(rt, actor, body.email, body.password, body.display_name, body.role)


@router.patch("/users/{user_id}")
def update_user(user_id: RecordId, body: UserUpdateIn, rt: RuntimeDep, actor: ActorDep) -> UserView:
    """Activate or deactivate an account (deactivating signs it out everywhere)."""
    return accounts.set_active(rt, actor, user_id, body.is_active)


@router.put("/users/{user_id}/password")
def set_password(
    user_id: RecordId, body: PasswordSetIn, request: Request, rt: RuntimeDep, actor: ActorDep
) -> UserView:
    """Give an account a new password (it forgot its own; retrowalk sends no email). Every
    login of that account ends. Not for the admin's own account: use ``POST /me/password``."""
    changed = accounts.set_password(rt, actor, user_id, body.new_password)
    limiter: LoginLimiter = request.app.state.login_limiter
    limiter.forget(changed.email)  # the person may sign in with it at once
    return changed
