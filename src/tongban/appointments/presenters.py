"""What pages and the API show of halls, bookings and tickets, built once for both (同源)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import identity, persons
from tongban.appointments import bookings, halls, messages, queue
from tongban.appointments.enums import AppointmentStatus, HallKind, SessionDays, HomeVisitReason, HomeVisitStatus, TicketSource, TicketStatus
from tongban.appointments.models import Appointment, Hall, HallSession, HomeVisit, KioskDevice, QueueTicket, Window, WindowGroup
from tongban.appointments.schemas import (
    AppointmentOut, DirectoryRow, GroupOut, HallOut, HomeVisitOut, KioskDeviceOut, MaterialLine, QueueGroupOut, QueueOut, SessionOut,
    TicketOut,
)
from tongban.catalog import service as catalog
from tongban.catalog.enums import HandlingForm
from tongban.core.clock import Clock

NO_RATING = "暂无评价"
FORM_LABELS = {"original": "原件", "copy": "复印件", "electronic": "电子件"}


def hall_out(*, db_session: Session, clock: Clock, hall: Hall, waiting: int | None = None,
             distance_km: float | None = None) -> HallOut:
    out = hall_outs(db_session=db_session, clock=clock, rows=[hall], distances={hall.id: distance_km})[0]
    return out if waiting is None else out.model_copy(update={"waiting": waiting})


def _by_hall(db_session: Session, model, hall_ids: list[int], *order) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for row in db_session.scalars(select(model).where(model.hall_id.in_(hall_ids)).order_by(*order)):
        found[row.hall_id].append(row)
    return found


def _sessions_by_hall(db_session: Session, hall_ids: list[int]) -> dict[int, list[HallSession]]:
    order = {d.value: i for i, d in enumerate(SessionDays)}
    found = _by_hall(db_session, HallSession, hall_ids, HallSession.id)
    return {h: sorted(rows, key=lambda s: (order[s.days], s.start_minute)) for h, rows in found.items()}


def hall_outs(*, db_session: Session, clock: Clock, rows: list[Hall], distances: dict[int, float | None] | None = None) -> list[HallOut]:
    """Many halls in a fixed number of queries, whatever their number (the list, the nearest, the map)."""
    ids = [h.id for h in rows]
    if not ids:
        return []
    sessions = _sessions_by_hall(db_session, ids)
    groups = _by_hall(db_session, WindowGroup, ids, WindowGroup.sort, WindowGroup.id)
    # remote help desks (远程帮办) are booked from a help ticket, not as a hall visit
    groups = {hall_id: [g for g in found if not g.remote_help] for hall_id, found in groups.items()}
    windows = _by_hall(db_session, Window, ids, Window.number)
    items = halls.items_of_groups(db_session=db_session, group_ids=[g.id for gs in groups.values() for g in gs])
    per_group = queue.group_waiting_counts_of(db_session=db_session, clock=clock, hall_ids=ids)
    distances = distances or {}
    outs = [_hall_out(h, sessions.get(h.id, []), groups.get(h.id, []), windows.get(h.id, []), items, per_group,
                      distances.get(h.id)) for h in rows]
    from tongban.ratings.aggregates import hall_ratings  # the halls' satisfaction from their ratings (RATE-06)

    rated = hall_ratings(db_session=db_session, hall_ids=ids)
    return [o.model_copy(update={"rating": rated[o.id][0], "rating_label": rated[o.id][1]}) if o.id in rated else o
            for o in outs]


def _hall_out(hall: Hall, sessions: list[HallSession], groups: list[WindowGroup], windows: list[Window],
              items: dict[int, list], per_group: dict[int, int], distance_km: float | None) -> HallOut:
    all_items: dict[int, dict] = {}
    for group in groups:
        for item in items[group.id]:
            online = item.handling_form in (HandlingForm.online.value, HandlingForm.both.value)
            all_items.setdefault(item.id, {"id": item.id, "name": item.name, "group_id": group.id,
                                           "guide_url": f"/items/{item.id}",
                                           "prereview_url": f"/items/{item.id}/apply" if online and item.status == "active" else "",
                                           "booking_url": f"/halls/{hall.id}/book?group={group.id}&item={item.id}"})
    return HallOut(
        id=hall.id, code=hall.code, name=hall.name, kind=hall.kind, kind_label=HallKind(hall.kind).label, level=hall.level,
        region_code=hall.region_code, address=hall.address, latitude=hall.latitude, longitude=hall.longitude,
        phone=hall.phone, email=hall.email, fax=hall.fax, hours=halls.hours_lines(sessions), hours_note=hall.hours_note,
        directions=hall.directions, photos=list(hall.photos or []),
        sessions=[SessionOut(days=s.days, days_label=_days_label(s.days), start=halls.hhmm(s.start_minute),
                             end=halls.hhmm(s.end_minute), extended=s.extended, label=s.label) for s in sessions],
        groups=[GroupOut(id=g.id, name=g.name, ticket_prefix=g.ticket_prefix, windows=halls.window_numbers(windows, g.id),
                         items=[{"id": i.id, "name": i.name} for i in items[g.id]], booking_required=g.booking_required,
                         waiting=per_group.get(g.id, 0),
                         expected_wait_minutes=queue.expected_wait(ahead=per_group.get(g.id, 0), avg_minutes=g.avg_minutes,
                                                                   windows=len(halls.window_numbers(windows, g.id))))
                for g in groups],
        items=sorted(all_items.values(), key=lambda i: i["name"]),
        waiting=sum(per_group.get(g.id, 0) for g in groups), rating=None, rating_label=NO_RATING,
        distance_km=round(distance_km, 2) if distance_km is not None else None,
        booking_url=f"/halls/{hall.id}/book" if hall.bookable else "",
        links={"detail": f"/halls/{hall.id}", "book": f"/halls/{hall.id}/book" if hall.bookable else "",
               "queue": f"/halls/{hall.id}/screen"},
    )


def _days_label(days: str) -> str:
    return SessionDays(days).label


def directory_rows(*, db_session: Session, rows: list[Hall]) -> list[DirectoryRow]:
    sessions = _sessions_by_hall(db_session, [h.id for h in rows]) if rows else {}
    return [DirectoryRow(id=h.id, name=h.name, kind_label=HallKind(h.kind).label, address=h.address, phone=h.phone,
                         email=h.email, fax=h.fax, hours=halls.hours_lines(sessions.get(h.id, []))) for h in rows]


def appointment_out(*, db_session: Session, clock: Clock, row: Appointment) -> AppointmentOut:
    """The confirmation (004): number, name, time, place, item, and the item's conditions and materials at once."""
    hall = halls.get(db_session=db_session, hall_id=row.hall_id)
    group = halls.get_group(db_session=db_session, group_id=row.group_id)
    windows = halls.window_numbers(halls.windows_of(db_session=db_session, hall_id=hall.id), group.id)
    item = catalog.get_item(db_session=db_session, item_id=row.item_id)
    conditions: list[str] = []
    materials: list[MaterialLine] = []
    if item.live_version_id is not None:
        content = catalog.live_content(db_session=db_session, item=item)
        conditions = [c.text for c in content.conditions]
        for m in content.materials:
            forms = "、".join(FORM_LABELS.get(f.value, f.value) for f in m.forms)
            counts = [f"原件{m.original_count}份" if m.original_count else "", f"复印件{m.copy_count}份" if m.copy_count else ""]
            detail = "；".join(x for x in [forms, "、".join(c for c in counts if c), m.condition, m.notes] if x)
            materials.append(MaterialLine(name=m.name, detail=detail))
    name = persons.get(db_session=db_session, person_id=row.person_id).name
    return AppointmentOut(
        id=row.id, number=row.number, status=row.status, status_label=AppointmentStatus(row.status).label, name=name,
        day=row.day, time=f"{halls.hhmm(row.start_minute)}–{halls.hhmm(row.end_minute)}",
        when=messages.when(row.day, row.start_minute, row.end_minute), hall_id=hall.id, hall_name=hall.name,
        address=hall.address, group_name=group.name, windows=windows, item_id=row.item_id, item_name=row.item_name,
        conditions=conditions, materials=materials, reason=row.reason, may_cancel=bookings.may_cancel(clock, row),
        channel=row.channel, booked_by_staff=bool(row.booked_by),
    )


def ticket_out(*, db_session: Session, clock: Clock, ticket: QueueTicket) -> TicketOut:
    hall = halls.get(db_session=db_session, hall_id=ticket.hall_id)
    group = halls.get_group(db_session=db_session, group_id=ticket.group_id)
    windows = halls.windows_of(db_session=db_session, hall_id=hall.id)
    window = next((w.number for w in windows if w.id == ticket.window_id), None)
    number = None
    if ticket.appointment_id is not None:
        number = bookings.get(db_session=db_session, appointment_id=ticket.appointment_id).number
    ahead = queue.ahead_of(db_session=db_session, clock=clock, ticket=ticket)
    numbers = halls.window_numbers(windows, group.id)
    return TicketOut(
        id=ticket.id, number=ticket.number, hall_id=hall.id, hall_name=hall.name, group_name=group.name, source=ticket.source,
        source_label=TicketSource(ticket.source).label, status=ticket.status, status_label=TicketStatus(ticket.status).label,
        waiting_ahead=ahead, expected_wait_minutes=queue.expected_wait(ahead=ahead, avg_minutes=group.avg_minutes, windows=len(numbers)),
        window=window, windows=numbers, appointment_number=number,
    )


def queue_out(*, db_session: Session, clock: Clock, hall: Hall) -> QueueOut:
    groups = halls.groups_of(db_session=db_session, hall_id=hall.id)
    windows = halls.windows_of(db_session=db_session, hall_id=hall.id)
    counts = queue.group_waiting_counts(db_session=db_session, clock=clock, hall_id=hall.id)
    numbers = {w.id: w.number for w in windows}
    calls = [{"ticket": t.number, "window": numbers.get(t.window_id), "status": t.status}
             for t in queue.recent_calls(db_session=db_session, clock=clock, hall_id=hall.id)]
    return QueueOut(hall_id=hall.id, waiting=sum(counts.values()),
                    groups=[QueueGroupOut(group_id=g.id, name=g.name, waiting=counts.get(g.id, 0),
                                          windows=halls.window_numbers(windows, g.id)) for g in groups],
                    recent_calls=calls)


def home_visit_out(visit: HomeVisit) -> HomeVisitOut:
    return HomeVisitOut(
        id=visit.id, hall_id=visit.hall_id, item_name=visit.item_name, visitee_name=visit.visitee_name,
        visitee_phone=identity.mask_phone(visit.visitee_phone), address=mask_address(visit.address),
        reason_label=HomeVisitReason(visit.reason).label, preferred_day=visit.preferred_day, status=visit.status,
        status_label=HomeVisitStatus(visit.status).label, scheduled_for=visit.scheduled_for, staff_note=visit.staff_note,
    )


def kiosk_out(device: KioskDevice) -> KioskDeviceOut:
    return KioskDeviceOut(id=device.id, hall_id=device.hall_id, name=device.name, enrolled_by=device.enrolled_by,
                          enrolled_at=device.enrolled_at, revoked_at=device.revoked_at, last_seen_at=device.last_seen_at,
                          active=device.revoked_at is None)


def mask_address(address: str) -> str:
    """Enough of the address to recognise it; the house number stays hidden in lists."""
    return address if len(address) <= 6 else address[:6] + "…"


