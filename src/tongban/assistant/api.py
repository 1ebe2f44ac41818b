"""JSON route of the assistant: POST /api/v1/assistant/ask (thin; the rule is `assistant.service.ask`)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tongban.assistant import service
from tongban.assistant.schemas import AnswerOut, AskIn
from tongban.web.deps import Db, Hub, Now

router = APIRouter(tags=["assistant"])


def to_out(answer: service.Answer) -> AnswerOut:
    return AnswerOut.model_validate(asdict(answer))


@router.post("/api/v1/assistant/ask", response_model=AnswerOut, summary="智能问答：识别事项和所问信息，答案取自已发布的办事指南")
def ask(body: AskIn, db: Db, clock: Now, hub: Hub) -> AnswerOut:
    answer = service.ask(db_session=db, clock=clock, hub=hub, question=body.question, region=body.region,
                         channel=body.channel, context=body.context)
    db.commit()
    return to_out(answer)
