"""The centers of a `flask seed-scale` run and their catalogue, through the ORM (20 rows and
their items, once), and the item sets its cases draw from: 8–14 items each, in working order
(prerequisites first), with the promised limit of the whole case.
"""
import dataclasses
import math
from dataclasses import dataclass, field

from sqlalchemy import select

from proxy_service.core.extensions import db
from proxy_service.documents.seal import init_center_seal
from proxy_service.models import ApprovalItem, CaseTemplate, Center, LimitUnit, Mode
from proxy_service.seed.catalog import ensure_industries, seed_center_catalog
from proxy_service.seed.scale.world import CENTER_COUNT, REGION_CODES, ZONES, center_fields
from proxy_service.workflow.agreement_settings import current_template

ITEMSETS_PER_CENTER = 48
# Steps per case, 8–14, about 12.5 on average (≈1.2 M steps for 100,000 cases).
SIZES = (8, 9, 10, 11, 12, 12, 13, 13, 14, 14, 14)


@dataclass
class Item:
    id: int
    name: str
    stage: str
    stage_order: int
    sort: int
    limit: int
    calendar_days: bool
    commitment: bool
    prerequisites: tuple
    chain: int = 0


@dataclass
class ItemSet:
    template_id: int | None
    template_name: str
    order: list          # Items in working order (prerequisites first)
    requested: str       # "1,4,7" as cases store it
    item_ids: str        # in the case's step order, as agreements store it
    limit: int           # promised working days for the whole case


@dataclass
class CenterInfo:
    id: int
    prefix: str
    zone: str
    region: str
    managers: list = field(default_factory=list)    # [(id, name)]
    agents: list = field(default_factory=list)
    itemsets: list = field(default_factory=list)
    agreement_template_id: int = 0


def ensure_centers(with_seals):
    """The 20 scale centers (S01..S20) with catalogue and agreement clauses; existing ones
    are reused. Returns [Center] in order."""
    ensure_industries()
    centers = []
    for n in range(CENTER_COUNT):
        fields = center_fields(n)
        center = db.session.scalar(select(Center).where(
            Center.number_prefix == fields["number_prefix"]))
        if center is None:
            if db.session.scalar(select(Center.id).where(Center.name == fields["name"])):
                fields["name"] += f"（{fields['number_prefix']}）"   # e.g. beside the demo's
            center = Center(**fields)
            db.session.add(center)
            db.session.flush()
        seed_center_catalog(center)
        current_template(center)
        if with_seals:
            init_center_seal(center)
        centers.append(center)
    db.session.commit()
    return centers


def center_infos(centers, rng):
    infos = []
    for n, center in enumerate(centers):
        info = CenterInfo(center.id, center.number_prefix, ZONES[n], REGION_CODES[n])
        info.agreement_template_id = current_template(center).id
        info.itemsets = itemsets_of(center, rng)
        infos.append(info)
    return infos


def _items_of(center):
    items = db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == center.id, ApprovalItem.retired.is_(False))
        .order_by(ApprovalItem.id)).all()
    return {item.id: Item(item.id, item.name, item.stage.value, item.stage.order, item.sort,
                          item.promised_limit, item.promised_unit is LimitUnit.CALENDAR_DAY,
                          item.mode is Mode.COMMITMENT, tuple(p.id for p in item.prerequisites))
            for item in items}


def itemsets_of(center, rng):
    """Item sets of 8–14 items: a template's items give or take a few, or a free choice."""
    items = _items_of(center)
    templates = db.session.scalars(select(CaseTemplate).where(
        CaseTemplate.center_id == center.id, CaseTemplate.retired.is_(False))
        .order_by(CaseTemplate.id)).all()
    sets = []
    for n in range(ITEMSETS_PER_CENTER):
        template = templates[n % len(templates)] if n % 4 != 3 and templates else None
        chosen = {i.id for i in template.items} if template else set()
        size = rng.choice(SIZES)
        others = [i for i in items if i not in chosen]
        rng.shuffle(others)
        while len(chosen) < size and others:
            chosen.add(others.pop())
        while len(chosen) > size:
            chosen.discard(rng.choice(sorted(chosen)))
        sets.append(_itemset([dataclasses.replace(items[i]) for i in chosen], template))
    return sets


def _itemset(members, template):
    ids = {item.id for item in members}
    by_sort = sorted(members, key=lambda i: (i.stage_order, i.sort, i.id))
    depth, chain = {}, {}

    def walk(item, seen=frozenset()):
        if item.id not in chain:
            before = [walk(p, seen | {item.id}) for p in map(by_id.get, item.prerequisites)
                      if p is not None and p.id not in seen]
            limit = item.limit if not item.calendar_days else math.ceil(item.limit * 5 / 7)
            chain[item.id] = limit + max((c for c, _ in before), default=0)
            depth[item.id] = 1 + max((d for _, d in before), default=0)
        return chain[item.id], depth[item.id]

    by_id = {item.id: item for item in members}
    for item in members:
        walk(item)
    for item in members:
        item_prereqs = tuple(p for p in item.prerequisites if p in ids)
        item.prerequisites = item_prereqs
    order = sorted(members, key=lambda i: (depth[i.id], i.stage_order, i.sort))
    limit = template.overall_limit if template and template.overall_limit else max(chain.values())
    return ItemSet(template.id if template else None, template.name if template else "", order,
                   ",".join(str(i.id) for i in sorted(members, key=lambda i: i.sort)),
                   ",".join(str(i.id) for i in by_sort), limit)
