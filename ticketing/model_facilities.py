"""The store's tables for facilities work: the equipment register (设备档案).

Part of the schema of ``ticketing.model`` (the same ``Base``; ``ticketing.model`` imports this
module), kept apart so that each capability reads in one sitting.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model import Base

# --- the equipment register ----------------------------------------


class Equipment(Base):
    """One piece of equipment (设备档案): where it stands, who supplied it, what state it is in.
    Master data: imported and edited like locations (``ticketing.masterdata`` kind ``equipment``)."""

    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(50), default="", index=True)  # 空调, 电梯, 供氧…
    location_code: Mapped[str] = mapped_column(String(16), default="", index=True)
    supplier_code: Mapped[str] = mapped_column(String(32), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    serial: Mapped[str] = mapped_column(String(100), default="")
    installed: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="in_use")  # in_use|standby|repair|scrapped
    active: Mapped[bool] = mapped_column(Boolean, default=True)
