"""Tables of the capacity book (reservations per centre); migration 0002 creates them."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table, UniqueConstraint

from store.schema import ID, UtcDateTime, metadata

# One row per centre that has ever been booked: the row every reservation of the
# centre locks first (SELECT ... FOR UPDATE), so bookings of one centre run one at a
# time however many workers race, while other centres book in parallel. It also
# hands out the first-come tickets.
capacity_centres = Table(
    "capacity_centres",
    metadata,
    Column("centre_id", String(64), primary_key=True),
    Column("next_ticket", Integer, nullable=False),
)

# A journey's active reservation (held slots) or its place on the waiting list.
capacity_reservations = Table(
    "capacity_reservations",
    metadata,
    Column("journey_id", ID, primary_key=True),
    Column("centre_id", String(64), nullable=False),
    Column("ticket", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("earliest", UtcDateTime(), nullable=False),
    # {resource: seconds after the apheresis}
    Column("offsets", JSON(), nullable=False),
    # [{"resource": ..., "week": "YYYY-MM-DD" (the Monday)}]
    Column("slots", JSON(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # A second line of defence behind the lock: no two bookings share a ticket.
    UniqueConstraint("centre_id", "ticket", name="uq_capacity_reservations_ticket"),
)
Index("ix_capacity_reservations_centre", capacity_reservations.c.centre_id)
