"""A center's catalogue: approval items (审批事项) and case templates (事项模板)."""
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from proxy_service.core.extensions import db
from proxy_service.models.enterprises import _str_enum


class Stage(str, enum.Enum):
    """The four stages of the 2018 reform plus public utility hook-ups, in order."""

    LAND_PLANNING = "land_planning"      # 立项用地规划许可
    CONSTRUCTION_PERMIT = "construction_permit"  # 工程建设许可
    BUILDING = "building"                # 施工许可
    ACCEPTANCE = "acceptance"            # 竣工验收
    UTILITIES = "utilities"              # 市政公用服务

    @property
    def label(self):
        return STAGE_LABELS[self]

    @property
    def order(self):
        return list(Stage).index(self)


STAGE_LABELS = {
    Stage.LAND_PLANNING: _l("立项用地规划许可"),
    Stage.CONSTRUCTION_PERMIT: _l("工程建设许可"),
    Stage.BUILDING: _l("施工许可"),
    Stage.ACCEPTANCE: _l("竣工验收"),
    Stage.UTILITIES: _l("市政公用服务"),
}


class Mode(str, enum.Enum):
    APPROVAL = "approval"        # 审批
    COMMITMENT = "commitment"    # 承诺制
    RECORD = "record"            # 备案
    GOVERNMENT = "government"    # 政府统一服务

    @property
    def label(self):
        return {"approval": _l("审批"), "commitment": _l("承诺制"), "record": _l("备案"),
                "government": _l("政府统一服务")}[self.value]


class LimitUnit(str, enum.Enum):
    WORKDAY = "workday"
    CALENDAR_DAY = "calendar_day"

    @property
    def label(self):
        return {"workday": _l("工作日"), "calendar_day": _l("自然日")}[self.value]


item_prerequisites = Table(
    "item_prerequisites", db.metadata,
    Column("item_id", ForeignKey("approval_items.id"), primary_key=True),
    Column("prerequisite_id", ForeignKey("approval_items.id"), primary_key=True),
)

template_items = Table(
    "template_items", db.metadata,
    Column("template_id", ForeignKey("case_templates.id"), primary_key=True),
    Column("item_id", ForeignKey("approval_items.id"), primary_key=True),
)


class ApprovalItem(db.Model):
    __tablename__ = "approval_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    stage: Mapped[Stage] = mapped_column(_str_enum(Stage))
    department: Mapped[str] = mapped_column(String(80))
    mode: Mapped[Mode] = mapped_column(_str_enum(Mode))
    statutory_limit: Mapped[int | None] = mapped_column()
    statutory_unit: Mapped[LimitUnit] = mapped_column(_str_enum(LimitUnit), default=LimitUnit.WORKDAY)
    promised_limit: Mapped[int] = mapped_column()
    promised_unit: Mapped[LimitUnit] = mapped_column(_str_enum(LimitUnit), default=LimitUnit.WORKDAY)
    materials: Mapped[str] = mapped_column(Text, default="")   # one material per line
    sort: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    # The edit form carries the version it showed: a save over a newer one writes nothing.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    center = relationship("Center")
    prerequisites = relationship(
        "ApprovalItem", secondary=item_prerequisites,
        primaryjoin=id == item_prerequisites.c.item_id,
        secondaryjoin=id == item_prerequisites.c.prerequisite_id,
        order_by="ApprovalItem.sort")
    __mapper_args__ = {"version_id_col": version}

    @property
    def material_list(self):
        return [line.strip() for line in self.materials.splitlines() if line.strip()]

    def __str__(self):
        return self.name


class CaseTemplate(db.Model):
    __tablename__ = "case_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    overall_limit: Mapped[int | None] = mapped_column()   # working days, whole case
    retired: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1, server_default="1")   # as on ApprovalItem

    center = relationship("Center")
    items = relationship("ApprovalItem", secondary=template_items, order_by="ApprovalItem.sort")
    __mapper_args__ = {"version_id_col": version}

    def __str__(self):
        return self.name
