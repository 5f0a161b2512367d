from __future__ import annotations

from fastapi import APIRouter, Query

from govshare.directory import account_service, service
from govshare.directory.schemas import (
    AgencyCreate,
    AgencyRead,
    ApiClientCreate,
    ApiClientIssuedRead,
    ApiClientRead,
    DivisionRead,
    Me,
    ResponsiblePerson,
    Revocation,
    UserCreate,
    UserRead,
)
from govshare.kit.errors import InvalidInput
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import PageRequest
from govshare.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1", tags=["directory 目录"], route_class=TransactionalRoute)


@router.get("/me", response_model=Me)
def me(actor: CurrentActor):
    """Who the caller is, as the platform sees it."""
    return Me(kind=actor.kind, id=actor.id, name=actor.name, agency_id=actor.agency_id,
              roles=sorted(actor.roles))


@router.get("/divisions", response_model=list[DivisionRead])
def list_divisions(db: DbSession, actor: CurrentActor, parent_code: str | None = None):
    """Administrative divisions (GB/T 2260)."""
    return service.list_divisions(db, actor, parent_code)


@router.get("/agencies", response_model=PageRead[AgencyRead])
def list_agencies(db: DbSession, actor: CurrentActor, q: str = "",
                  division_code: str | None = None, limit: int = Query(50), offset: int = 0):
    """The agency directory."""
    return service.list_agencies(db, actor, PageRequest(limit, offset), q=q,
                                 division_code=division_code)


@router.post("/agencies", response_model=AgencyRead, status_code=201)
def register_agency(body: AgencyCreate, db: DbSession, actor: CurrentActor):
    """Register an agency (IT authority)."""
    return service.register_agency(db, actor, service.AgencyDraft(**body.model_dump()))


@router.get("/agencies/{agency_id}", response_model=AgencyRead)
def get_agency(agency_id: int, db: DbSession, actor: CurrentActor):
    """One agency."""
    return service.get_agency(db, actor, agency_id)


@router.put("/agencies/{agency_id}/responsible-person", response_model=AgencyRead)
def appoint_responsible_person(agency_id: int, body: ResponsiblePerson, db: DbSession,
                               actor: CurrentActor):
    """Name the person responsible for sharing (GZ-29)."""
    try:
        return service.appoint_responsible_person(db, actor, agency_id, body.name,
                                                  body.position, body.phone)
    except InvalidInput as exc:
        # The service names the agency's columns (responsible_name, …); this body calls them
        # name, position, phone. A 422 must name the field the caller sent.
        exc.field = exc.field.removeprefix("responsible_") if exc.field else exc.field
        raise


@router.get("/users", response_model=PageRead[UserRead])
def list_users(db: DbSession, actor: CurrentActor, agency_id: int | None = None,
               limit: int = 50, offset: int = 0):
    """Users of the agencies the caller administers."""
    return account_service.list_users(db, actor, PageRequest(limit, offset), agency_id)


@router.post("/users", response_model=UserRead, status_code=201)
def create_user(body: UserCreate, db: DbSession, actor: CurrentActor):
    """Create a user with roles."""
    draft = account_service.UserDraft(**{**body.model_dump(), "roles": tuple(body.roles)})
    return account_service.create_user(db, actor, draft)


@router.post("/users/{user_id}/deactivate", response_model=UserRead)
def deactivate_user(user_id: int, db: DbSession, actor: CurrentActor):
    """Deactivate a user; their sessions end."""
    return account_service.deactivate_user(db, actor, user_id)


@router.get("/agencies/{agency_id}/api-clients", response_model=list[ApiClientRead])
def list_api_clients(agency_id: int, db: DbSession, actor: CurrentActor):
    """An agency's API clients."""
    return account_service.list_api_clients(db, actor, agency_id)


@router.post("/agencies/{agency_id}/api-clients", response_model=ApiClientIssuedRead,
             status_code=201)
def issue_api_client(agency_id: int, body: ApiClientCreate, db: DbSession, actor: CurrentActor):
    """Issue an API client; the token is in this answer only."""
    issued = account_service.issue_api_client(db, actor, agency_id, body.name,
                                              tuple(body.roles), body.expires_at)
    data = ApiClientRead.model_validate(issued.client).model_dump()
    return ApiClientIssuedRead(**data, token=issued.token)


@router.post("/api-clients/{client_id}/revoke", response_model=ApiClientRead)
def revoke_api_client(client_id: int, body: Revocation, db: DbSession, actor: CurrentActor):
    """Revoke an API client's token."""
    return account_service.revoke_api_client(db, actor, client_id, body.reason)
