"""The public JSON API of ratings: rate a service (signed link or signed in), rate a guide, my ratings, the addendum,
and the answer to a rectification's feedback (/api/v1/ratings)."""

from __future__ import annotations

from fastapi import APIRouter

from tongban.ratings import presenters, rectification, service
from tongban.ratings.schemas import AddendumIn, RatingCreate, RatingList, RatingOut, SatisfiedIn
from tongban.web.deps import Db, Id, MaybeMe, Me, Now

router = APIRouter(prefix="/api/v1/ratings", tags=["ratings"])


@router.post("", response_model=RatingOut, status_code=201, summary="评价一项服务（一次服务一次评价）")
def create(body: RatingCreate, db: Db, clock: Now, me: MaybeMe) -> RatingOut:
    rating_in = service.RatingIn(level=body.level, dimensions=body.dimensions, comment=body.comment, channel=body.channel)
    row = service.submit(db_session=db, clock=clock, person=me, token=body.token, kind=body.subject_kind,
                         subject_id=body.subject_id, rating_in=rating_in)
    db.commit()
    return presenters.person_view(db, clock, row)


@router.get("/mine", response_model=RatingList, summary="我的评价及差评整改反馈")
def mine(db: Db, clock: Now, me: Me) -> RatingList:
    return RatingList(items=[presenters.person_view(db, clock, r) for r in service.mine(db_session=db, person=me)])


@router.post("/{rating_id}/addendum", response_model=RatingOut, summary="追加评价（一次）")
def addendum(rating_id: Id, body: AddendumIn, db: Db, clock: Now, me: Me) -> RatingOut:
    row = service.add_addendum(db_session=db, clock=clock, person=me, rating_id=rating_id, text=body.text)
    db.commit()
    return presenters.person_view(db, clock, row)


@router.post("/{rating_id}/satisfied", response_model=RatingOut, summary="对差评整改结果是否满意")
def satisfied(rating_id: Id, body: SatisfiedIn, db: Db, clock: Now, me: Me) -> RatingOut:
    rectification.answer(db_session=db, clock=clock, person=me, rating_id=rating_id, satisfied=body.satisfied)
    db.commit()
    return presenters.person_view(db, clock, service.for_person(db_session=db, person=me, rating_id=rating_id))
