# workspace: lending/routers.py
# feedback: never awaited
# feedback: `await`
# reads the new member's id from an un-awaited coroutine
from fastapi import APIRouter, Request, Response, status

from lending.deps import MemberServiceDep
from lending.models import Member
from lending.schemas import MemberCreate, MemberRead, MemberUpdate

members = APIRouter(prefix="/members", tags=["members"])


@members.post("", status_code=status.HTTP_201_CREATED, response_model=MemberRead)
async def register_member(
    data: MemberCreate, service: MemberServiceDep, request: Request, response: Response
) -> Member:
    member = service.register(data)
    response.headers["Location"] = str(request.url_for("get_member", member_id=member.id))
    return member


@members.get("/{member_id}", response_model=MemberRead)
async def get_member(member_id: int, service: MemberServiceDep) -> Member:
    return await service.get(member_id)


@members.patch("/{member_id}", response_model=MemberRead)
async def update_member(member_id: int, changes: MemberUpdate, service: MemberServiceDep) -> Member:
    return await service.update(member_id, changes)
